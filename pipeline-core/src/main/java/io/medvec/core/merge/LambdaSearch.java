package io.medvec.core.merge;

import io.medvec.core.data.ImageSet;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.Metrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import io.medvec.core.restore.Restoration;
import io.medvec.core.vector.VectorLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks λ for θ = θ_pre + λ·τ_mix: every candidate is composed, given batch-norm statistics and
 * scored on a validation split; the best score wins and ties keep the earlier (smaller) λ. The test
 * split is never seen here.
 *
 * <p>AUC ranks candidates only by how they order examples, and on an easy validation split every
 * reasonable λ orders them almost perfectly, so AUC ties at ~0.99 and the choice is noise. Log-loss
 * (a proper scoring rule) also rewards calibrated confidence and keeps separating them.
 *
 * <p>Candidates are scored in this JVM one after another, or, given a {@link Scorer}, all of one
 * search at once: each is still composed and restored here, then serialised, and the scorer returns
 * its scores on the validation split (e.g. from Spark tasks over slices of it); the metrics and the
 * choice are computed here from those scores either way.
 */
public final class LambdaSearch {

  private static final Logger LOG = LoggerFactory.getLogger(LambdaSearch.class);

  /** Validation metric used to rank candidates. */
  public enum Metric {
    /** Macro one-vs-rest ROC AUC, higher is better. */
    AUC,
    /** Argmax accuracy, higher is better. */
    ACCURACY,
    /** Mean cross-entropy of the softmax outputs, lower is better. */
    LOG_LOSS;

    /** The candidate's score under this metric, oriented so that higher is better. */
    public double merit(Candidate c) {
      return switch (this) {
        case AUC -> c.valAuc();
        case ACCURACY -> c.valAccuracy();
        case LOG_LOSS -> -c.valLogLoss();
      };
    }
  }

  /**
   * How many scales are searched: one λ for every tensor ({@link #MODEL}), or one for the feature
   * extractor and one for the classifier head ({@link #BLOCK}, every pair of the grid; see {@link
   * SyntheticWeights#headLayers}).
   */
  public enum Scope {
    /** θ_pre + λ·τ_mix. */
    MODEL,
    /** θ_pre + λ·τ_mix on the feature layers and λ_head·τ_mix on the head. */
    BLOCK
  }

  /**
   * One candidate's validation scores; {@code lambdaHead} is the head's λ under {@link
   * Scope#BLOCK}, null when one λ scales everything.
   */
  public record Candidate(
      double lambda, Double lambdaHead, double valAuc, double valAccuracy, double valLogLoss) {

    /** A one-λ candidate. */
    public Candidate(double lambda, double valAuc, double valAccuracy, double valLogLoss) {
      this(lambda, null, valAuc, valAccuracy, valLogLoss);
    }
  }

  /** The chosen model, the candidate it was built from, and every candidate's scores. */
  public record Choice(Network model, Candidate chosen, List<Candidate> candidates) {

    /** The chosen λ (the features' under {@link Scope#BLOCK}). */
    public double lambda() {
      return chosen.lambda();
    }

    /** The chosen head λ, or null when one λ scales everything. */
    public Double lambdaHead() {
      return chosen.lambdaHead();
    }
  }

  /**
   * Scores serialised candidate models ({@link ModelIO#toBytes}) on the grid's validation split
   * elsewhere than in this loop: one call per search, every candidate of it at once.
   */
  @FunctionalInterface
  public interface Scorer {
    /**
     * Each model's scores on the validation split, in the order of {@code models}, every example in
     * the split's order, as {@link Predictor#predict} gives them with the grid's batch size; every
     * model is fed pixels in {@code inputScale} (θ_pre's).
     */
    List<ScoreSet> score(List<byte[]> models, PixelScale inputScale);
  }

