package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NpyHeaderTest {

  @Test
  void parsesNumpyHeaderWithPaddingAndTrailingCommas() {
    NpyHeader header =
        NpyHeader.parse(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (4708, 28, 28), }   \n", "x");

    assertThat(header.descr()).isEqualTo("|u1");
    assertThat(header.fortranOrder()).isFalse();
    assertThat(header.shape()).containsExactly(4708, 28, 28);
    assertThat(header.count()).isEqualTo(4708L * 28 * 28);
  }

  @Test
  void parsesOneDimensionalShapeKeyOrderAndDoubleQuotes() {
    NpyHeader header =
        NpyHeader.parse("{\"shape\": (5,), \"fortran_order\": True, \"descr\": \"<i8\"}", "x");

    assertThat(header.descr()).isEqualTo("<i8");
    assertThat(header.fortranOrder()).isTrue();
    assertThat(header.shape()).containsExactly(5);
  }

  @Test
  void refusesMissingFieldAndGarbage() {
    assertThatThrownBy(() -> NpyHeader.parse("{'descr': '|u1', 'shape': (2,)}", "f.npz key k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read f.npz key k: npy header needs")
        .hasMessageEndingWith("({'descr': '|u1', 'shape': (2,)})");
    assertThatThrownBy(() -> NpyHeader.parse("{'descr': '|u1', 'shape': [2]}", "f.npz key k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read f.npz key k: unexpected value at 26 in npy header");
    assertThatThrownBy(() -> NpyHeader.parse("{'shape': (2, -1)}", "f.npz key k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read f.npz key k: expected a dimension at 14");
  }
}
