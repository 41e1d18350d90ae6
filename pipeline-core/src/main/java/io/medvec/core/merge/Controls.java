package io.medvec.core.merge;

import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.StrategyMerge;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.Restoration;
import io.medvec.core.vector.RandomVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The merge's comparison models (the paper's controls), each searched like the merged model and
 * handed to the caller to publish, so that the evaluate stage scores them with the same code:
 * {@value #MEAN} (λ = 1/K over the sum, the one-shot parameter average), {@value #NO_BN_RESTORE}
 * (the chosen λ with θ_pre's batch-norm statistics), {@value #RANDOM_VECTOR} (per hospital a random
 * direction with the same per-tensor norms) and {@code strategy_NAME} for further strategies.
 */
public final class Controls {

  public static final String MEAN = "mean";
  public static final String NO_BN_RESTORE = "merged-no-bn-restore";
  public static final String RANDOM_VECTOR = "random-vector";

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
      String kind,
      double lambda,
      Double lambdaHead,
      String model,
      List<LambdaSearch.Candidate> candidates) {

    /** The control {@code kind} of {@code choice}, published as {@code model}. */
    public static Control of(String kind, LambdaSearch.Choice choice, String model) {
      return new Control(kind, choice.lambda(), choice.lambdaHead(), model, choice.candidates());
    }
  }

  /**
   * Restores a control's model: batch-norm statistics from {@code mode}, output layer with μ (null:
   * kept).
   */
  public interface Restorations {
    Restoration of(BnStatsMode mode, Double outputLayerPull);
  }

  private final LambdaSearch.Grid grid;
  private final Restorations restorations;
  private final long seed;

  /**
   * @param seed seed of the random-vector control and of randomised strategies
   */
  public Controls(LambdaSearch.Grid grid, Restorations restorations, long seed) {
    this.grid = grid;
    this.restorations = restorations;
    this.seed = seed;
  }

  /**
   * Builds every control of {@code kinds} (in order), then one per strategy of {@code strategies}
   * (default parameters), and hands each to {@code publish} (kind, choice) as soon as it is chosen;
   * {@code sum} is the (screened) task-arithmetic sum and {@code merged} the chosen merge.
   */
  public List<Control> run(
      List<String> kinds,
      List<String> strategies,
      VectorStore store,
      List<StoredVector> vectors,
      float[] sum,
      MergeSelection.Chosen merged,
      BiFunction<String, LambdaSearch.Choice, Control> publish) {
    Restoration bn = merged.restoration();
    List<Control> out = new ArrayList<>();
    for (String control : kinds) {
      LambdaSearch.Choice choice =
          switch (control) {
            case MEAN -> grid.search(sum, List.of(1.0 / vectors.size()), bn);
            case NO_BN_RESTORE ->
                grid.fixed(
                    merged.direction(),
                    merged.choice().lambda(),
                    merged.choice().lambdaHead(),
                    restorations.of(BnStatsMode.PRETRAINED, merged.outputLayerPull()));
            case RANDOM_VECTOR -> grid.search(randomSum(store, vectors), bn);
            default -> throw new IllegalStateException("Unknown control " + control);
          };
      out.add(publish.apply(control.replace('-', '_'), choice));
    }
    for (String name : strategies) {
      float[] strategyDirection =
          StrategyMerge.run(
              store, vectors, grid.layout(), MergeStrategies.get(name), Map.of(), seed);
      out.add(
          publish.apply("strategy_" + name.replace('-', '_'), grid.search(strategyDirection, bn)));
    }
    return out;
  }

  /** Σ over hospitals of a random direction norm-matched (per tensor) to each hospital's delta. */
  private float[] randomSum(VectorStore store, List<StoredVector> vectors) {
    VectorLayout layout = grid.layout();
    float[] acc = new float[Math.toIntExact(layout.size())];
    for (StoredVector vector : vectors) {
      float[] random =
          RandomVectors.matchingNorms(
              store.readDelta(vector), layout, seed, vector.manifest().hospital());
      VectorSum.accumulate(acc, 0, random, 1f);
    }
    return acc;
  }
}
