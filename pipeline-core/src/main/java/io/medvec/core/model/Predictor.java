package io.medvec.core.model;

import io.medvec.core.data.ImageSet;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Inference-mode class probabilities. */
public final class Predictor {

  private Predictor() {}

  /** Returns {@code size × numClasses} probabilities, row-major, in the order of {@code data}. */
  public static float[] predict(MultiLayerNetwork net, ImageSet data, int batchSize) {
    return predict(Network.of(net), data, batchSize);
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
      if (rows.length != (to - from) * classes) {
        throw new IllegalStateException(
            "Cannot predict: network has "
                + out.size(1)
                + " outputs but the data has "
                + classes
                + " classes");
      }
      System.arraycopy(rows, 0, probs, from * classes, rows.length);
    }
    return probs;
  }
}