  /**
   * One merge's search: θ_pre, its layout, the validation split and how candidates are formed and
   * ranked; every direction of the merge (strategies, controls) is searched the same way.
   *
   * @param scope one λ or one per block
   * @param lambdas the λ candidates
   * @param scorer where candidates are scored; null: in this JVM, one after another
   */
  public record Grid(
      Network base,
      VectorLayout layout,
      ImageSet validation,
      Scope scope,
      List<Double> lambdas,
      Metric metric,
      int batchSize,
      Scorer scorer) {

    public Grid {
      lambdas = List.copyOf(lambdas);
    }

    /** A grid whose candidates are scored in this JVM, one after another. */
    public Grid(
        Network base,
        VectorLayout layout,
        ImageSet validation,
        Scope scope,
        List<Double> lambdas,
        Metric metric,
        int batchSize) {
      this(base, layout, validation, scope, lambdas, metric, batchSize, null);
    }

    /** This grid with its candidates scored by {@code scorer} (null: in this JVM). */
    public Grid withScorer(Scorer scorer) {
      return new Grid(base, layout, validation, scope, lambdas, metric, batchSize, scorer);
    }

    /** The best candidate of {@code direction} over this grid. */
    public Choice search(float[] direction, Restoration bn) {
      return searchSettings(direction, settings(scope, lambdas), bn);
    }

    /** The best of {@code direction} over other λ candidates, one λ for every tensor. */
    public Choice search(float[] direction, List<Double> lambdas, Restoration bn) {
      return searchSettings(direction, settings(Scope.MODEL, lambdas), bn);
    }

    /** {@code direction} scored at one fixed setting (λ, and the head's λ or null). */
    public Choice fixed(float[] direction, double lambda, Double lambdaHead, Restoration bn) {
      return searchSettings(direction, List.of(new Setting(lambda, lambdaHead)), bn);
    }

    private Choice searchSettings(float[] direction, List<Setting> settings, Restoration bn) {
      return scorer == null
          ? LambdaSearch.searchSettings(
              base, layout, direction, settings, bn, validation, metric, batchSize)
          : LambdaSearch.scoreElsewhere(
              base, layout, direction, settings, bn, validation, metric, scorer);
    }
  }

  /** A λ, and the head's λ or null, to compose and score. */
  private record Setting(double lambda, Double head) {

    /** "λ" or "λ, head λ λ_head", as errors name the candidate. */
    String describe() {
      return lambda + (head == null ? "" : ", head λ " + head);
    }
  }

  private LambdaSearch() {}

  /** Composes, restores and scores each λ in order (one λ for every tensor); returns the best. */
  public static Choice search(
      Network base,
      VectorLayout layout,
      float[] direction,
      List<Double> lambdas,
      Restoration bn,
      ImageSet validation,
      Metric metric,
      int batchSize) {
    return search(base, layout, direction, Scope.MODEL, lambdas, bn, validation, metric, batchSize);
  }

  /**
   * Composes, restores and scores every candidate of {@code scope} over {@code lambdas} — under
   * {@link Scope#BLOCK} each (λ, λ_head) pair, features-major — and returns the best; ties keep the
   * earlier.
   */
  public static Choice search(
      Network base,
      VectorLayout layout,
      float[] direction,
      Scope scope,
      List<Double> lambdas,
      Restoration bn,
      ImageSet validation,
      Metric metric,
      int batchSize) {
    return searchSettings(
        base, layout, direction, settings(scope, lambdas), bn, validation, metric, batchSize);
  }

  /**
   * The candidates of {@code scope} over {@code lambdas}: under BLOCK every pair, features-major.
   */
  private static List<Setting> settings(Scope scope, List<Double> lambdas) {
    if (lambdas.isEmpty()) {
      throw new IllegalArgumentException("Cannot choose lambda: no candidates given");
    }
    List<Setting> settings = new ArrayList<>();
    for (double lambda : lambdas) {
      if (scope == Scope.MODEL) {
        settings.add(new Setting(lambda, null));
      } else {
        for (double head : lambdas) {
          settings.add(new Setting(lambda, head));
        }
      }
    }
    return settings;
  }

  /** Scores the one setting (λ, λ_head or null) the caller fixed. */
  public static Choice fixed(
      Network base,
      VectorLayout layout,
      float[] direction,
      double lambda,
      Double lambdaHead,
      Restoration bn,
      ImageSet validation,
      Metric metric,
      int batchSize) {
    return searchSettings(
        base,
        layout,
        direction,
        List.of(new Setting(lambda, lambdaHead)),
        bn,
        validation,
        metric,
        batchSize);
  }

  private static Choice searchSettings(
      Network base,
      VectorLayout layout,
      float[] direction,
      List<Setting> settings,
      Restoration bn,
      ImageSet validation,
      Metric metric,
      int batchSize) {
    List<Candidate> candidates = new ArrayList<>();
    Network best = null;
    Candidate bestCandidate = null;
    Set<String> head = headLayers(base, settings);
    for (Setting setting : settings) {
      Network model;
      ScoreSet scores;
      try {
        model = compose(base, layout, direction, setting, head, bn);
        scores = scores(model, validation, batchSize);
      } catch (IllegalArgumentException
          | IllegalStateException e) { // e.g. a diverged candidate's NaN outputs
        throw cannotScore(setting.describe(), e);
      }
      Candidate candidate = candidate(setting, scores);
      candidates.add(candidate);
      if (best == null || beats(metric, candidate, bestCandidate)) {
        best = model;
        bestCandidate = candidate;
      }
    }
    return new Choice(best, bestCandidate, List.copyOf(candidates));
  }

