package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HospitalPartitioner} on the real pneumoniamnist and retinamnist train labels. */
class HospitalPartitionerTest {
  private static ImageSet pneumonia;
  private static ImageSet retina;

  @BeforeAll
  static void readLabels() {
    pneumonia = NpzReader.read(SharedData.pneumonia()).train();
    retina = NpzReader.read(SharedData.retina()).train();
  }

  private static Assignment assign(ImageSet set, PartitionSpec spec) {
    return HospitalPartitioner.assign(set.labels(), set.numClasses(), spec);
  }

  @Test
  void sameSeedGivesSameAssignmentAndOtherSeedAnother() {
    PartitionSpec spec = PartitionSpec.dirichlet(0.1, 5, 0.5, 42, 10);
    PartitionSpec other = PartitionSpec.dirichlet(0.1, 5, 0.5, 43, 10);

    assertThat(assign(pneumonia, spec)).isEqualTo(assign(pneumonia, spec));
    assertThat(assign(pneumonia, spec).hospitalOf())
        .isNotEqualTo(assign(pneumonia, other).hospitalOf());
    assertThat(assign(retina, PartitionSpec.iid(0.1, 4, 7)).hospitalOf())
        .isEqualTo(assign(retina, PartitionSpec.iid(0.1, 4, 7)).hospitalOf())
        .isNotEqualTo(assign(retina, PartitionSpec.iid(0.1, 4, 8)).hospitalOf());
  }

