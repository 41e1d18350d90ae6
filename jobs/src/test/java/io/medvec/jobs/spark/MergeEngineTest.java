package io.medvec.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code merge.engine: auto}'s rule: Spark from {@link MergeEngine#AUTO_MIN_BYTES} on 2+ cores. */
class MergeEngineTest {

  @Test
  void autoMergesOnSparkFromTheByteFloorWhenTheSessionHasTwoCores() {
    long p = 1_000_000;
    long atFloor = MergeEngine.AUTO_MIN_BYTES / (4 * p) + 1; // K × P × 4 just above the floor
    assertThat(MergeEngine.AUTO.resolve(2, atFloor, p)).isEqualTo(MergeEngine.SPARK);
    assertThat(MergeEngine.AUTO.resolve(2, atFloor - 2, p)).isEqualTo(MergeEngine.LOCAL);
    assertThat(MergeEngine.AUTO.resolve(1, 1_000, p)).as("one core").isEqualTo(MergeEngine.LOCAL);
  }

  @Test
  void explicitEnginesAreKeptAtAnySize() {
    assertThat(MergeEngine.LOCAL.resolve(64, 100_000, 25_000_000)).isEqualTo(MergeEngine.LOCAL);
    assertThat(MergeEngine.SPARK.resolve(1, 1, 1)).isEqualTo(MergeEngine.SPARK);
  }
}
