package io.medvec.core.model;

import io.medvec.core.data.ImageSet;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Inference-mode class probabilities. */
public final class Predictor {

  private Predictor() {}

  /** Returns {@code size × numClasses} probabilities, row-major, in the order of {@code data}. */
  public static float[] predict(MultiLayerNetwork net, ImageSet data, int batchSize) {
    return predict(Network.of(net), data, batchSize);
  }

  /**
   * Class probabilities of every network in {@code nets} for each minibatch of NCHW [0, 1] features
   * {@code batches} yields (in its order, each batch decoded once for all networks), row-major:
   * {@code result[m]} holds network m's {@code examples × classes} values.
   */
  public static float[][] predict(List<Network> nets, DataSetIterator batches, int classes) {
    List<float[]> chunks = new ArrayList<>();
    long rows = 0;
    while (batches.hasNext()) {
      INDArray features = batches.next().getFeatures();
      rows += features.size(0);
      for (Network net : nets) {
        INDArray out = net.output(net.input(features));
        requireOutputs(out, classes);
        chunks.add(Tensors.toFloats(out));
      }
    }
    float[][] probs = new float[nets.size()][Math.toIntExact(rows * classes)];
    int[] at = new int[nets.size()];
    for (int i = 0; i < chunks.size(); i++) {
      int m = i % nets.size();
      float[] c = chunks.get(i);
      System.arraycopy(c, 0, probs[m], at[m], c.length);
      at[m] += c.length;
    }
    return probs;
  }

  /** Returns {@code size × numClasses} probabilities, row-major, in the order of {@code data}. */
  public static float[] predict(Network net, ImageSet data, int batchSize) {
    int classes = data.numClasses();
    float[] probs = new float[data.size() * classes];
    int[] order = Batches.identity(data.size());
    for (int from = 0; from < data.size(); from += batchSize) {
      int to = Math.min(data.size(), from + batchSize);
      INDArray out = net.output(net.features(data, order, from, to));
      float[] rows = Tensors.toFloats(out);
      requireOutputs(out, classes);
      System.arraycopy(rows, 0, probs, from * classes, rows.length);
    }
    return probs;
  }

  private static void requireOutputs(INDArray out, int classes) {
    if (out.size(1) != classes) {
      throw new IllegalStateException(
          "Cannot predict: network has "
              + out.size(1)
              + " outputs but the data has "
              + classes
              + " classes");
    }
  }
}