  @ParameterizedTest
  @ValueSource(strings = {"iid", "dirichlet"})
  void everyIndexGoesToExactlyOnePlace(String mode) {
    for (ImageSet set : new ImageSet[] {pneumonia, retina}) {
      PartitionSpec spec = new PartitionSpec(0.2, 6, PartitionMode.parse(mode), 1.0, 3, 5);
      Assignment a = assign(set, spec);
      int[] all =
          IntStream.concat(
                  Arrays.stream(a.publicIndices()),
                  IntStream.range(0, 6).flatMap(h -> Arrays.stream(a.hospitalIndices(h))))
              .sorted()
              .toArray();

      assertThat(all).isEqualTo(IntStream.range(0, set.size()).toArray());
      assertThat(a.labels()).isEqualTo(set.labels());
      for (int h = 0; h < 6; h++) {
        assertThat(a.hospitalIndices(h)).isSorted().hasSizeGreaterThanOrEqualTo(5);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.1, 0.25, 0.5})
  void publicPoolIsStratified(double fraction) {
    for (ImageSet set : new ImageSet[] {pneumonia, retina}) {
      Assignment a = assign(set, PartitionSpec.dirichlet(fraction, 3, 1.0, 11, 1));
      long[] global = set.labelCounts();
      long[] pool = a.labelCounts(Assignment.PUBLIC);
      for (int c = 0; c < global.length; c++) {
        assertThat((double) pool[c]).as("class %s", c).isCloseTo(fraction * global[c], within(1.0));
      }
      assertThat(a.publicIndices()).isSorted().hasSize((int) Arrays.stream(pool).sum());
    }
  }

  @Test
  void iidHospitalsHaveEqualSizesAndGlobalLabelMix() {
    for (ImageSet set : new ImageSet[] {pneumonia, retina}) {
      Assignment a = assign(set, PartitionSpec.iid(0.1, 7, 5));
      int[] sizes = IntStream.range(0, 7).map(a::size).toArray();

      assertThat(Arrays.stream(sizes).max().getAsInt() - Arrays.stream(sizes).min().getAsInt())
          .isLessThanOrEqualTo(1);
      assertThat(meanTotalVariation(a)).isLessThan(0.01);
    }
  }

  @Test
  void smallAlphaSkewsLabelsMoreThanLargeAlpha() {
    // one draw over two classes can be mild by chance: compare means over ten seeds
    for (ImageSet set : new ImageSet[] {pneumonia, retina}) {
      double skewed = 0;
      double mixed = 0;
      for (long seed = 1; seed <= 10; seed++) {
        skewed +=
            meanTotalVariation(assign(set, PartitionSpec.dirichlet(0.1, 5, 0.1, seed, 1))) / 10;
        mixed +=
            meanTotalVariation(assign(set, PartitionSpec.dirichlet(0.1, 5, 100, seed, 1))) / 10;
      }

      assertThat(mixed).as("%s alpha 100", set.dataset()).isLessThan(0.05);
      assertThat(skewed)
          .as("%s alpha 0.1 vs alpha 100 (%s)", set.dataset(), mixed)
          .isGreaterThan(mixed + 0.2);
    }
  }

  @Test
  void singleHospitalGetsEverythingButThePublicPool() {
    for (PartitionSpec spec :
        new PartitionSpec[] {
          PartitionSpec.iid(0.1, 1, 1), PartitionSpec.dirichlet(0.1, 1, 0.1, 1, 1)
        }) {
      Assignment a = assign(retina, spec);

      assertThat(a.size(0) + a.size(Assignment.PUBLIC)).isEqualTo(retina.size());
      assertThat(a.size(Assignment.PUBLIC)).isBetween(103, 113);
    }
  }

  @Test
  void refusesMinimumThatNoDrawMeets() {
    PartitionSpec spec = PartitionSpec.dirichlet(0.1, 10, 0.05, 9, 90);

    assertThatThrownBy(() -> assign(retina, spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot partition 1080 examples: hospital h")
        .hasMessageContaining("< 90 examples after 100 draws (alpha=0.05, K=10)");
  }

  @Test
  void refusesMoreHospitalsThanExamplesAndBadLabels() {
    assertThatThrownBy(
            () ->
                HospitalPartitioner.assign(new int[] {0, 1, 1, 0}, 2, PartitionSpec.iid(0.5, 3, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot partition 4 examples: 3 hospitals x minPerHospital 1 exceeds the 2 left after"
                + " the public pool (publicFraction=0.5); at most 2 hospital(s) of that size fit");
    assertThatThrownBy(
            () -> HospitalPartitioner.assign(new int[] {0, 2}, 2, PartitionSpec.iid(0, 1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot partition: label at index 1 must be in [0, 2) (2)");
  }

  @Test
  void cutsFollowProportionsAndCoverTheClass() {
    assertThat(HospitalPartitioner.cuts(new double[] {0.5, 0.25, 0.25}, 10))
        .containsExactly(0, 5, 8, 10);
    assertThat(HospitalPartitioner.cuts(new double[] {1e-9, 1 - 1e-9}, 7)).containsExactly(0, 0, 7);
  }

  /** Mean over hospitals of the total-variation distance to the hospitals' pooled label mix. */
  static double meanTotalVariation(Assignment a) {
    double[] global = new double[a.numClasses()];
    for (int h = 0; h < a.hospitals(); h++) {
      long[] counts = a.labelCounts(h);
      for (int c = 0; c < counts.length; c++) {
        global[c] += counts[c];
      }
    }
    double total = Arrays.stream(global).sum();
    double sum = 0;
    for (int h = 0; h < a.hospitals(); h++) {
      long[] counts = a.labelCounts(h);
      double n = Arrays.stream(counts).sum();
      double tv = 0;
      for (int c = 0; c < counts.length; c++) {
        tv += Math.abs(counts[c] / n - global[c] / total);
      }
      sum += tv / 2;
    }
    return sum / a.hospitals();
  }

  @Test
  void dealtCountsWhatTheAssignmentGivesTheHospitalsForAnySeed() {
    int[] labels = new int[203];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (i * 7) % 3;
    }
    for (long seed : new long[] {1, 2, 3}) {
      Assignment a = HospitalPartitioner.assign(labels, 3, PartitionSpec.iid(0.17, 4, seed));
      long dealt = labels.length - a.size(Assignment.PUBLIC);
      assertThat(HospitalPartitioner.dealt(labels, 3, 0.17)).isEqualTo(dealt);
    }
  }

  @Test
  void aSmallClassStillGivesThePublicPoolOneImage() {
    assertThat(HospitalPartitioner.publicCount(0.05, 8)).isEqualTo(1); // round(0.4) = 0
    assertThat(HospitalPartitioner.publicCount(0.05, 1000)).isEqualTo(50);
    assertThat(HospitalPartitioner.publicCount(0.05, 1)).isZero(); // its only image stays dealt
    assertThat(HospitalPartitioner.publicCount(0.0, 8)).isZero();
    // 7 classes of 8: each class is in the pool
    int[] labels = new int[56];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 7;
    }
    Assignment a = HospitalPartitioner.assign(labels, 7, PartitionSpec.iid(0.05, 2, 3));
    assertThat(a.labelCounts(Assignment.PUBLIC)).containsOnly(1L);
    assertThat(HospitalPartitioner.dealt(labels, 7, 0.05)).isEqualTo(49);
  }
}
