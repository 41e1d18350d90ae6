package io.medvec.core.model;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training-mode batch normalisation for NCHW float activations, one channel at a time in plain
 * Java; inference and every other case go to the helper it replaces (DL4J's oneDNN one).
 *
 * <p>Why: with DL4J 1.0.0-M2.1's oneDNN helper a training step computes the batch mean and variance
 * with libnd4j's strided reductions over (N, H, W), runs oneDNN with those as fixed statistics, and
 * on the way back corrects oneDNN's gradient with broadcast ops — about a quarter of a training
 * step of the project's CNN on one thread, none of it parallel. Per channel the same arithmetic is
 * a few passes over contiguous H·W runs: forward {@code y = γ(x − μ)/σ + β} with the biased batch
 * variance (what DL4J and PyTorch use), backward {@code dβ = Σdy}, {@code dγ = Σdy·x̂}, {@code dx =
 * γ/σ · (dy − dβ/M − x̂·dγ/M)}. Sums run in double, in a fixed order per channel, so results do not
 * depend on the number of threads; channels are split over {@link Nd4j#getEnvironment()}'s thread
 * count.
 *
 * <p>The layer keeps its contract with the helper: the batch statistics stay available through
 * {@link #getMeanCache} and {@link #getVarCache} for the running-average update, γ and β's
 * gradients are written into the layer's gradient views. Installed by {@link FastPath#install}.
 */
final class FastBatchNorm implements BatchNormalizationHelper {

  private static volatile ForkJoinPool pool;

  private final BatchNormalizationHelper inference;
  private final IntSupplier threads;
  private INDArray meanCache;
  private INDArray varCache;
  private double[] mean = new double[0];
  private double[] invStd = new double[0];

  /**
   * True when the last forward pass was ours (training, NCHW float), so the backward pass is ours
   * too.
   */
  private boolean ownForward;

  private float[] x = new float[0];
  private float[] y = new float[0];
  private long trainingSteps;

  FastBatchNorm(BatchNormalizationHelper inference) {
    this(inference, () -> Nd4j.getEnvironment().maxThreads());
  }

  /** With {@code threads} deciding how many threads share the channels (tests vary it). */
  FastBatchNorm(BatchNormalizationHelper inference, IntSupplier threads) {
    this.inference = inference;
    this.threads = threads;
  }

  /** The helper this one hands inference (and anything it does not handle) to. */
  BatchNormalizationHelper inference() {
    return inference;
  }

  /** Forward training passes computed here (tests use it to prove the path is taken). */
  long trainingSteps() {
    return trainingSteps;
  }

  @Override
  public boolean checkSupported(double eps, boolean fixedGammaBeta) {
    return inference.checkSupported(eps, fixedGammaBeta);
  }

  @Override
  public boolean checkSupported() {
    return inference.checkSupported();
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Map.of("fastBatchNormBuffers", 4L * (x.length + y.length));
  }

  @Override
  public INDArray preOutput(
      INDArray in,
      boolean training,
      long[] shape,
      INDArray gamma,
      INDArray beta,
      INDArray globalMean,
      INDArray globalVar,
      double decay,
      double eps,
      CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    ownForward = training && handles(in, format) && gamma != null && beta != null;
    if (!ownForward) {
      return inference.preOutput(
          in,
          training,
          shape,
          gamma,
          beta,
          globalMean,
          globalVar,
          decay,
          eps,
          format,
          workspaceMgr);
    }
    int n = (int) in.size(0);
    int c = (int) in.size(1);
    int hw = (int) (in.size(2) * in.size(3));
    float[] xs = read(in, x = grow(x, in.length()));
    float[] ys = y = grow(y, in.length());
    float[] g = vector(gamma, c);
    float[] b = vector(beta, c);
    if (mean.length != c) {
      mean = new double[c];
      invStd = new double[c];
    }
    float[] batchVar = new float[c];
    float[] batchMean = new float[c];
    double count = (double) n * hw;
    channels(
        c,
        threads.getAsInt(),
        ch -> {
          double sum = 0;
          for (int i = 0; i < n; i++) {
            sum += sum(xs, (i * c + ch) * hw, hw);
          }
          double mu = sum / count;
          double squares = 0;
          for (int i = 0; i < n; i++) {
            squares += centredProducts(xs, mu, xs, mu, (i * c + ch) * hw, hw);
          }
          double var = squares / count;
          double inv = 1 / Math.sqrt(var + eps);
          mean[ch] = mu;
          invStd[ch] = inv;
          batchMean[ch] = (float) mu;
          batchVar[ch] = (float) var;
          float scale = (float) (g[ch] * inv);
          float shift = (float) (b[ch] - mu * g[ch] * inv);
          for (int i = 0; i < n; i++) {
            int from = (i * c + ch) * hw;
            for (int j = from; j < from + hw; j++) {
              ys[j] = xs[j] * scale + shift;
            }
          }
        });
    caches(c);
    meanCache.assign(Nd4j.createFromArray(batchMean));
    varCache.assign(Nd4j.createFromArray(batchVar));
    INDArray out =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, in.shape());
    write(ys, out);
    trainingSteps++;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray in,
      INDArray epsilon,
      long[] shape,
      INDArray gamma,
      INDArray beta,
      INDArray dGammaView,
      INDArray dBetaView,
      double eps,
      CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (!ownForward || dGammaView == null) {
      return inference.backpropGradient(
          in, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format, workspaceMgr);
    }
    int n = (int) in.size(0);
    int c = (int) in.size(1);
    int hw = (int) (in.size(2) * in.size(3));
    float[] xs = read(in, x = grow(x, in.length()));
    float[] dy = read(epsilon, y = grow(y, in.length()));
    float[] g = vector(gamma, c);
    float[] dGamma = new float[c];
    float[] dBeta = new float[c];
    double count = (double) n * hw;
    channels(
        c,
        threads.getAsInt(),
        ch -> {
          double mu = mean[ch];
          double sumDy = 0;
          double sumDyXmu = 0;
          for (int i = 0; i < n; i++) {
            int from = (i * c + ch) * hw;
            sumDy += sum(dy, from, hw);
            sumDyXmu += centredProducts(dy, 0, xs, mu, from, hw);
          }
          double inv = invStd[ch];
          double dg = sumDyXmu * inv;
          dGamma[ch] = (float) dg;
          dBeta[ch] = (float) sumDy;
          // dx = γ/σ · (dy − dβ/M − x̂·dγ/M), x̂ = (x − μ)/σ, written as a·dy + b·x + k
          double a = g[ch] * inv;
          double b = -a * inv * dg / count;
          float fa = (float) a;
          float fb = (float) b;
          float fk = (float) (-a * sumDy / count - b * mu);
          for (int i = 0; i < n; i++) {
            int from = (i * c + ch) * hw;
            for (int j = from; j < from + hw; j++) {
              dy[j] = dy[j] * fa + xs[j] * fb + fk;
            }
          }
        });
    INDArray epsAtInput =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, in.shape());
    write(dy, epsAtInput);
    dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
    dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
    Gradient gradient = new DefaultGradient();
    gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
    gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
    return new Pair<>(gradient, epsAtInput);
  }

  @Override
  public INDArray getMeanCache(DataType dataType) {
    return ownForward ? meanCache : inference.getMeanCache(dataType);
  }

  @Override
  public INDArray getVarCache(DataType dataType) {
    return ownForward ? varCache : inference.getVarCache(dataType);
  }

  /** Rank-4 NCHW float activations whose size fits Java arrays. */
  private static boolean handles(INDArray in, CNN2DFormat format) {
    return in.rank() == 4
        && format == CNN2DFormat.NCHW
        && in.dataType() == DataType.FLOAT
        && in.length() < Integer.MAX_VALUE;
  }

  private void caches(int c) {
    if (meanCache == null || meanCache.length() != c) {
      // the layer reads them after this call returns, outside any workspace scope of ours
      try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
        meanCache = Nd4j.createUninitialized(DataType.FLOAT, c);
        varCache = Nd4j.createUninitialized(DataType.FLOAT, c);
      }
    }
  }

  private static float[] grow(float[] buffer, long length) {
    return buffer.length >= length ? buffer : new float[(int) length];
  }

  private static float[] vector(INDArray values, int c) {
    return values.reshape(c).toFloatVector();
  }

  /** Copies {@code array}'s elements, in C order, into the start of {@code into}. */
  private static float[] read(INDArray array, float[] into) {
    INDArray dense = dense(array);
    floats(dense).get(into, 0, (int) dense.length());
    return into;
  }

  /**
   * Writes the first {@code out.length()} values of {@code from} into {@code out} (C order, dense).
   */
  private static void write(float[] from, INDArray out) {
    if (dense(out) != out) {
      throw new IllegalStateException(
          "Expected a dense C-order array for the output, got " + out.shapeInfoToString());
    }
    floats(out).put(from, 0, (int) out.length());
  }

  private static INDArray dense(INDArray array) {
    boolean dense =
        array.ordering() == 'c'
            && Shape.hasDefaultStridesForShape(array)
            && array.offset() == 0
            && array.data().length() >= array.length();
    return dense ? array : array.dup('c');
  }

  private static FloatBuffer floats(INDArray array) {
    return array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static double sum(float[] v, int from, int length) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = from;
    int end = from + length;
    for (; j + 3 < end; j += 4) {
      s0 += v[j];
      s1 += v[j + 1];
      s2 += v[j + 2];
      s3 += v[j + 3];
    }
    for (; j < end; j++) {
      s0 += v[j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * Σ (a[j] − p)(b[j] − q) over {@code length} elements from {@code from}, in double, 4-way
   * unrolled.
   */
  private static double centredProducts(
      float[] a, double p, float[] b, double q, int from, int length) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = from;
    int end = from + length;
    for (; j + 3 < end; j += 4) {
      s0 += (a[j] - p) * (b[j] - q);
      s1 += (a[j + 1] - p) * (b[j + 1] - q);
      s2 += (a[j + 2] - p) * (b[j + 2] - q);
      s3 += (a[j + 3] - p) * (b[j + 3] - q);
    }
    for (; j < end; j++) {
      s0 += (a[j] - p) * (b[j] - q);
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * Runs {@code body} for every channel, split in contiguous blocks over the native thread count.
   */
  private static void channels(int c, int threadCount, IntConsumer body) {
    int parts = Math.min(c, threadCount);
    if (parts <= 1) {
      for (int ch = 0; ch < c; ch++) {
        body.accept(ch);
      }
      return;
    }
    ForkJoinPool workers = pool(parts);
    ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[parts - 1];
    for (int t = 1; t < parts; t++) {
      int from = c * t / parts;
      int to = c * (t + 1) / parts;
      tasks[t - 1] =
          workers.submit(
              () -> {
                for (int ch = from; ch < to; ch++) {
                  body.accept(ch);
                }
              });
    }
    for (int ch = 0; ch < c / parts; ch++) {
      body.accept(ch);
    }
    for (ForkJoinTask<?> task : tasks) {
      task.join();
    }
  }

  private static ForkJoinPool pool(int threads) {
    ForkJoinPool current = pool;
    if (current == null || current.getParallelism() < threads - 1) {
      synchronized (FastBatchNorm.class) {
        current = pool;
        if (current == null || current.getParallelism() < threads - 1) {
          current = new ForkJoinPool(threads - 1);
          pool = current;
        }
      }
    }
    return current;
  }
}
