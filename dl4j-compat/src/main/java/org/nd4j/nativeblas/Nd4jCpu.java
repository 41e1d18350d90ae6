package org.nd4j.nativeblas;

/**
 * Compatibility shim for DL4J 1.0.0-M2.1: the oneDNN layer helpers decide whether to run by loading
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} reflectively and calling its static {@code
 * getInstance()} and then {@code isUseMKLDNN()} ({@code BaseMKLDNNHelper.mklDnnEnabled}). M2.1
 * moved that class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and
 * renamed the method {@code isUseONEDNN()}, so the lookup always fails, the failure is cached for
 * the JVM, and every layer silently takes the slow built-in path.
 *
 * <p>This class answers at the old name, truthfully: oneDNN is reported in use only when the loaded
 * native library was built with it ({@code HAVE_ONEDNN} in its build info) and the real
 * environment's oneDNN switch is on. It holds no state of its own and changes no behaviour of ND4J;
 * without a oneDNN native library it answers {@code false} and DL4J keeps its built-in layers.
 * Nothing else in ND4J M2.1 uses this name (the package {@code org.nd4j.nativeblas} holds only the
 * native-ops holder classes), so it shadows nothing.
 */
public final class Nd4jCpu {

  private Nd4jCpu() {}

  /** The subset of the pre-M2.1 {@code Nd4jCpu.Environment} that DL4J's helpers call. */
  public static final class Environment {

    private static final Environment INSTANCE = new Environment();
    private static volatile Boolean builtWithOneDnn;

    private Environment() {}

    /** The singleton, as the native environment exposes it. */
    public static Environment getInstance() {
      return INSTANCE;
    }

    /** True when the native library has oneDNN and its oneDNN switch is on. */
    public boolean isUseMKLDNN() {
      return builtWithOneDnn()
          && org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
    }

    /** True when the loaded native library was compiled with oneDNN. */
    public static boolean builtWithOneDnn() {
      Boolean built = builtWithOneDnn;
      if (built == null) {
        // loads the ND4J backend first: NativeOpsHolder cannot initialise on its own
        org.nd4j.linalg.factory.Nd4j.getExecutioner();
        String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        built = info != null && info.contains("HAVE_ONEDNN");
        builtWithOneDnn = built;
      }
      return built;
    }
  }
}
