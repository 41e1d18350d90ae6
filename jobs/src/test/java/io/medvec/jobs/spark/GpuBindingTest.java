package io.medvec.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** Which GPU a task gets, and that the CPU build never binds one. */
class GpuBindingTest {

  static Map<String, ResourceInformation> gpus(String... addresses) {
    return Map.of(GpuBinding.GPU, new ResourceInformation(GpuBinding.GPU, addresses));
  }

  @Test
  void takesTheFirstAssignedGpuAddress() {
    assertThat(GpuBinding.assignedGpu(gpus("3"))).contains(3);
    assertThat(GpuBinding.assignedGpu(gpus("1", "0"))).contains(1);
  }

  @Test
  void noGpuResourceMeansNoBinding() {
    assertThat(GpuBinding.assignedGpu(Map.of())).isEmpty();
    assertThat(GpuBinding.assignedGpu(gpus())).isEmpty();
    assertThat(
            GpuBinding.assignedGpu(
                Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"}))))
        .isEmpty();
  }

  @Test
  void nonNumericAddressIsRefusedNamingIt() {
    assertThatThrownBy(() -> GpuBinding.assignedGpu(gpus("GPU-8f2c")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("non-numeric GPU address")
        .hasMessageContaining("GPU-8f2c");
  }

  @Test
  void outsideASparkTaskTheCpuBuildStaysOnTheCpu() {
    assertThat(GpuBinding.bindCurrentTask("test")).isEqualTo("cpu");
  }
}
