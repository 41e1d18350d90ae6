package io.medvec.core.vector;

import io.medvec.core.model.Network;
import io.medvec.core.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Flat float views of a network's parameter table, split by {@link ParamKind}.
 *
 * <p>DL4J stores batch-norm running mean/variance inside {@code params()}; those entries are
 * statistics of the data a model last saw, not weights, so they never enter a data vector's delta.
 * Parameters of frozen layers (fixed to θ_pre by transfer learning) are {@link ParamKind#FROZEN}
 * and enter neither. Keys come from the parameter table in its order ({@link Network}) and values
 * are always copied (never views).
 */
public final class ParamVectors {

  private static final Set<String> BN_STAT_KEYS =
      Set.of(
          BatchNormalizationParamInitializer.GLOBAL_MEAN,
          BatchNormalizationParamInitializer.GLOBAL_VAR,
          BatchNormalizationParamInitializer.GLOBAL_LOG_STD);

  private ParamVectors() {}

  /** The layout of the network's parameters of the given kind, in parameter-table order. */
  public static VectorLayout layout(Network net, ParamKind kind) {
    List<TensorSpec> specs = new ArrayList<>();
    long offset = 0;
    for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
      if (kindOf(net, e.getKey()) == kind) {
        long[] shape = e.getValue().shape();
        List<Long> dims = Arrays.stream(shape).boxed().toList();
        specs.add(new TensorSpec(e.getKey(), dims, offset, e.getValue().length()));
        offset += e.getValue().length();
      }
    }
    return new VectorLayout(specs);
  }

  /** {@link #layout(Network, ParamKind)} of a multi-layer network. */
  public static VectorLayout layout(MultiLayerNetwork net, ParamKind kind) {
    return layout(Network.of(net), kind);
  }

  /** {@link #layout(Network, ParamKind)} of a graph. */
  public static VectorLayout layout(ComputationGraph net, ParamKind kind) {
    return layout(Network.of(net), kind);
  }

  /**
   * Classifies a parameter-table key such as {@code 1_mean} or {@code batch_normalization_mean}.
   */
  public static ParamKind kindOf(Network net, String key) {
    Network.LayerRef layer = net.layerOf(key);
    if (layer.frozen()) {
      return ParamKind.FROZEN;
    }
    boolean bn = layer.conf() instanceof BatchNormalization;
    return bn && BN_STAT_KEYS.contains(net.paramName(key))
        ? ParamKind.BN_STATISTIC
        : ParamKind.TRAINABLE;
  }

  /** {@link #kindOf(Network, String)} in a multi-layer network. */
  public static ParamKind kindOf(MultiLayerNetwork net, String key) {
    return kindOf(Network.of(net), key);
  }

  /** Copies the network's values for {@code layout} into a new flat array. */
  public static float[] flatten(Network net, VectorLayout layout) {
    float[] flat = new float[Math.toIntExact(layout.size())];
    Map<String, INDArray> table = net.paramTable();
    for (TensorSpec t : layout.tensors()) {
      float[] values = Tensors.toFloats(param(table, t));
      System.arraycopy(values, 0, flat, Math.toIntExact(t.offset()), values.length);
    }
    return flat;
  }

  /** {@link #flatten(Network, VectorLayout)} of a multi-layer network. */
  public static float[] flatten(MultiLayerNetwork net, VectorLayout layout) {
    return flatten(Network.of(net), layout);
  }

  /** Writes {@code values} (laid out by {@code layout}) into the network's parameters. */
  public static void assign(Network net, VectorLayout layout, float[] values) {
    if (values.length != layout.size()) {
      throw new IllegalArgumentException(
          "Cannot assign parameters: "
              + values.length
              + " values for a layout of "
              + layout.size());
    }
    Map<String, INDArray> table = net.paramTable();
    for (TensorSpec t : layout.tensors()) {
      param(table, t);
      net.setParam(
          t.name(), Tensors.fromFloats(values, Math.toIntExact(t.offset()), t.shapeArray()));
    }
  }

  /** {@link #assign(Network, VectorLayout, float[])} on a multi-layer network. */
  public static void assign(MultiLayerNetwork net, VectorLayout layout, float[] values) {
    assign(Network.of(net), layout, values);
  }

  /**
   * {@code tuned − base} over the trainable parameters, each entry the float32 difference τ = θ ⊖
   * θ_pre (rounded to nearest).
   *
   * <p>Reconstruction guarantee: θ_pre ⊕ τ (float32, as {@link
   * io.medvec.core.merge.SyntheticWeights} computes it with λ = 1) is θ bit for bit wherever the
   * subtraction is exact — always when θ and θ_pre have one sign and lie within a factor 2 of each
   * other, or either is zero (Sterbenz) — and elsewhere differs from θ by at most ½ ulp(τ) + ½
   * ulp(θ_pre ⊕ τ). A fine-tuned model is therefore reproduced to float32 rounding, not bit for
   * bit: after a few fine-tuning steps of a real network about 2.5 % of the subtractions are
   * inexact and about 1.5 % of the entries come back with different low-order bits.
   */
  public static float[] delta(Network base, Network tuned, VectorLayout layout) {
    float[] b = flatten(base, layout);
    float[] t = flatten(tuned, layout);
    for (int i = 0; i < t.length; i++) {
      t[i] -= b[i];
    }
    return t;
  }

  /** {@link #delta(Network, Network, VectorLayout)} of multi-layer networks. */
  public static float[] delta(
      MultiLayerNetwork base, MultiLayerNetwork tuned, VectorLayout layout) {
    return delta(Network.of(base), Network.of(tuned), layout);
  }

  private static INDArray param(Map<String, INDArray> table, TensorSpec t) {
    INDArray value = table.get(t.name());
    if (value == null || !Arrays.equals(value.shape(), t.shapeArray())) {
      throw new IllegalArgumentException(
          "Cannot read parameter "
              + t.name()
              + t.shape()
              + " from the network: it has "
              + (value == null ? "no such parameter" : Arrays.toString(value.shape())));
    }
    return value;
  }
}
