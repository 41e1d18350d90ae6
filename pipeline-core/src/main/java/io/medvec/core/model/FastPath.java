package io.medvec.core.model;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.Nd4jCpu;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes DL4J's convolution, batch-norm and pooling layers to oneDNN (about 4× faster training
 * here) instead of DL4J's built-in loops.
 *
 * <p>DL4J 1.0.0-M2.1 keeps that path shut by two gates: layer helpers are created only when the
 * system property {@value #HELPERS_DISABLE} is {@code false} (its default is {@code true}), read
 * when a network is initialised; and the oneDNN helpers look up their switch under a class name
 * M2.1 moved (answered by the {@code dl4j-compat} shim). The native library must be built with
 * oneDNN (the {@code nd4j.classifier} of the build). {@link #enable()} is called wherever core
 * builds or restores a network, so every entry point takes the same path.
 *
 * <p>{@link #install} then replaces DL4J's oneDNN batch-norm helper for training with {@link
 * FastBatchNorm} (DL4J's keeps inference); {@link Trainer#fit} calls it.
 *
 * <p>Setting {@value #HELPERS_DISABLE} to {@code true} on the command line keeps DL4J's built-in
 * layers (the slow reference path, for comparisons); {@link #enable()} never overrides an explicit
 * setting.
 *
 * <p>It also keeps libnd4j's element-wise and reduction ops on one thread below {@value
 * #SERIAL_BELOW} elements ({@value #SERIAL_BELOW_PROPERTY} overrides; 0 keeps libnd4j's defaults of
 * 1 024 and 1). On this project's 28×28 networks every such op is that small, and splitting it
 * across two OpenMP threads cost more than it saved: training at 2 threads ran 1 192–1 296 img/s
 * with the defaults and 1 369–1 451 serial, against 1 472–1 488 at 1 thread (same minutes, same
 * machine). oneDNN's convolutions and BLAS still use every thread.
 */
public final class FastPath {

  /** DL4J's switch for all layer helpers (cuDNN and oneDNN). */
  public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

  /** System property: ops with fewer elements than this run on one thread (0: libnd4j defaults). */
  public static final String SERIAL_BELOW_PROPERTY = "medvec.nd4j.serial-below";

  /** Default of {@value #SERIAL_BELOW_PROPERTY}: 4 Mi elements (16 MB of floats). */
  public static final int SERIAL_BELOW = 1 << 22;

  private static final Logger LOG = LoggerFactory.getLogger(FastPath.class);
  private static volatile boolean logged;

  private FastPath() {}

  /** System property: {@code false} keeps DL4J's oneDNN batch-norm helper for training too. */
  public static final String FAST_BATCH_NORM_PROPERTY = "medvec.nd4j.fast-batch-norm";

  /** Allows DL4J layer helpers unless the user set {@value #HELPERS_DISABLE}; idempotent. */
  public static void enable() {
    if (System.getProperty(HELPERS_DISABLE) == null) {
      System.setProperty(HELPERS_DISABLE, "false");
    }
    if (!logged) {
      logged = true;
      int serialBelow = Integer.getInteger(SERIAL_BELOW_PROPERTY, SERIAL_BELOW);
      if (serialBelow > 0) {
        Nd4j.getEnvironment().setElementwiseThreshold(serialBelow);
        Nd4j.getEnvironment().setTadThreshold(serialBelow);
      }
      LOG.info(
          "DL4J layers: {}; ops below {} elements on one thread",
          describe(),
          serialBelow > 0 ? serialBelow : "libnd4j's default number of");
    }
  }

  /**
   * Gives every batch-norm layer of {@code net} that has DL4J's oneDNN helper a {@link
   * FastBatchNorm} for training (which hands inference back to that helper); idempotent, and a
   * no-op on the slow path or with {@value #FAST_BATCH_NORM_PROPERTY}{@code =false}. DL4J creates
   * helpers per layer object with no hook, so the field is set reflectively; {@code FastPathTest}
   * fails if it stops taking.
   *
   * @return the number of layers now using it
   */
  public static int install(MultiLayerNetwork net) {
    return install(Network.of(net));
  }

  /** {@link #install(MultiLayerNetwork)} on any network (frozen layers are left alone). */
  public static int install(Network net) {
    if (!active() || !fastBatchNorm()) {
      return 0;
    }
    int installed = 0;
    for (Layer layer : net.runtimeLayers()) {
      if (layer instanceof BatchNormalization bn
          && bn.getHelper() instanceof BatchNormalizationHelper helper) {
        if (!(helper instanceof FastBatchNorm)) {
          setHelper(bn, new FastBatchNorm(helper));
        }
        installed++;
      }
    }
    return installed;
  }

  private static boolean fastBatchNorm() {
    return Boolean.parseBoolean(System.getProperty(FAST_BATCH_NORM_PROPERTY, "true"));
  }

  private static void setHelper(BatchNormalization layer, BatchNormalizationHelper helper) {
    try {
      Field field = BatchNormalization.class.getDeclaredField("helper");
      field.setAccessible(true);
      field.set(layer, helper);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot install the batch-norm training helper on DL4J "
              + BatchNormalization.class.getPackage().getImplementationVersion()
              + " (set -D"
              + FAST_BATCH_NORM_PROPERTY
              + "=false to train with DL4J's own): "
              + e,
          e);
    }
  }

  /** True when networks built now get oneDNN helpers: helpers allowed and oneDNN usable. */
  public static boolean active() {
    return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE, "true"))
        && BaseMKLDNNHelper.mklDnnEnabled();
  }

  /** One line for logs and benchmark output. */
  public static String describe() {
    if (active()) {
      return "oneDNN helpers (fast path)"
          + (fastBatchNorm() ? ", batch-norm training in Java" : "");
    }
    return String.format(
        "built-in layers (slow path: %s=%s, native library with oneDNN=%s)",
        HELPERS_DISABLE,
        System.getProperty(HELPERS_DISABLE, "true"),
        Nd4jCpu.Environment.builtWithOneDnn());
  }
}
