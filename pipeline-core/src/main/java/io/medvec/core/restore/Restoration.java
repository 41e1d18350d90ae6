package io.medvec.core.restore;

import io.medvec.core.data.ImageSet;
import io.medvec.core.model.Network;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What happens to a merged network after θ_pre + λ·τ_mix is composed: its batch-norm running
 * statistics are set according to a {@link BnStatsMode}, and optionally then its output layer
 * ({@link OutputLayerRefit}) and its output bias ({@link OutputBiasRefit}) are re-fitted on the
 * coordinator's labelled pool. Every candidate λ, the merged model and each control go through the
 * same restoration.
 */
public final class Restoration {

  private final UnaryOperator<Network> apply;

  private Restoration(UnaryOperator<Network> apply) {
    this.apply = apply;
  }

  /**
   * @param mode where statistics come from
   * @param store the vectors' store (read for {@link BnStatsMode#AVERAGE})
   * @param vectors the merged vectors
   * @param pool the coordinator's public pool (used for {@link BnStatsMode#RESTORE})
   * @param batchSize forward-pass batch size
   */
  public static Restoration of(
      BnStatsMode mode,
      VectorStore store,
      List<StoredVector> vectors,
      ImageSet pool,
      int batchSize) {
    switch (mode) {
      case RESTORE:
        if (pool.size() == 0) {
          throw new IllegalArgumentException(
              "Cannot restore batch-norm statistics: the public pool is empty (set partition.public-fraction > 0"
                  + " or merge.bn-stats=average)");
        }
        return new Restoration(
            net -> {
              BatchNormRestorer.restore(net, pool, batchSize);
              return net;
            });
      case AVERAGE:
        return new Restoration(net -> average(net, store, vectors));
      case PRETRAINED:
        return new Restoration(UnaryOperator.identity());
      default:
        throw new IllegalStateException("Unknown batch-norm mode " + mode);
    }
  }

  /**
   * This source followed by a refit of the output bias on {@code pool} (class counts smoothed by
   * {@code smoothing}), after the statistics are set since the logits depend on them.
   */
  public Restoration thenRefitOutputBias(ImageSet pool, double smoothing, int batchSize) {
    return then("bias", pool, net -> OutputBiasRefit.refit(net, pool, smoothing, batchSize));
  }

  /**
   * This source followed by a refit of the output layer's weights and bias on {@code pool}, pulled
   * toward the merged values with strength {@code pull} ({@link OutputLayerRefit}).
   */
  public Restoration thenRefitOutputLayer(ImageSet pool, double pull, int batchSize) {
    return then("layer", pool, net -> OutputLayerRefit.refit(net, pool, pull, batchSize));
  }

  /**
   * This source followed by {@code refit} of the output {@code part} on {@code pool}, refused if it
   * is empty.
   */
  private Restoration then(String part, ImageSet pool, Consumer<Network> refit) {
    if (pool.size() == 0) {
      throw new IllegalArgumentException(
          "Cannot refit the output "
              + part
              + ": the public pool is empty (set"
              + " partition.public-fraction > 0 or merge.output-"
              + part
              + "=keep)");
    }
    return new Restoration(
        net -> {
          refit.accept(apply.apply(net));
          return net;
        });
  }

  /**
   * Sets the statistics of {@code net} in place (and the output layer and bias, if asked) and
   * returns it.
   */
  public MultiLayerNetwork apply(MultiLayerNetwork net) {
    apply.apply(Network.of(net));
    return net;
  }

  /** {@link #apply(MultiLayerNetwork)} on any network. */
  public Network apply(Network net) {
    return apply.apply(net);
  }

  private static Network average(Network net, VectorStore store, List<StoredVector> vectors) {
    VectorLayout layout = ParamVectors.layout(net, ParamKind.BN_STATISTIC);
    List<float[]> stats = new ArrayList<>();
    long[] examples = new long[vectors.size()];
    for (int j = 0; j < vectors.size(); j++) {
      layout.requireSameAs(
          vectors.get(j).manifest().bnStatsLayout(),
          "batch-norm statistics of " + vectors.get(j).dir());
      stats.add(store.readBnStats(vectors.get(j)));
      examples[j] = vectors.get(j).manifest().examples();
    }
    ParamVectors.assign(net, layout, BnStatsMixer.mix(layout, stats, examples));
    return net;
  }
}
