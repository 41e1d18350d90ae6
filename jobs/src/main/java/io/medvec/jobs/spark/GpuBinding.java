package io.medvec.jobs.spark;

import java.util.Map;
import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a Spark task's thread to the GPU the scheduler assigned it ({@code
 * spark.task.resource.gpu.amount=1}), so that two tasks on a multi-GPU executor do not both train
 * on ND4J's default device 0.
 *
 * <p>Everything used here is in {@code nd4j-api}, so the CPU build compiles and runs unchanged: on
 * the CPU backend, or without a GPU assignment, nothing is bound and the reason is reported.
 * Spark's addresses are what the discovery script printed ({@code conf/gpu/getGpusResources.sh}:
 * {@code nvidia-smi} indices); ND4J's device ids are CUDA ordinals. They agree when the container
 * only sees its own GPUs (Kubernetes, YARN with GPU isolation) or with {@code
 * CUDA_DEVICE_ORDER=PCI_BUS_ID} (set in {@code conf/gpu/spark-defaults.gpu.conf}).
 */
public final class GpuBinding {

  private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);

  /** Spark's resource name for GPUs. */
  static final String GPU = "gpu";

  private GpuBinding() {}

  /** The first GPU address in a task's resources, if any. */
  static Optional<Integer> assignedGpu(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources.get(GPU);
    if (gpu == null || gpu.addresses().length == 0) {
      return Optional.empty();
    }
    String address = gpu.addresses()[0];
    try {
      return Optional.of(Integer.parseInt(address.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "Cannot bind ND4J to GPU: Spark assigned a non-numeric GPU address (" + address + ")", e);
    }
  }

  /**
   * Binds the current thread to the GPU assigned to the current Spark task, if there is one and
   * ND4J runs on CUDA; returns what was done, for the log and the task's result.
   */
  public static String bindCurrentTask(String who) {
    TaskContext task = TaskContext.get();
    Optional<Integer> gpu = task == null ? Optional.empty() : assignedGpu(task.resourcesJMap());
    String device;
    if (gpu.isEmpty()) {
      device = "cpu";
    } else if (Nd4j.getEnvironment().isCPU()) {
      device = "gpu " + gpu.get() + " assigned, not bound (ND4J CPU backend)";
    } else {
      device = "gpu " + bind(gpu.get());
    }
    LOG.info(
        "{} device: {} (ND4J backend {})",
        who,
        device,
        Nd4j.getBackend().getClass().getSimpleName());
    return device;
  }

  private static int bind(int gpu) {
    int devices = Nd4j.getAffinityManager().getNumberOfDevices();
    if (gpu < 0 || gpu >= devices) {
      throw new IllegalStateException(
          "Cannot bind ND4J to GPU "
              + gpu
              + ": this executor's CUDA sees "
              + devices
              + " device(s); check the discovery script and CUDA_VISIBLE_DEVICES / CUDA_DEVICE_ORDER");
    }
    Nd4j.getAffinityManager().unsafeSetDevice(gpu);
    int bound = Nd4j.getAffinityManager().getDeviceForCurrentThread();
    if (bound != gpu) {
      throw new IllegalStateException(
          "Cannot bind ND4J to GPU " + gpu + ": the thread is still on device " + bound);
    }
    return bound;
  }
}
