package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Parsing of {@link Split}, {@link PartitionMode} and {@link MedMnistInfo}. */
class EnumsTest {

  @Test
  void splitsParseTheirIdsCaseInsensitively() {
    for (Split split : Split.values()) {
      assertThat(Split.parse(split.id())).isSameAs(split);
      assertThat(Split.parse(" " + split.id().toUpperCase() + " ")).isSameAs(split);
    }
    assertThat(Split.TRAIN.id()).isEqualTo("train");
    assertThat(Split.VAL.imagesKey()).isEqualTo("val_images");
    assertThat(Split.TEST.labelsKey()).isEqualTo("test_labels");
  }

  @Test
  void unknownSplitListsValidValues() {
    assertThatThrownBy(() -> Split.parse("validation"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot parse split: unknown value (validation), valid values: [train, val, test]");
    assertThatThrownBy(() -> Split.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot parse split: unknown value (null), valid values: [train, val, test]");
  }

  @Test
  void partitionModesParseCaseInsensitively() {
    assertThat(PartitionMode.parse("iid")).isSameAs(PartitionMode.IID);
    assertThat(PartitionMode.parse("Dirichlet")).isSameAs(PartitionMode.DIRICHLET);
    assertThatThrownBy(() -> PartitionMode.parse("skewed"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot parse partition mode: unknown value (skewed), valid values: [iid, dirichlet, by-column]");
  }

  @Test
  void knownDatasetsMatchTheSharedReadme() {
    assertThat(MedMnistInfo.parse("PneumoniaMNIST").md5())
        .isEqualTo("28209eda62fecd6e6a2d98b1501bb15f");
    assertThat(MedMnistInfo.parse("retinamnist").numClasses()).isEqualTo(5);
    assertThat(MedMnistInfo.parse("retinamnist").channels()).isEqualTo(3);
    assertThat(MedMnistInfo.find("chestmnist")).isEmpty();
    assertThatThrownBy(() -> MedMnistInfo.parse("mnist"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot find MedMNIST dataset: unknown name (mnist), known names: [pathmnist,")
        .hasMessageContaining("pneumoniamnist, retinamnist");
  }
}
