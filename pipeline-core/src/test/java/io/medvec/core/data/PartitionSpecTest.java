package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PartitionSpecTest {

  @Test
  void refusesEachInvalidFieldNamingIt() {
    assertThatThrownBy(() -> new PartitionSpec(1.0, 3, PartitionMode.IID, Double.NaN, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create partition spec: publicFraction must be in [0, 1) (1.0)");
    assertThatThrownBy(() -> new PartitionSpec(Double.NaN, 3, PartitionMode.IID, Double.NaN, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create partition spec: publicFraction must be in [0, 1) (NaN)");
    assertThatThrownBy(() -> new PartitionSpec(-0.1, 3, PartitionMode.IID, Double.NaN, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create partition spec: publicFraction must be in [0, 1) (-0.1)");
    assertThatThrownBy(() -> new PartitionSpec(0.1, 0, PartitionMode.IID, Double.NaN, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create partition spec: hospitals must be >= 1 (0)");
    assertThatThrownBy(() -> new PartitionSpec(0.1, 3, null, 1.0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot create partition spec: mode is null, valid values: [iid, dirichlet, by-column]");
    assertThatThrownBy(() -> new PartitionSpec(0.1, 3, PartitionMode.IID, 1.0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create partition spec: minPerHospital must be >= 1 (0)");
  }

  @Test
  void alphaMustBeFinitePositiveForDirichletAndWhenGivenForIid() {
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> PartitionSpec.dirichlet(0.1, 3, bad, 1, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Cannot create partition spec: alpha must be finite and > 0 (" + bad + ")");
    }
    assertThatThrownBy(() -> new PartitionSpec(0.1, 3, PartitionMode.IID, -2, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create partition spec: alpha must be finite and > 0 (-2.0)");
    assertThat(PartitionSpec.iid(0.1, 3, 1).alpha()).isNaN();
    assertThat(new PartitionSpec(0, 1, PartitionMode.IID, 0.5, 1, 1).alpha()).isEqualTo(0.5);
  }
}
