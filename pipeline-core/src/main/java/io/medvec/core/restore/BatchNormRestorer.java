package io.medvec.core.restore;

import io.medvec.core.data.ImageSet;
import io.medvec.core.model.Batches;
import io.medvec.core.model.Network;
import io.medvec.core.model.Tensors;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recomputes batch-norm running statistics of a network from data with forward passes.
 *
 * <p>Summed weights break the link between a layer's weights and the activation statistics its
 * batch norm was trained with, so after merging each BN layer gets the exact population mean and
 * (biased) variance of its input over the given data. Layers are processed in order, each with the
 * already-restored statistics of the layers before it (inference mode), which is what the layer
 * sees at prediction time.
 */
public final class BatchNormRestorer {

  private static final Logger LOG = LoggerFactory.getLogger(BatchNormRestorer.class);

  private BatchNormRestorer() {}

  /**
   * Restores every BN layer of {@code net} in place from {@code data}; returns the BN layer count.
   */
  public static int restore(MultiLayerNetwork net, ImageSet data, int batchSize) {
    return restore(Network.of(net), data, batchSize);
  }

  /**
   * Restores every BN layer of a multi-layer network or a graph in place from {@code data}, in
   * topological order (a BN layer after a residual add sees the restored branches); layers of a
   * frozen part keep θ_pre's statistics, since they are not trained and their inputs never change.
   * Returns the number of BN layers restored.
   */
  public static int restore(Network net, ImageSet data, int batchSize) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("Cannot restore batch-norm statistics: no examples given");
    }
    int restored = 0;
    for (Network.LayerRef layer : net.layers()) {
      if (layer.conf() instanceof BatchNormalization bn && !layer.frozen()) {
        if (bn.isUseLogStd()) {
          throw new IllegalArgumentException(
              "Cannot restore batch-norm statistics: layer "
                  + layer.name()
                  + " stores log10 std (useLogStd=true)");
        }
        restoreLayer(net, layer, bn.getCnn2DFormat() == CNN2DFormat.NHWC, data, batchSize);
        restored++;
      }
    }
    LOG.info("Restored batch-norm statistics of {} layers from {} examples", restored, data.size());
    return restored;
  }

  private static void restoreLayer(
      Network net, Network.LayerRef layer, boolean channelsLast, ImageSet data, int batchSize) {
    if (net.hasPreprocessor(layer.name())) {
      throw new IllegalStateException(
          "Cannot restore batch norm at layer " + layer.name() + ": it has an input preprocessor");
    }
    String inputName = net.inputNameOf(layer.name());
    double[] sum = null;
    double[] sumSq = null;
    long count = 0;
    int[] order = Batches.identity(data.size());
    for (int from = 0; from < data.size(); from += batchSize) {
      int to = Math.min(data.size(), from + batchSize);
      INDArray input =
          net.activationsUpTo(layer.name(), net.features(data, order, from, to)).get(inputName);
      if (channelsLast && input.rank() == 4) {
        input = input.permute(0, 3, 1, 2);
      }
      int channels = (int) input.size(1);
      if (sum == null) {
        sum = new double[channels];
        sumSq = new double[channels];
      }
      count += accumulate(input, sum, sumSq);
    }
    float[] mean = new float[sum.length];
    float[] var = new float[sum.length];
    for (int c = 0; c < sum.length; c++) {
      double m = sum[c] / count;
      mean[c] = (float) m;
      var[c] = (float) Math.max(0.0, sumSq[c] / count - m * m);
    }
    set(net, layer.key(BatchNormalizationParamInitializer.GLOBAL_MEAN), mean);
    set(net, layer.key(BatchNormalizationParamInitializer.GLOBAL_VAR), var);
  }

  /** Adds per-channel sums of an NCHW (or NC) activation; returns values per channel. */
  private static long accumulate(INDArray input, double[] sum, double[] sumSq) {
    long n = input.size(0);
    int channels = sum.length;
    long spatial = input.length() / (n * channels);
    float[] values = Tensors.toFloats(input);
    for (long i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        int base = Math.toIntExact((i * channels + c) * spatial);
        double s = 0;
        double sq = 0;
        for (int k = 0; k < spatial; k++) {
          double v = values[base + k];
          s += v;
          sq += v * v;
        }
        sum[c] += s;
        sumSq[c] += sq;
      }
    }
    return n * spatial;
  }

  private static void set(Network net, String key, float[] values) {
    INDArray current = net.getParam(key);
    net.setParam(key, Tensors.fromFloats(values, 0, current.shape()));
  }
}
