package io.medvec.core.restore;

import io.medvec.core.data.ImageSet;
import io.medvec.core.model.Network;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.Tensors;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-fits the bias of a softmax output layer on labelled data the coordinator holds, leaving every
 * other weight alone: the maximum-likelihood shift Δb of the output bias, with the class counts
 * smoothed by {@code α} per class.
 *
 * <p>Why: each hospital's fine-tune moves the output bias toward its own label mix, and under a
 * non-IID split the scaled sum of those moves is a prior that matches no population — the merged
 * model can rank well (AUC) and still predict one class for everything. This is the output-layer
 * counterpart of batch-norm restoration, and the prior-adjustment of Saerens, Latinne &amp;
 * Decaestecker, "Adjusting the outputs of a classifier to new a priori probabilities" (Neural
 * Computation 14(1), 2002), with the labels known instead of estimated by EM.
 *
 * <p>Adding Δb to the logits multiplies each softmax row by exp(Δb) and renormalises, so the fit
 * works on the predicted probabilities alone. The likelihood is concave in Δb and its stationary
 * point is where the mean predicted probability of every class equals the (smoothed) class
 * frequency; generalised iterative scaling (Δb_c += log t_c − log p̄_c) reaches it monotonically
 * because the class indicators sum to one. The smoothing keeps a class absent from a small pool at
 * a finite bias.
 */
public final class OutputBiasRefit {

  private static final Logger LOG = LoggerFactory.getLogger(OutputBiasRefit.class);

  /** Iteration cap of the scaling loop; the fits here converge in tens of iterations. */
  static final int MAX_ITERATIONS = 10_000;

  /** Convergence: largest |log t_c − log p̄_c|. */
  static final double TOLERANCE = 1e-7;

  /** Probabilities below this are treated as this (log of a float softmax underflow). */
  private static final double FLOOR = 1e-30;

  /**
   * The fit.
   *
   * @param shift Δb added to the output bias (centred: sums to zero)
   * @param target the smoothed class frequencies matched
   * @param before the mean predicted probability per class before the shift
   * @param iterations scaling iterations used
   */
  public record Fit(double[] shift, double[] target, double[] before, int iterations) {}

  private OutputBiasRefit() {}

  /**
   * Shifts the output bias of {@code net} in place so that its mean predicted class probabilities
   * on {@code data} equal the class frequencies of {@code data} smoothed by {@code smoothing}.
   */
  public static Fit refit(MultiLayerNetwork net, ImageSet data, double smoothing, int batchSize) {
    return refit(Network.of(net), data, smoothing, batchSize);
  }

  /** {@link #refit(MultiLayerNetwork, ImageSet, double, int)} on any network. */
  public static Fit refit(Network net, ImageSet data, double smoothing, int batchSize) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("Cannot refit the output bias: no examples given");
    }
    if (!(smoothing > 0) || !Double.isFinite(smoothing)) {
      throw new IllegalArgumentException(
          "Cannot refit the output bias: smoothing must be > 0 (was " + smoothing + ")");
    }
    String key = biasKey(net);
    Fit fit = fit(Predictor.predict(net, data, batchSize), data.labelCounts(), smoothing);
    INDArray bias = net.getParam(key);
    float[] values = Tensors.toFloats(bias);
    if (values.length != fit.shift().length) {
      throw new IllegalStateException(
          "Cannot refit the output bias: "
              + values.length
              + " biases but "
              + fit.shift().length
              + " classes");
    }
    for (int c = 0; c < values.length; c++) {
      values[c] += (float) fit.shift()[c];
    }
    net.setParam(key, Tensors.fromFloats(values, 0, bias.shape()));
    LOG.info(
        "Refitted the output bias on {} examples in {} iterations: mean prediction {} -> target {}",
        data.size(),
        fit.iterations(),
        rounded(fit.before()),
        rounded(fit.target()));
    return fit;
  }

  /**
   * The bias shift for row-major {@code probs} ({@code counts.length} columns) and class counts.
   * Pure; package-visible for tests.
   */
  static Fit fit(float[] probs, long[] counts, double smoothing) {
    int classes = counts.length;
    int rows = probs.length / classes;
    if (rows * classes != probs.length || rows == 0) {
      throw new IllegalArgumentException(
          "Cannot refit the output bias: "
              + probs.length
              + " probabilities for "
              + classes
              + " classes");
    }
    long total = 0;
    for (long n : counts) {
      total += n;
    }
    double[] target = new double[classes];
    for (int c = 0; c < classes; c++) {
      target[c] = (counts[c] + smoothing) / (total + classes * smoothing);
    }
    double[] logp = new double[probs.length];
    for (int i = 0; i < probs.length; i++) {
      if (!Float.isFinite(
          probs[i])) { // a diverged network: no bias can fix it, and scaling would never converge
        throw new IllegalArgumentException(
            "Cannot refit the output bias: the network predicts "
                + probs[i]
                + " for class "
                + i % classes
                + " of example "
                + i / classes
                + " (non-finite weights?)");
      }
      logp[i] = Math.log(Math.max(FLOOR, probs[i]));
    }
    double[] shift = new double[classes];
    double[] before = null;
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      double[] mean = meanPrediction(logp, shift, rows, classes);
      if (before == null) {
        before = mean;
      }
      double worst = 0;
      for (int c = 0; c < classes; c++) {
        double step = Math.log(target[c]) - Math.log(mean[c]);
        worst = Math.max(worst, Math.abs(step));
        shift[c] += step;
      }
      if (worst < TOLERANCE) {
        return new Fit(centred(shift), target, before, iteration);
      }
    }
    throw new IllegalStateException(
        "Cannot refit the output bias: no convergence in "
            + MAX_ITERATIONS
            + " iterations (a class the network never predicts?)");
  }

  private static double[] meanPrediction(double[] logp, double[] shift, int rows, int classes) {
    double[] mean = new double[classes];
    double[] z = new double[classes];
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        z[c] = logp[r * classes + c] + shift[c];
        max = Math.max(max, z[c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      for (int c = 0; c < classes; c++) {
        mean[c] += z[c] / sum / rows;
      }
    }
    return mean;
  }

  private static double[] centred(double[] shift) {
    double mean = 0;
    for (double s : shift) {
      mean += s / shift.length;
    }
    double[] out = new double[shift.length];
    for (int c = 0; c < shift.length; c++) {
      out[c] = shift[c] - mean;
    }
    return out;
  }

  /** The parameter key of the output layer's bias; refuses anything but a softmax output layer. */
  static String biasKey(MultiLayerNetwork net) {
    return biasKey(Network.of(net));
  }

  static String biasKey(Network net) {
    Network.LayerRef ref = net.outputLayer();
    String last = ref.name();
    Layer layer = ref.conf();
    if (ref.frozen()
        || !(layer instanceof BaseOutputLayer output)
        || !(output.getActivationFn() instanceof ActivationSoftmax)
        || !output.hasBias()) {
      throw new IllegalArgumentException(
          "Cannot refit the output bias: layer "
              + last
              + (ref.frozen() ? " (frozen)" : "")
              + " ("
              + layer.getClass().getSimpleName()
              + ") is not a softmax output layer with a bias");
    }
    return ref.key(DefaultParamInitializer.BIAS_KEY);
  }

  private static String rounded(double[] values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.3f", values[i]));
    }
    return sb.append(']').toString();
  }
}
