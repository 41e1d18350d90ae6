package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.Json;
import io.medvec.core.source.SourceData;
import io.medvec.core.vector.VectorManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hospital whose images do not fit its heap still fine-tunes and scores θ_pre on them: its job
 * runs in a JVM of {@value #HEAP_MB} MiB on the 70 full-size HAM10000 JPEGs at 448×448 RGB, which
 * as floats need 168 MiB, more than the quarter of that heap a materialized source may take ({@link
 * SourceData#HEAP_SHARE}; materializing them there is refused). It streams minibatches of 4 from
 * the folder instead and exits 0, and its vector manifest counts every train image.
 */
class StreamingHeapIT {

  static final int HEAP_MB = 600;
  static final int SIZE = 448;

  @TempDir Path tmp;

  @Test
  void aHospitalFineTunesOnImagesThatDoNotFitAQuarterOfItsHeap() throws Exception {
    Path data = SparkTests.sharedData().resolve("ham10000_sample70");
    long bytes = 70L * 3 * SIZE * SIZE * Float.BYTES;
    assertThat(bytes)
        .as("the images as floats exceed what a materialized source may take of the heap")
        .isGreaterThan((long) (HEAP_MB * (1L << 20) * SourceData.HEAP_SHARE));

    Path store = tmp.resolve("store");
    ConfigMap coordinator =
        ConfigMap.empty()
            .withOverrides(
                List.of(
                    "run-id=night-1",
                    "out=" + store,
                    "data.path=" + data,
                    "data.image.size=" + SIZE,
                    "data.image.channels=rgb",
                    "partition.public-fraction=0.5",
                    "partition.hospitals=1",
                    "partition.min-per-hospital=1",
                    "model.conv-filters=[2]",
                    "model.dense-units=4",
                    "pretrain.epochs=1",
                    "pretrain.batch-size=4"));
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(coordinator)).run();
    String fp =
        new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(coordinator))
            .run()
            .fingerprint();

    Path home = tmp.resolve("hospital");
    Files.createDirectories(home);
    try (MedvecProcess hospital =
        ConsortiumIT.startHospital(
            home,
            store.resolve("base").resolve(fp),
            data,
            "large-images",
            4,
            List.of("-Xmx" + HEAP_MB + "m"))) {
      assertThat(hospital.process.waitFor(5, TimeUnit.MINUTES)).as("hospital finished").isTrue();
      assertThat(hospital.process.exitValue()).as(hospital.logTail()).isZero();
      // the source package's INFO lines reach the log (the folder's listing), and the one a
      // materialized source writes (SourceData, the same package) does not
      assertThat(Files.readString(hospital.log))
          .contains("Listed image folder")
          .doesNotContain("Materializing");
    }
    Path manifestFile =
        store.resolve("vectors/base=" + fp + "/hospital=large-images/manifest.json");
    VectorManifest m =
        Json.read(Files.readString(manifestFile), VectorManifest.class, manifestFile.toString());
    // no split folders: val and test (10 % each, stratified) are carved from the 70 images
    assertThat(m.examples()).isBetween(50L, 60L);
    assertThat(m.labelCounts().stream().mapToLong(Long::longValue).sum()).isEqualTo(m.examples());
  }
}
