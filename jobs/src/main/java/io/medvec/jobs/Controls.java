package io.medvec.jobs;

import io.medvec.core.data.ImageSet;
import io.medvec.core.merge.BatchNormSource;
import io.medvec.core.merge.BnStatsMode;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.StrategyMerge;
import io.medvec.core.vector.RandomVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The merge job's comparison models (the paper's controls), each published like the merged model
 * under {@code runs/RUN/controls/KIND/} so that the evaluate job scores them with the same code.
 */
public final class Controls {

  static final String MEAN = "mean";
  static final String NO_BN_RESTORE = "merged-no-bn-restore";
  static final String RANDOM_VECTOR = "random-vector";

  /**
   * One published control.
   *
   * @param kind the metrics table's {@code model_kind} (snake_case)
   * @param lambda λ used
   * @param lambdaHead the head's λ under merge.lambda-scope=block, else null
   * @param model the model file
   * @param candidates λ candidates scored on validation (empty when λ was fixed)
   */
  public record Control(
      String kind, double lambda, Double lambdaHead, String model, List<LambdaSearch.Candidate> candidates) {}

  private final JobContext ctx;
  private final MergeVectorsJob.Config config;
  private final MultiLayerNetwork base;
  private final VectorLayout layout;
  private final ImageSet validation;
  private final ImageSet pool;

  Controls(JobContext ctx, MergeVectorsJob.Config config, MultiLayerNetwork base, VectorLayout layout,
      ImageSet validation, ImageSet pool) {
    this.ctx = ctx;
    this.config = config;
    this.base = base;
    this.layout = layout;
    this.validation = validation;
    this.pool = pool;
  }

  /**
   * Builds and publishes every configured control; {@code sum} is the (screened) task-arithmetic sum,
   * {@code direction} the merged model's τ_mix, {@code bn} its statistics source and {@code pull} its
   * output layer's μ (null when the layer is kept).
   */
  List<Control> run(VectorStore store, List<StoredVector> vectors, float[] sum, float[] direction,
      LambdaSearch.Choice merged, BatchNormSource bn, Double pull) {
    List<Control> out = new ArrayList<>();
    for (String control : config.controls()) {
      LambdaSearch.Choice choice = switch (control) {
        case MEAN -> LambdaSearch.search(base, layout, sum, List.of(1.0 / vectors.size()), bn, validation,
            config.selectMetric(), config.batchSize());
        case NO_BN_RESTORE -> LambdaSearch.fixed(base, layout, direction, merged.lambda(), merged.lambdaHead(),
            config.restoration(BnStatsMode.PRETRAINED, store, vectors, pool, pull), validation, config.selectMetric(),
            config.batchSize());
        case RANDOM_VECTOR -> search(randomSum(store, vectors), bn);
        default -> throw new IllegalStateException("Unknown control " + control);
      };
      out.add(publish(control.replace('-', '_'), choice));
    }
    for (String name : config.strategies()) {
      float[] strategyDirection =
          StrategyMerge.run(store, vectors, layout, MergeStrategies.get(name), Map.of(), config.seed());
      out.add(publish("strategy_" + name.replace('-', '_'), search(strategyDirection, bn)));
    }
    return out;
  }

  /** Σ over hospitals of a random direction norm-matched (per tensor) to each hospital's delta. */
  private float[] randomSum(VectorStore store, List<StoredVector> vectors) {
    float[] acc = new float[Math.toIntExact(layout.size())];
    for (StoredVector vector : vectors) {
      float[] random = RandomVectors.matchingNorms(store.readDelta(vector), layout, config.seed(),
          vector.manifest().hospital());
      for (int i = 0; i < acc.length; i++) {
        acc[i] += random[i];
      }
    }
    return acc;
  }

  /** The merged model's search (its λ grid and scope) over another direction. */
  private LambdaSearch.Choice search(float[] direction, BatchNormSource bn) {
    return LambdaSearch.search(base, layout, direction, config.lambdaScope(), config.lambdas(), bn, validation,
        config.selectMetric(), config.batchSize());
  }

  private Control publish(String kind, LambdaSearch.Choice choice) {
    Control control = new Control(kind, choice.lambda(), choice.lambdaHead(),
        ctx.mergedModels().controlModelFile(kind).toString(), choice.candidates());
    ctx.mergedModels().publishControl(kind, choice.model(), control);
    return control;
  }
}
