package io.medvec.core.store;

import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.ConfidenceIntervals;
import io.medvec.core.eval.ConfidenceIntervals.Interval;
import io.medvec.core.eval.Metrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.io.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model card of a merged model: {@code model-card.md} for people, {@code model-card.json} for
 * tools, written by the evaluate job into {@code runs/RUN/model-card/} once the merged model has
 * metrics. It says what the model is for and what it is not, what it takes (classes, input size,
 * preprocessing), where θ_pre came from, who contributed (hospital, example and label counts, DP
 * ε/δ), how the merge was chosen, and the metrics with 95 % confidence intervals.
 *
 * @param model the merged model's fingerprint and run id
 * @param classes class names in label order
 * @param preprocessing the preprocessing every image gets ({@code Preprocessing.canonical()}), or
 *     null for a base recorded without one (MedMNIST pixels / 255)
 * @param base θ_pre's provenance: fingerprint, source ({@code trained} or the imported file)
 * @param hospitals every contributing hospital, in the merge's order
 * @param merge strategy, λ (and λ of the head), output-layer pull μ, and how each was chosen
 * @param metrics the merged model's metrics on each evaluated split of the coordinator's data
 * @param sites the metrics each site published for this run ({@link SiteMetricsTable}): every model
 *     it scored (merged, θ_pre, its own single-site model) on its own held-out images
 * @param software the medvec version and the commit it was built from, where known
 * @param createdAt ISO-8601 instant
 */