  /**
   * Composes and restores every setting here, hands them serialised to {@code scorer} at once and
   * chooses from the scores it returns as {@link #searchSettings} does; the chosen model is read
   * back from its bytes, so only one model is held at a time besides the serialised candidates.
   */
  private static Choice scoreElsewhere(
      Network base,
      VectorLayout layout,
      float[] direction,
      List<Setting> settings,
      Restoration bn,
      ImageSet validation,
      Metric metric,
      Scorer scorer) {
    Set<String> head = headLayers(base, settings);
    List<byte[]> models = new ArrayList<>(settings.size());
    for (Setting setting : settings) {
      try {
        models.add(ModelIO.toBytes(compose(base, layout, direction, setting, head, bn)));
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw cannotScore(setting.describe(), e);
      }
    }
    List<ScoreSet> scored;
    try {
      scored = scorer.score(models, base.inputScale());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalStateException(
          "Cannot score the merge's λ candidates ("
              + String.join("; ", settings.stream().map(Setting::describe).toList())
              + "): "
              + e.getMessage(),
          e);
    }
    if (scored.size() != settings.size()) {
      throw new IllegalStateException(
          "Cannot choose lambda: "
              + settings.size()
              + " candidates scored but "
              + scored.size()
              + " score sets returned");
    }
    List<Candidate> candidates = new ArrayList<>();
    int best = -1;
    for (int i = 0; i < settings.size(); i++) {
      ScoreSet scores = scored.get(i);
      if (scores.size() != validation.size()) {
        throw new IllegalStateException(
            "Cannot choose lambda: the scores of λ "
                + settings.get(i).describe()
                + " cover "
                + scores.size()
                + " of "
                + validation.size()
                + " validation examples");
      }
      Candidate candidate;
      try {
        candidate = candidate(settings.get(i), scores);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw cannotScore(settings.get(i).describe(), e);
      }
      candidates.add(candidate);
      if (best < 0 || beats(metric, candidate, candidates.get(best))) {
        best = i;
      }
    }
    Network model =
        ModelIO.networkFromBytes(
            models.get(best), "candidate λ " + settings.get(best).describe(), base.inputScale());
    return new Choice(model, candidates.get(best), List.copyOf(candidates));
  }

  private static Set<String> headLayers(Network base, List<Setting> settings) {
    return settings.stream().anyMatch(s -> s.head() != null)
        ? SyntheticWeights.headLayers(base)
        : Set.of();
  }

  /** θ_pre + λ·τ (λ_head on {@code headLayers}), its statistics and refits restored. */
  private static Network compose(
      Network base,
      VectorLayout layout,
      float[] direction,
      Setting setting,
      Set<String> headLayers,
      Restoration bn) {
    Double head = setting.head();
    return bn.apply(
        head == null
            ? SyntheticWeights.compose(base, layout, direction, setting.lambda())
            : SyntheticWeights.compose(
                base, layout, direction, setting.lambda(), head, headLayers));
  }

  /** The validation metrics of {@code setting}'s scores, logged. */
  private static Candidate candidate(Setting setting, ScoreSet scores) {
    Metrics val = ClassificationMetrics.compute(scores);
    Candidate candidate =
        new Candidate(
            setting.lambda(),
            setting.head(),
            val.auc(),
            val.accuracy(),
            ClassificationMetrics.logLoss(scores));
    LOG.info(
        "lambda {}{}: validation auc {} accuracy {} log-loss {}",
        setting.lambda(),
        setting.head() == null ? "" : " head " + setting.head(),
        candidate.valAuc(),
        candidate.valAccuracy(),
        candidate.valLogLoss());
    return candidate;
  }

  private static IllegalStateException cannotScore(String at, RuntimeException e) {
    return new IllegalStateException(
        "Cannot score the merge at λ " + at + ": " + e.getMessage(), e);
  }

  /**
   * Whether {@code challenger} strictly beats {@code incumbent} under {@code metric}. A NaN score
   * (AUC of a split with one class) never wins, so selection then keeps the first candidate.
   */
  public static boolean beats(Metric metric, Candidate challenger, Candidate incumbent) {
    double mine = metric.merit(challenger);
    double theirs = metric.merit(incumbent);
    return mine > theirs || (Double.isNaN(theirs) && !Double.isNaN(mine));
  }

  /** Metrics of {@code net} on {@code split}. */
  public static Metrics score(Network net, ImageSet split, int batchSize) {
    return ClassificationMetrics.compute(scores(net, split, batchSize));
  }

  private static ScoreSet scores(Network net, ImageSet split, int batchSize) {
    ScoreSet scores = new ScoreSet(split.numClasses());
    scores.addAll(split.labels(), Predictor.predict(net, split, batchSize));
    return scores;
  }
}
