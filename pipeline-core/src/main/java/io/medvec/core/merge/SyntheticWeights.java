package io.medvec.core.merge;

import io.medvec.core.model.Network;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.VectorLayout;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * θ_mix = θ_pre + λ·Σ τ_j over the trainable parameters of a copy of the base network, optionally
 * with another λ for the classifier head.
 */
public final class SyntheticWeights {

  private SyntheticWeights() {}

  /**
   * Returns a new network: the base's architecture and batch-norm statistics, with trainable
   * parameters {@code base + lambda * sum} (float32).
   */
  public static MultiLayerNetwork compose(
      MultiLayerNetwork base, VectorLayout layout, float[] sum, double lambda) {
    return compose(Network.of(base), layout, sum, lambda).multiLayer();
  }

  /**
   * A new network (a multi-layer network or a graph): the base's architecture, batch-norm
   * statistics and frozen layers, with the trainable parameters of {@code layout} set to {@code
   * base + lambda * sum} (float32).
   */
  public static Network compose(Network base, VectorLayout layout, float[] sum, double lambda) {
    if (!(lambda >= 0) || !Double.isFinite(lambda)) {
      throw new IllegalArgumentException(
          "Cannot compose synthetic weights: lambda must be >= 0 (" + lambda + ")");
    }
    float[] theta = ParamVectors.flatten(base, layout);
    if (theta.length != sum.length) {
      throw new IllegalArgumentException(
          "Cannot compose synthetic weights: sum has "
              + sum.length
              + " values, base has "
              + theta.length);
    }
    float scale = (float) lambda;
    for (int i = 0; i < theta.length; i++) {
      theta[i] += scale * sum[i];
    }
    Network mixed = base.copy();
    ParamVectors.assign(mixed, layout, theta);
    return mixed;
  }

  /**
   * Like {@link #compose(Network, VectorLayout, float[], double)}, but tensors of the layers named
   * in {@code headLayers} (see {@link #headLayers}) are scaled by {@code lambdaHead} instead of
   * {@code lambda}.
   */
  public static Network compose(
      Network base,
      VectorLayout layout,
      float[] sum,
      double lambda,
      double lambdaHead,
      Set<String> headLayers) {
    for (double l : new double[] {lambda, lambdaHead}) {
      if (!(l >= 0) || !Double.isFinite(l)) {
        throw new IllegalArgumentException(
            "Cannot compose synthetic weights: lambda must be >= 0 (" + l + ")");
      }
    }
    float[] theta = ParamVectors.flatten(base, layout);
    if (theta.length != sum.length) {
      throw new IllegalArgumentException(
          "Cannot compose synthetic weights: sum has "
              + sum.length
              + " values, base has "
              + theta.length);
    }
    for (TensorSpec tensor : layout.tensors()) {
      boolean head = headLayers.contains(base.layerOf(tensor.name()).name());
      float scale = (float) (head ? lambdaHead : lambda);
      int from = Math.toIntExact(tensor.offset());
      int to = Math.toIntExact(tensor.offset() + tensor.length());
      for (int i = from; i < to; i++) {
        theta[i] += scale * sum[i];
      }
    }
    Network mixed = base.copy();
    ParamVectors.assign(mixed, layout, theta);
    return mixed;
  }

  /**
   * The names ({@link Network.LayerRef#name()}) of the classifier head's layers: the first dense or
   * output layer in {@link Network#layers()} order (a graph's topological order) and every layer
   * after it.
   *
   * @throws IllegalArgumentException if that splits nothing off (no such layer, or no layer with
   *     parameters before it)
   */
  public static Set<String> headLayers(Network net) {
    List<Network.LayerRef> layers = net.layers();
    for (int i = 0; i < layers.size(); i++) {
      Layer conf = layers.get(i).conf();
      if (conf instanceof DenseLayer || conf instanceof BaseOutputLayer) {
        if (i == 0) {
          break;
        }
        Set<String> head = new LinkedHashSet<>();
        layers.subList(i, layers.size()).forEach(l -> head.add(l.name()));
        return head;
      }
    }
    throw noFeatures();
  }

  private static IllegalArgumentException noFeatures() {
    return new IllegalArgumentException(
        "Cannot split the network into features and head: it needs layers before its"
            + " first dense or output layer (merge.lambda-scope=block)");
  }
}
