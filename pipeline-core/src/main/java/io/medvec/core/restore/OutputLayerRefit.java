package io.medvec.core.restore;

import io.medvec.core.data.ImageSet;
import io.medvec.core.model.Batches;
import io.medvec.core.model.Network;
import io.medvec.core.model.Tensors;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-fits the weights and bias of a dense softmax output layer on labelled data the coordinator
 * holds, pulled toward the merged values: the minimiser of
 *
 * <pre>
 *   (1/N) Σ_i −log softmax(W·h_i + b)[y_i]  +  (μ/2)·(‖W − W_merged‖² + ‖b − b_merged‖²)
 * </pre>
 *
 * where h_i are the network's penultimate activations (inference mode, after the batch-norm
 * statistics are set). Every other weight stays as merged.
 *
 * <p>Why: the hospitals' feature updates add up, their classifiers — each fitted to its own label
 * mix and its own features — do not; the merged features need a classifier that reads them. The
 * bias refit ({@link OutputBiasRefit}) fixes only the class prior; this fixes the whole last layer,
 * and μ (chosen on validation with λ) says how far the coordinator's few labelled images may move
 * it from the merged one. Large μ gives back the merged layer; μ → 0 the plain logistic regression
 * on the pool. It is the classifier half of "linear probing then fine-tuning" (Kumar et al., ICLR
 * 2022), done by the coordinator on merged features, with an L2-SP-style pull (Li et al., ICML
 * 2018) to the merged head instead of a pre-trained one.
 *
 * <p>The objective is strictly convex for μ &gt; 0. Up to {@value #MAX_PARAMETERS} parameters it is
 * minimised by Newton's method with backtracking, on the exact Hessian of the (D + 1)·C parameters,
 * in double precision: a few iterations and the same answer on every machine. A larger head (a
 * 512-feature backbone with 9 classes has 4 617) would need a Hessian of that size squared, so it
 * is minimised by L-BFGS ({@link Lbfgs}: gradients only, memory linear in the parameters) to a
 * relative gradient norm of {@value #LBFGS_TOLERANCE}.
 */
public final class OutputLayerRefit {

  private static final Logger LOG = LoggerFactory.getLogger(OutputLayerRefit.class);

  /** Largest (inputs + 1) × classes solved by Newton (the Hessian is that size squared). */
  public static final int MAX_PARAMETERS = 2_048;

  /** Largest (inputs + 1) × classes refitted at all (L-BFGS above {@link #MAX_PARAMETERS}). */
  public static final int MAX_LBFGS_PARAMETERS = 1 << 24;

  /** L-BFGS convergence: gradient norm relative to max(1, parameter norm). */
  static final double LBFGS_TOLERANCE = 1e-9;

  static final int MAX_ITERATIONS = 100;

  /**
   * Convergence: the Newton decrement gᵀH⁻¹g (twice the predicted decrease of the objective, the
   * same in any scaling of the features) relative to the objective. Below it, one more full step —
   * quadratic convergence — and the fit is at the minimum to double precision.
   */
  static final double TOLERANCE = 1e-12;

  /**
   * The fit.
   *
   * @param weights W, row-major [inputs][classes]
   * @param bias b
   * @param iterations Newton iterations used
   * @param lossBefore pool log-loss (without the penalty) of the merged layer
   * @param lossAfter pool log-loss (without the penalty) of the refitted layer
   */
  public record Fit(
      double[] weights, double[] bias, int iterations, double lossBefore, double lossAfter) {}

  private OutputLayerRefit() {}

  /** Re-fits the output layer of {@code net} in place on {@code data} with pull {@code mu}. */
  public static Fit refit(MultiLayerNetwork net, ImageSet data, double mu, int batchSize) {
    return refit(Network.of(net), data, mu, batchSize);
  }

  /** {@link #refit(MultiLayerNetwork, ImageSet, double, int)} on any network. */
  public static Fit refit(Network net, ImageSet data, double mu, int batchSize) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("Cannot refit the output layer: no examples given");
    }
    if (!(mu > 0) || !Double.isFinite(mu)) {
      throw new IllegalArgumentException(
          "Cannot refit the output layer: the pull μ must be > 0 (was " + mu + ")");
    }
    Network.LayerRef last = outputLayer(net);
    String wKey = last.key(DefaultParamInitializer.WEIGHT_KEY);
    String bKey = last.key(DefaultParamInitializer.BIAS_KEY);
    INDArray w = net.getParam(wKey);
    INDArray b = net.getParam(bKey);
    int inputs = (int) w.size(0);
    int classes = (int) w.size(1);
    if ((inputs + 1L) * classes > MAX_LBFGS_PARAMETERS) {
      throw new IllegalArgumentException(
          "Cannot refit the output layer: "
              + inputs
              + " inputs x "
              + classes
              + " classes is more than "
              + MAX_LBFGS_PARAMETERS
              + " parameters (set merge.output-layer=keep)");
    }
    float[] features = penultimate(net, data, last, batchSize, inputs);
    Fit fit =
        fit(
            features,
            data.labels(),
            toDoubles(Tensors.toFloats(w)),
            toDoubles(Tensors.toFloats(b)),
            mu);
    net.setParam(wKey, Tensors.fromFloats(toFloats(fit.weights()), 0, w.shape()));
    net.setParam(bKey, Tensors.fromFloats(toFloats(fit.bias()), 0, b.shape()));
    LOG.info(
        "Refitted the output layer on {} examples (μ {}) in {} {} iterations: pool log-loss {} -> {}",
        data.size(),
        mu,
        fit.iterations(),
        (inputs + 1L) * classes > MAX_PARAMETERS ? "L-BFGS" : "Newton",
        String.format(java.util.Locale.ROOT, "%.4f", fit.lossBefore()),
        String.format(java.util.Locale.ROOT, "%.4f", fit.lossAfter()));
    return fit;
  }

  /**
   * The penalised maximum-likelihood layer for row-major {@code features} ([N][inputs]), labels,
   * and the merged layer {@code w0} ([inputs][classes]) and {@code b0}. Pure; package-visible for
   * tests.
   */
  static Fit fit(float[] features, int[] labels, double[] w0, double[] b0, double mu) {
    return fit(features, labels, w0, b0, mu, (w0.length + b0.length) > MAX_PARAMETERS);
  }

  /** {@link #fit(float[], int[], double[], double[], double)} with the solver chosen. */
  static Fit fit(
      float[] features, int[] labels, double[] w0, double[] b0, double mu, boolean lbfgs) {
    int classes = b0.length;
    int inputs = w0.length / classes;
    int n = labels.length;
    if (inputs * classes != w0.length || (long) n * inputs != features.length || n == 0) {
      throw new IllegalArgumentException(
          "Cannot refit the output layer: "
              + features.length
              + " features, "
              + n
              + " labels, "
              + w0.length
              + " weights and "
              + classes
              + " biases do not fit together");
    }
    for (int i = 0; i < features.length; i++) {
      if (!Float.isFinite(features[i])) {
        throw new IllegalArgumentException(
            "Cannot refit the output layer: the network's penultimate activation "
                + i % inputs
                + " of example "
                + i / inputs
                + " is "
                + features[i]
                + " (non-finite weights?)");
      }
    }
    int p =
        (inputs + 1)
            * classes; // θ = [W row-major; b], index of W[d][c] = d*C + c, of b[c] = inputs*C + c
    double[] theta0 = new double[p];
    System.arraycopy(w0, 0, theta0, 0, w0.length);
    System.arraycopy(b0, 0, theta0, w0.length, classes);
    double[] theta = theta0.clone();
    Objective objective = new Objective(features, labels, inputs, classes, theta0, mu);
    double lossBefore = objective.logLoss(theta);
    if (lbfgs) {
      Lbfgs.Result r = Lbfgs.minimise(objective::valueAndGradient, theta, LBFGS_TOLERANCE, 10_000);
      return result(r.x(), inputs, classes, r.iterations(), lossBefore, objective.logLoss(r.x()));
    }
    double value = objective.value(theta);
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      double[] gradient = new double[p];
      double[] hessian = new double[p * p];
      objective.derivatives(theta, gradient, hessian);
      double[] step = Cholesky.solve(hessian, gradient, p);
      double decrement = 0;
      for (int k = 0; k < p; k++) {
        decrement += gradient[k] * step[k];
      }
      if (decrement <= TOLERANCE * Math.max(1, value)) {
        double[] last = new double[p];
        for (int k = 0; k < p; k++) {
          last[k] = theta[k] - step[k];
        }
        if (objective.value(last) <= value) {
          theta = last;
        }
        return result(theta, inputs, classes, iteration + 1, lossBefore, objective.logLoss(theta));
      }
      double t = 1;
      double[] next = new double[p];
      while (true) { // backtracking (Armijo); the full Newton step is taken near the optimum
        for (int k = 0; k < p; k++) {
          next[k] = theta[k] - t * step[k];
        }
        double nextValue = objective.value(next);
        if (nextValue <= value - 1e-4 * t * decrement) {
          value = nextValue;
          break;
        }
        t /= 2;
        if (t < 1e-12) { // no decrease left in double precision: this is the minimum
          return result(theta, inputs, classes, iteration, lossBefore, objective.logLoss(theta));
        }
      }
      System.arraycopy(next, 0, theta, 0, p);
    }
    throw new IllegalStateException(
        "Cannot refit the output layer: no convergence in "
            + MAX_ITERATIONS
            + " Newton iterations");
  }

  private static Fit result(
      double[] theta, int inputs, int classes, int iterations, double before, double after) {
    double[] weights = new double[inputs * classes];
    double[] bias = new double[classes];
    System.arraycopy(theta, 0, weights, 0, weights.length);
    System.arraycopy(theta, weights.length, bias, 0, classes);
    return new Fit(weights, bias, iterations, before, after);
  }

  /** The penalised mean cross-entropy and its derivatives. */
  private record Objective(
      float[] x, int[] y, int inputs, int classes, double[] theta0, double mu) {

    double logLoss(double[] theta) {
      double loss = 0;
      double[] z = new double[classes];
      for (int r = 0; r < y.length; r++) {
        double logSum = logits(theta, r, z);
        loss += logSum - z[y[r]];
      }
      return loss / y.length;
    }

    double value(double[] theta) {
      double penalty = 0;
      for (int k = 0; k < theta.length; k++) {
        double d = theta[k] - theta0[k];
        penalty += d * d;
      }
      return logLoss(theta) + mu / 2 * penalty;
    }

    /** The objective at {@code theta}, its gradient written into {@code gradient}. */
    double valueAndGradient(double[] theta, double[] gradient) {
      java.util.Arrays.fill(gradient, 0);
      int n = y.length;
      double loss = 0;
      double penalty = 0;
      double[] z = new double[classes];
      for (int r = 0; r < n; r++) {
        double logSum = logits(theta, r, z);
        loss += logSum - z[y[r]];
        for (int c = 0; c < classes; c++) {
          z[c] = (Math.exp(z[c] - logSum) - (y[r] == c ? 1 : 0)) / n;
        }
        for (int d = 0; d < inputs; d++) {
          double xd = x[r * inputs + d];
          if (xd != 0) {
            for (int c = 0; c < classes; c++) {
              gradient[d * classes + c] += xd * z[c];
            }
          }
        }
        for (int c = 0; c < classes; c++) {
          gradient[inputs * classes + c] += z[c];
        }
      }
      for (int k = 0; k < theta.length; k++) {
        double d = theta[k] - theta0[k];
        penalty += d * d;
        gradient[k] += mu * d;
      }
      return loss / n + mu / 2 * penalty;
    }

    void derivatives(double[] theta, double[] gradient, double[] hessian) {
      int p = theta.length;
      int n = y.length;
      double[] z = new double[classes];
      double[] xt = new double[inputs + 1];
      for (int r = 0; r < n; r++) {
        double logSum = logits(theta, r, z);
        for (int c = 0; c < classes; c++) {
          z[c] = Math.exp(z[c] - logSum); // probabilities
        }
        for (int d = 0; d < inputs; d++) {
          xt[d] = x[r * inputs + d];
        }
        xt[inputs] = 1;
        for (int d = 0; d <= inputs; d++) {
          for (int c = 0; c < classes; c++) {
            gradient[d * classes + c] += xt[d] * (z[c] - (y[r] == c ? 1 : 0)) / n;
          }
        }
        // H[(d,c),(e,k)] += x_d x_e (p_c δ_ck − p_c p_k) / n ; the upper triangle, mirrored below
        for (int d = 0; d <= inputs; d++) {
          if (xt[d] == 0) {
            continue; // ReLU features are often exactly zero
          }
          for (int e = d; e <= inputs; e++) {
            double xx = xt[d] * xt[e] / n;
            if (xx == 0) {
              continue;
            }
            for (int c = 0; c < classes; c++) {
              int row = (d * classes + c) * p;
              for (int k = 0; k < classes; k++) {
                hessian[row + e * classes + k] += xx * ((c == k ? z[c] : 0) - z[c] * z[k]);
              }
            }
          }
        }
      }
      for (int i = 0; i < p; i++) {
        gradient[i] += mu * (theta[i] - theta0[i]);
        hessian[i * p + i] += mu;
        for (int j = 0; j < i; j++) {
          hessian[i * p + j] = hessian[j * p + i];
        }
      }
    }

    /** Fills {@code z} with the logits of example {@code r} and returns their log-sum-exp. */
    private double logits(double[] theta, int r, double[] z) {
      int bias = inputs * classes;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        double s = theta[bias + c];
        for (int d = 0; d < inputs; d++) {
          s += x[r * inputs + d] * theta[d * classes + c];
        }
        z[c] = s;
        max = Math.max(max, s);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(z[c] - max);
      }
      return max + Math.log(sum);
    }
  }

  /** Solves H·s = g for a symmetric positive-definite H (row-major, n × n). */
  static final class Cholesky {
    private Cholesky() {}

    static double[] solve(double[] h, double[] g, int n) {
      double[] l = new double[n * n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++) {
          double s = h[i * n + j];
          for (int k = 0; k < j; k++) {
            s -= l[i * n + k] * l[j * n + k];
          }
          if (i == j) {
            if (!(s > 0)) {
              throw new IllegalStateException(
                  "Cannot refit the output layer: Hessian not positive definite");
            }
            l[i * n + i] = Math.sqrt(s);
          } else {
            l[i * n + j] = s / l[j * n + j];
          }
        }
      }
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        double s = g[i];
        for (int k = 0; k < i; k++) {
          s -= l[i * n + k] * y[k];
        }
        y[i] = s / l[i * n + i];
      }
      double[] x = new double[n];
      for (int i = n - 1; i >= 0; i--) {
        double s = y[i];
        for (int k = i + 1; k < n; k++) {
          s -= l[k * n + i] * x[k];
        }
        x[i] = s / l[i * n + i];
      }
      return x;
    }
  }

  /** Index of the output layer; refuses anything but a dense softmax output layer with a bias. */
  static int outputLayer(MultiLayerNetwork net) {
    return Integer.parseInt(outputLayer(Network.of(net)).name());
  }

  /** The output layer; refuses anything but a dense softmax output layer with a bias. */
  static Network.LayerRef outputLayer(Network net) {
    Network.LayerRef ref = net.outputLayer();
    String last = ref.name();
    Layer layer = ref.conf();
    if (ref.frozen()
        || !(layer instanceof OutputLayer output)
        || !(output.getActivationFn() instanceof ActivationSoftmax)
        || !output.hasBias()
        || !net.outputHasPredecessor()) {
      throw new IllegalArgumentException(
          "Cannot refit the output layer: layer "
              + last
              + (ref.frozen() ? " (frozen)" : "")
              + " ("
              + layer.getClass().getSimpleName()
              + ") is not a dense softmax output layer with a bias after another layer");
    }
    return ref;
  }

  /** The activations feeding the output layer, row-major [N][inputs], inference mode. */
  private static float[] penultimate(
      Network net, ImageSet data, Network.LayerRef last, int batchSize, int inputs) {
    String input = net.inputNameOf(last.name());
    float[] out = new float[data.size() * inputs];
    int[] order = Batches.identity(data.size());
    for (int from = 0; from < data.size(); from += batchSize) {
      int to = Math.min(data.size(), from + batchSize);
      INDArray h = net.activationsUpTo(last.name(), net.features(data, order, from, to)).get(input);
      float[] rows = Tensors.toFloats(h.reshape('c', to - from, inputs));
      System.arraycopy(rows, 0, out, from * inputs, rows.length);
    }
    return out;
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
