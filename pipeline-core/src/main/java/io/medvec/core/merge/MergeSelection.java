package io.medvec.core.merge;

import io.medvec.core.restore.Restoration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Chooses the merged model on the validation split: every strategy's τ_mix, with every output-layer
 * μ, gets the λ search of {@link LambdaSearch.Grid}, and the best chosen candidate wins; ties keep
 * the earlier (strategies in the given order, then μ). The test split is never seen here.
 */
public final class MergeSelection {

  /**
   * One strategy and output-layer μ (null when the layer is kept) tried, with the validation scores
   * of its best λ.
   */
  public record Candidate(String strategy, Double outputLayerPull, LambdaSearch.Candidate best) {}

  /**
   * The winner.
   *
   * @param strategy its strategy
   * @param outputLayerPull its output layer's μ, null when the layer is kept
   * @param direction its τ_mix
   * @param restoration how its statistics (and output layer, bias) were restored
   * @param choice its λ choice and model
   * @param tried every candidate, in the order tried
   */
  public record Chosen(
      String strategy,
      Double outputLayerPull,
      float[] direction,
      Restoration restoration,
      LambdaSearch.Choice choice,
      List<Candidate> tried) {}

  private MergeSelection() {}

  /**
   * Searches {@code strategies} × {@code pulls}: {@code directions} gives a strategy's τ_mix
   * (computed once per strategy), {@code restorations} the restoration of a μ.
   */
  public static Chosen select(
      LambdaSearch.Grid grid,
      List<String> strategies,
      List<Double> pulls,
      Function<String, float[]> directions,
      Function<Double, Restoration> restorations) {
    if (strategies.isEmpty() || pulls.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot choose a merge: "
              + strategies.size()
              + " strategies and "
              + pulls.size()
              + " output-layer pulls given (need at least one of each)");
    }
    List<Candidate> tried = new ArrayList<>();
    Chosen best = null;
    for (String strategy : strategies) {
      float[] direction = directions.apply(strategy);
      for (Double pull : pulls) {
        Restoration restoration = restorations.apply(pull);
        LambdaSearch.Choice choice = grid.search(direction, restoration);
        tried.add(new Candidate(strategy, pull, choice.chosen()));
        if (best == null
            || LambdaSearch.beats(grid.metric(), choice.chosen(), best.choice().chosen())) {
          best = new Chosen(strategy, pull, direction, restoration, choice, List.of());
        }
      }
    }
    return new Chosen(
        best.strategy(),
        best.outputLayerPull(),
        best.direction(),
        best.restoration(),
        best.choice(),
        List.copyOf(tried));
  }
}
