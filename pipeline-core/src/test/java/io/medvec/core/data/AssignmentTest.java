package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AssignmentTest {
  private final PartitionSpec spec = PartitionSpec.iid(0.2, 2, 1);

  @Test
  void indicesAndCountsFollowHospitalOf() {
    Assignment a =
        new Assignment(spec, new int[] {1, -1, 0, 1, 0, -1}, new int[] {0, 1, 1, 2, 2, 2}, 3);

    assertThat(a.publicIndices()).containsExactly(1, 5);
    assertThat(a.hospitalIndices(0)).containsExactly(2, 4);
    assertThat(a.hospitalIndices(1)).containsExactly(0, 3);
    assertThat(a.labelCounts(Assignment.PUBLIC)).containsExactly(0, 1, 1);
    assertThat(a.labelCounts(1)).containsExactly(1, 0, 1);
    assertThat(a.size(0)).isEqualTo(2);
  }

  @Test
  void hospitalIdsRoundTripAndBadIdsAreRefused() {
    for (int h : new int[] {0, 1, 9, 10, 123}) {
      assertThat(Assignment.hospitalIndex(Assignment.hospitalId(h))).isEqualTo(h);
    }
    assertThat(Assignment.hospitalId(3)).isEqualTo("h3");
    for (String bad : new String[] {"3", "h", "h-1", "h01", "H1", "hx"}) {
      assertThatThrownBy(() -> Assignment.hospitalIndex(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Cannot parse hospital id: expected h0, h1, ... (" + bad + ")");
    }
    assertThatThrownBy(() -> Assignment.hospitalId(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot name hospital: index must be >= 0 (-1)");
  }

  @Test
  void refusesOutOfRangeValuesAndHospitals() {
    assertThatThrownBy(() -> new Assignment(spec, new int[] {0, 2}, new int[] {0, 0}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create assignment: hospitalOf[1] must be -1 or in [0, 2) (2)");
    assertThatThrownBy(() -> new Assignment(spec, new int[] {0}, new int[] {0, 0}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create assignment: hospitalOf and labels differ in length (1 vs 2)");
    Assignment a = new Assignment(spec, new int[] {0, 1}, new int[] {0, 0}, 1);
    assertThatThrownBy(() -> a.hospitalIndices(Assignment.PUBLIC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot select hospital: index must be in [0, 2) (-1)");
    assertThatThrownBy(() -> a.labelCounts(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot select hospital: index must be in [0, 2) or -1 for the public pool (2)");
  }
}
