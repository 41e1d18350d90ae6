package io.medvec.core.export;

import java.util.Map;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * A graph vertex's activation as its export entry's {@code activation}: relu, sigmoid, tanh,
 * softmax (over the features), or {@code relu_capped} with {@code relu_max} m, min(max(x, 0), m)
 * (ReLU6 and Keras's {@code ReLU(max_value=m)}); identity adds nothing.
 */
final class Activations {

  private Activations() {}

  static void put(Map<String, Object> e, String vertex, String what, IActivation fn) {
    if (fn instanceof ActivationIdentity) {
      return;
    }
    if (fn instanceof ActivationReLU relu && TorchExport.isPlainRelu(relu)) {
      e.put("activation", "relu");
    } else if (fn instanceof ActivationReLU relu && isCappedRelu(relu)) {
      e.put("activation", "relu_capped");
      e.put("relu_max", relu.getMax());
    } else if (fn instanceof ActivationReLU6) {
      e.put("activation", "relu_capped");
      e.put("relu_max", 6.0);
    } else if (fn instanceof ActivationSoftmax) {
      e.put("activation", "softmax");
    } else if (fn instanceof ActivationSigmoid) {
      e.put("activation", "sigmoid");
    } else if (fn instanceof ActivationTanH) {
      e.put("activation", "tanh");
    } else {
      throw GraphExport.unsupported(vertex, what, "activation " + fn);
    }
  }

  /** A ReLU with a maximum and neither a threshold nor a negative slope. */
  private static boolean isCappedRelu(ActivationReLU relu) {
    return relu.getMax() != null
        && (relu.getThreshold() == null || relu.getThreshold() == 0)
        && (relu.getNegativeSlope() == null || relu.getNegativeSlope() == 0);
  }
}
