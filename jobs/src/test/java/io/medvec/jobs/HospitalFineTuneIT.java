package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.WriterLease;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hospital mode of {@code finetune} ({@link PublishVectorJob}) against the shared fixture's
 * published base: a published vector that the store's readers accept, and every refusal of
 * docs/bad-input.md's hospital section with its message, exit code and an unchanged store.
 */
class HospitalFineTuneIT {

  static RobustFixture fx;

  @BeforeAll
  static void fixture() {
    fx = RobustFixture.get();
  }

  /** Hospital-mode config on {@code store}'s base, the hospital's own out under the fixture. */
  static ConfigMap config(Path store, Path data, String... overrides) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "hospital.base=" + store.resolve("base").resolve(fx.fingerprint()),
                "data.path=" + data,
                "out=" + fx.root.resolve("hospital-out-" + store.getFileName()),
                "finetune.epochs=1",
                "finetune.batch-size=32"));
    all.addAll(List.of(overrides));
    return ConfigMap.empty().withOverrides(all);
  }

  static Runnable job(ConfigMap map) {
    return () -> new PublishVectorJob(SparkTests.spark(), PublishVectorJob.Config.from(map)).run();
  }

  @Test
  void publishesAVectorTheStoreReadsBack() {
    Path store = fx.copyOut("hospital-publishes");
    // with the finetune command's own YAML, as bin/medvec and the hospital's DAG load it
    ConfigMap map =
        ConfigMap.load(Path.of("../conf/finetune.yaml"))
            .withOverrides(
                List.of(
                    "hospital.base=" + store.resolve("base").resolve(fx.fingerprint()),
                    "data.path=" + fx.data,
                    "out=" + fx.root.resolve("hospital-out-publishes"),
                    "hospital.id=Ward-7",
                    "finetune.epochs=1"));
    PublishVectorJob.Result result =
        new PublishVectorJob(SparkTests.spark(), PublishVectorJob.Config.from(map)).run();
    map.rejectUnknown();
    VectorStore vectors =
        new VectorStore(
            new Configuration(), new org.apache.hadoop.fs.Path(store.resolve("vectors").toUri()));
    StoredVector stored = vectors.find(fx.fingerprint(), "Ward-7").orElseThrow();
    assertThat(stored.manifest().examples()).isEqualTo(result.examples()).isEqualTo(300);
    assertThat(stored.manifest().vectorSha256()).isEqualTo(result.vectorSha256());
    assertThat(stored.manifest().dataset()).isEqualTo("pneumoniamnist");
    assertThat(result.baseScores()).isEmpty();
  }

  @Test
  void reservedOrMissingHospitalName() {
    Path store = fx.copyOut("hospital-reserved");
    Throwable e =
        BadInputIT.refused(
            store,
            () -> PublishVectorJob.Config.from(config(store, fx.data, "hospital.id=Public")));
    assertThat(e)
        .hasMessageContaining("Invalid config key 'hospital.id'")
        .hasMessageContaining("hospital id 'Public' is reserved");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG);
    Throwable missing =
        BadInputIT.refused(store, () -> PublishVectorJob.Config.from(config(store, fx.data)));
    assertThat(missing).hasMessageContaining("Missing config key 'hospital.id'");
    assertThat(ExitCode.of(missing)).isEqualTo(ExitCode.BAD_CONFIG);
    Throwable listed =
        BadInputIT.refused(
            store,
            () ->
                PublishVectorJob.Config.from(
                    config(store, fx.data, "hospital.id=h7", "finetune.hospitals=[h1]")));
    assertThat(listed)
        .hasMessageContaining(
            "Invalid config key 'finetune.hospitals': it selects hospitals of a partition");
    assertThat(ExitCode.of(listed)).isEqualTo(ExitCode.BAD_CONFIG);
  }

  @Test
  void baseThatIsNotAPublishedBaseDirectory() {
    Path store = fx.copyOut("hospital-not-a-base");
    Path wrong = store.resolve("runs");
    Throwable e =
        BadInputIT.refused(
            store, job(config(store, fx.data, "hospital.id=h7", "hospital.base=" + wrong)));
    assertThat(e)
        .hasMessageContaining("Invalid config key 'hospital.base'")
        .hasMessageContaining("STORE/base/FINGERPRINT")
        .hasMessageContaining(wrong.toString());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG);
  }

  @Test
  void incompleteBase() throws IOException {
    Path store = fx.copyOut("hospital-incomplete-base");
    Path base = store.resolve("base").resolve(fx.fingerprint());
    Files.delete(base.resolve("_SUCCESS"));
    Throwable e = BadInputIT.refused(store, job(config(store, fx.data, "hospital.id=h7")));
    assertThat(e)
        .hasMessageContaining("Cannot find base model " + fx.fingerprint())
        .hasMessageContaining("is missing or incomplete");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void dataTheBaseCannotTake() {
    Path store = fx.copyOut("hospital-wrong-data");
    Path rgb = SparkTests.subset("retinamnist", fx.newDir("hospital-rgb"), 60, 10, 10);
    Throwable e = BadInputIT.refused(store, job(config(store, rgb, "hospital.id=h7")));
    assertThat(e)
        .hasMessageContaining("Cannot fine-tune base " + fx.fingerprint())
        .hasMessageContaining(rgb.toString())
        // the base's preprocessing makes its RGB images grey 28x28; its class names differ
        .hasMessageContaining("its classes are [normal, pneumonia], the data's [no apparent");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void moreClassesThanTheBase() throws IOException {
    // a store holding nothing but the base: a refusal leaves it so (no vectors/ folder appears)
    Path store = fx.newDir("hospital-more-classes");
    RobustFixture.copyTree(
        fx.out.resolve("base").resolve(fx.fingerprint()),
        store.resolve("base").resolve(fx.fingerprint()));
    Path dir = fx.newDir("hospital-three-classes");
    Path npz =
        ConsortiumIT.slice(dir, "three-classes", new ConsortiumIT.Slice(0, 60, 0, 10, 0, 10), 2);
    Throwable e = BadInputIT.refused(store, job(config(store, npz, "hospital.id=h7")));
    assertThat(e)
        .hasMessageContaining("Cannot fine-tune base " + fx.fingerprint())
        .hasMessageContaining("the data has labels up to 2, the base has 2 classes");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void vectorBeingWrittenByAnotherJob() {
    Path store = fx.copyOut("hospital-busy");
    org.apache.hadoop.fs.Path target =
        new org.apache.hadoop.fs.Path(
            store.resolve("vectors/base=" + fx.fingerprint() + "/hospital=h7").toUri());
    try (WriterLease other = WriterLease.acquire(new Configuration(), target)) {
      Throwable e = BadInputIT.refused(store, job(config(store, fx.data, "hospital.id=h7")));
      assertThat(ExitCode.of(e)).isEqualTo(ExitCode.TARGET_BUSY);
      assertThat(e).hasMessageContaining("hospital=h7: another job is writing it");
    }
  }
}