public record ModelCard(
    Map<String, Object> model,
    List<String> classes,
    Map<String, Object> preprocessing,
    Map<String, Object> base,
    List<Hospital> hospitals,
    Map<String, Object> merge,
    List<SplitMetrics> metrics,
    List<SiteMetrics> sites,
    Map<String, String> software,
    String createdAt) {

  /** The card for tools. */
  public static final String JSON_FILE = "model-card.json";

  /** The card for people. */
  public static final String MARKDOWN_FILE = "model-card.md";

  /** The confidence level of every interval on the card. */
  public static final double LEVEL = MetricsTable.CI_LEVEL;

  /** Why the card exists: the same two sentences on every card. */
  static final String INTENDED_USE =
      "Research use: a diagnostic image classifier merged from hospitals' data vectors"
          + " (arXiv 2408.13038) for studying federated model merging. Not a medical device: not"
          + " validated for clinical decisions, and only for images prepared as described below"
          + " from the kind of population the contributing hospitals saw.";

  static final List<String> LIMITS =
      List.of(
          "Metrics are on the coordinator's splits; performance at another site can differ"
              + " (label mix, devices, population): score it there first.",
          "Example and label counts are reported by each hospital and bounded by the merge, not"
              + " verified against images the coordinator never sees.",
          "Classes outside the list below are never predicted; images of other modalities are"
              + " out of scope.");

  /** One contributing hospital as its vector manifest reports it. */
  public record Hospital(
      String name, long examples, List<Long> labelCounts, Double dpEpsilon, Double dpDelta) {}

  /** One metric with its interval; null where undefined (an AUC with one class present). */
  public record Metric(String name, Double value, Double low, Double high, String method) {
    static Metric of(String name, double value, Interval ci) {
      return new Metric(name, finite(value), finite(ci.low()), finite(ci.high()), ci.method());
    }

    private static Double finite(double v) {
      return Double.isFinite(v) ? v : null;
    }
  }

  /** The merged model's metrics on one split, {@code n} examples. */
  public record SplitMetrics(String split, long n, List<Metric> metrics) {

    /**
     * Accuracy (Wilson), AUC (DeLong for two classes, else a seeded bootstrap) and macro F1
     * (bootstrap) of {@code scores}, each with its 95 % interval.
     */
    public static SplitMetrics of(String split, ScoreSet scores, long seed) {
      return of(split, scores, ClassificationMetrics.compute(scores), seed);
    }

    /** As {@link #of(String, ScoreSet, long)}, given {@code m}, the metrics of {@code scores}. */
    public static SplitMetrics of(String split, ScoreSet scores, Metrics m, long seed) {
      List<Metric> out = new ArrayList<>();
      out.add(Metric.of("accuracy", m.accuracy(), ConfidenceIntervals.accuracy(scores, LEVEL)));
      out.add(Metric.of("auc", m.auc(), ConfidenceIntervals.auc(scores, LEVEL, seed)));
      out.add(Metric.of("macro_f1", m.macroF1(), ConfidenceIntervals.macroF1(scores, LEVEL, seed)));
      return new SplitMetrics(split, m.n(), out);
    }
  }

  /**
   * One model's metrics at one site, on the site's own split {@code split} of {@code n} images, as
   * the site published them (aggregates with their intervals; nothing per image).
   *
   * @param modelKind {@code merged}, {@code pretrained} or {@code single_site}
   * @param modelId the model's id in the metrics table (the merged model's run, the site's name)
   */
  public record SiteMetrics(
      String site, String modelKind, String modelId, String split, long n, List<Metric> metrics) {
    public SiteMetrics {
      metrics = List.copyOf(metrics);
    }
  }

  public ModelCard {
    classes = List.copyOf(classes);
    hospitals = List.copyOf(hospitals);
    metrics = List.copyOf(metrics);
    sites = List.copyOf(sites);
  }

  /** The card as JSON: every field above, plus the intended use and limits. */
  public String toJson() {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("format", "medvec-model-card/1");
    out.put("intended_use", INTENDED_USE);
    out.put("limits", LIMITS);
    out.put("model", model);
    out.put("classes", classes);
    out.put("preprocessing", preprocessing);
    out.put("base", base);
    out.put("hospitals", hospitals);
    out.put("merge", merge);
    out.put("confidence_level", LEVEL);
    out.put("metrics", metrics);
    out.put("site_metrics", sites);
    out.put("software", software);
    out.put("created_at", createdAt);
    return Json.write(out);
  }

  /** The card as Markdown. */
  public String toMarkdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Model card: merged model ").append(model.get("fingerprint")).append("\n\n");
    md.append("Run `").append(model.get("run_id")).append("`, created ").append(createdAt);
    md.append(", medvec ").append(software.getOrDefault("version", "unknown"));
    String commit = software.get("git_commit");
    if (commit != null && !commit.isBlank()) {
      md.append(" (commit ").append(commit).append(')');
    }
    md.append(".\n\n## Intended use\n\n").append(INTENDED_USE).append("\n\n## Limits\n\n");
    LIMITS.forEach(l -> md.append("- ").append(l).append('\n'));
    md.append("\n## Classes\n\n");
    for (int i = 0; i < classes.size(); i += 1) {
      md.append(i).append(". ").append(classes.get(i)).append('\n');
    }
    md.append("\n## Input\n\n");
    if (preprocessing == null) {
      md.append("MedMNIST pixels scaled to [0, 1] (pixel / 255), no resizing.\n");
    } else {
      md.append("| field | value |\n|---|---|\n");
      preprocessing.forEach(
          (k, v) -> md.append("| ").append(k).append(" | `").append(v).append("` |\n"));
    }
    md.append("\n## θ_pre\n\n");
    base.forEach((k, v) -> md.append("- ").append(k).append(": `").append(v).append("`\n"));
    md.append(
        "\n## Contributing hospitals\n\n| hospital | examples | label counts | DP ε | DP δ |\n");
    md.append("|---|---:|---|---:|---:|\n");
    for (Hospital h : hospitals) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %s |%n",
              h.name(),
              h.examples(),
              h.labelCounts(),
              h.dpEpsilon() == null ? "—" : h.dpEpsilon(),
              h.dpDelta() == null ? "—" : h.dpDelta()));
    }
    md.append("\n## Merge\n\n");
    merge.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append(
        String.format(
            Locale.ROOT,
            "%n## Metrics (coordinator's splits, %.0f %% confidence intervals)%n%n",
            LEVEL * 100));
    md.append("| split | n | metric | value | interval | method |\n|---|---:|---|---:|---|---|\n");
    for (SplitMetrics s : metrics) {
      s.metrics().forEach(m -> md.append(row(m, s.split(), Long.toString(s.n()))));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%n## Metrics at the sites (each site's own held-out images, %.0f %% confidence"
                + " intervals)%n%n",
            LEVEL * 100));
    if (sites.isEmpty()) {
      md.append(SITES_PENDING).append('\n');
    } else {
      md.append("| site | model | split | n | metric | value | interval | method |\n");
      md.append("|---|---|---|---:|---|---:|---|---|\n");
      for (SiteMetrics s : sites) {
        s.metrics()
            .forEach(
                m -> md.append(row(m, s.site(), s.modelKind(), s.split(), Long.toString(s.n()))));
      }
    }
    return md.toString();
  }

  /** A Markdown table row: {@code cells}, then the metric's name, value, interval and method. */
  private static String row(Metric m, String... cells) {
    return "| "
        + String.join(" | ", cells)
        + String.format(
            Locale.ROOT,
            " | %s | %s | [%s, %s] | %s |%n",
            m.name(),
            number(m.value()),
            number(m.low()),
            number(m.high()),
            m.method() == null ? "—" : m.method());
  }

  /** What the card says before any site has published metrics for the run. */
  public static final String SITES_PENDING =
      "No site has published metrics for this run yet. A site publishes them with `bin/medvec"
          + " evaluate --site NAME --data LOCAL --publish STORE --run RUN`; `bin/medvec card --out"
          + " STORE --run-id RUN` then rewrites this card with them.";

  private static String number(Double v) {
    return v == null ? "—" : String.format(Locale.ROOT, "%.4f", v);
  }
}
