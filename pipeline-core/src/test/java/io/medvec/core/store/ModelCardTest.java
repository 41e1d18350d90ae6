package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medvec.core.eval.ConfidenceIntervals;
import io.medvec.core.eval.ScoreSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelCardTest {

  static ScoreSet scores(int n, int classes, long seed, boolean oneClass) {
    Random random = new Random(seed);
    ScoreSet set = new ScoreSet(classes);
    for (int i = 0; i < n; i += 1) {
      int label = oneClass ? 0 : random.nextInt(classes);
      float[] p = new float[classes];
      for (int c = 0; c < classes; c += 1) {
        p[c] = random.nextFloat() + (c == label ? 0.5f : 0f);
      }
      set.add(label, p);
    }
    return set;
  }

  static ModelCard card(List<ModelCard.SplitMetrics> metrics) {
    return card(metrics, List.of());
  }

  static ModelCard card(List<ModelCard.SplitMetrics> metrics, List<ModelCard.SiteMetrics> sites) {
    return new ModelCard(
        Map.of("fingerprint", "ab12", "run_id", "r1"),
        List.of("normal", "pneumonia"),
        null,
        Map.of("fingerprint", "cd34", "source", "trained"),
        List.of(
            new ModelCard.Hospital("h0", 30, List.of(10L, 20L), null, null),
            new ModelCard.Hospital("st-anna", 12, List.of(5L, 7L), 3.0, 1e-5)),
        Map.of("strategy", "task-arithmetic", "lambda", 0.5),
        metrics,
        sites,
        Map.of("version", "1.0"),
        "2026-01-01T00:00:00Z");
  }

  @Test
  void intervalsAreTheConfidenceIntervalsOfTheScoresAndContainTheMetric() throws Exception {
    ScoreSet set = scores(300, 2, 1, false);
    ModelCard.SplitMetrics m = ModelCard.SplitMetrics.of("test", set, 7);
    assertThat(m.n()).isEqualTo(300);
    ConfidenceIntervals.Interval wilson = ConfidenceIntervals.accuracy(set, 0.95);
    ConfidenceIntervals.Interval delong = ConfidenceIntervals.auc(set, 0.95, 7);
    assertThat(m.metrics().get(0).low()).isEqualTo(wilson.low());
    assertThat(m.metrics().get(1).high()).isEqualTo(delong.high());
    assertThat(m.metrics())
        .extracting(ModelCard.Metric::method)
        .containsExactly("wilson", "delong", "bootstrap");
    m.metrics().forEach(x -> assertThat(x.value()).isBetween(x.low(), x.high()));
    // the bootstrap is seeded: the same card for the same scores
    assertThat(ModelCard.SplitMetrics.of("test", set, 7)).isEqualTo(m);
    assertThat(
            ModelCard.SplitMetrics.of("test", scores(300, 3, 1, false), 7)
                .metrics()
                .get(1)
                .method())
        .isEqualTo("bootstrap");
  }

  @Test
  void undefinedMetricsAreNullInJsonAndADashInMarkdown() throws Exception {
    ModelCard card = card(List.of(ModelCard.SplitMetrics.of("test", scores(40, 2, 2, true), 7)));
    JsonNode json = new ObjectMapper().readTree(card.toJson()); // strict JSON: no NaN tokens
    JsonNode auc = json.at("/metrics/0/metrics/1");
    assertThat(auc.get("name").asText()).isEqualTo("auc");
    assertThat(auc.get("value").isNull()).isTrue();
    assertThat(card.toMarkdown()).contains("| test | 40 | auc | — | [—, —] |");
  }

  @Test
  void bothFormsCarryClassesContributorsAndTheIntendedUse() throws Exception {
    ModelCard card = card(List.of(ModelCard.SplitMetrics.of("val", scores(50, 2, 3, false), 7)));
    JsonNode json = new ObjectMapper().readTree(card.toJson());
    assertThat(json.get("format").asText()).isEqualTo("medvec-model-card/1");
    assertThat(json.get("classes").toString()).isEqualTo("[\"normal\",\"pneumonia\"]");
    assertThat(json.at("/hospitals/1/dp_epsilon").asDouble()).isEqualTo(3.0);
    assertThat(json.get("intended_use").asText()).contains("Not a medical device");
    assertThat(json.get("confidence_level").asDouble()).isEqualTo(0.95);
    String md = card.toMarkdown();
    assertThat(md)
        .contains("## Intended use", "0. normal", "1. pneumonia", "| st-anna | 12 | [5, 7] | 3.0 |")
        .contains("MedMNIST pixels scaled to [0, 1]", "task-arithmetic", "| val | 50 | accuracy |");
  }

  @Test
  void siteMetricsAreStatedPerSiteAndModelWithTheirIntervals() throws Exception {
    ModelCard.SplitMetrics merged = ModelCard.SplitMetrics.of("test", scores(80, 2, 4, false), 7);
    ModelCard.SplitMetrics own = ModelCard.SplitMetrics.of("test", scores(80, 2, 5, false), 7);
    ModelCard card =
        card(
            List.of(),
            List.of(
                new ModelCard.SiteMetrics("st-anna", "merged", "r1", "test", 80, merged.metrics()),
                new ModelCard.SiteMetrics(
                    "st-anna", "single_site", "st-anna", "test", 80, own.metrics())));
    JsonNode json = new ObjectMapper().readTree(card.toJson());
    assertThat(json.at("/site_metrics/1/model_kind").asText()).isEqualTo("single_site");
    assertThat(json.at("/site_metrics/0/metrics/1/low").asDouble())
        .isEqualTo(merged.metrics().get(1).low());
    ModelCard.Metric auc = merged.metrics().get(1);
    assertThat(card.toMarkdown())
        .contains("## Metrics at the sites")
        .contains(
            String.format(
                java.util.Locale.ROOT,
                "| st-anna | merged | test | 80 | auc | %.4f | [%.4f, %.4f] | delong |",
                auc.value(),
                auc.low(),
                auc.high()))
        .doesNotContain(ModelCard.SITES_PENDING);
    assertThat(card(List.of()).toMarkdown()).contains(ModelCard.SITES_PENDING);
  }
}
