package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.vector.VectorStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Jobs killed (SIGKILL) while writing leave no partial output visible, and a rerun reproduces a
 * clean run bit for bit; a fine-tune task whose first attempt fails is retried by Spark to the same
 * vector. Child JVMs run {@code Medvec}; the fault hooks are test-only system properties.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = ThreadMode.SEPARATE_THREAD)
class FaultsIT {

  static final String PAUSED = "MEDVEC-FAULT-PAUSED";

  static RobustFixture fx;
  static Map<String, String> cleanShas;

  @BeforeAll
  static void fixture() {
    fx = RobustFixture.get();
    cleanShas =
        fx.result.finetune().hospitals().stream()
            .collect(
                Collectors.toMap(
                    HospitalFineTune.Outcome::hospital, HospitalFineTune.Outcome::vectorSha256));
  }

  /** An output root holding only the fixture's partition and base: what a fine-tune starts from. */
  static Path beforeFineTune(String name) {
    Path out = fx.newDir(name);
    RobustFixture.copyTree(fx.out.resolve("base"), out.resolve("base"));
    RobustFixture.copyTree(fx.out.resolve("runs/fix/partition"), out.resolve("runs/fix/partition"));
    try {
      Files.copy(fx.out.resolve("runs/fix/pretrain.json"), out.resolve("runs/fix/pretrain.json"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  static List<String> args(String command, Path out) {
    List<String> args = new ArrayList<>(List.of(command));
    fx.settings(out).stream() // a job refuses other jobs' keys
        .filter(
            kv ->
                !kv.substring(0, kv.indexOf('=')).contains(".")
                    || kv.startsWith("data.")
                    || kv.startsWith(command + "."))
        .forEach(kv -> args.addAll(List.of("--set", kv)));
    return args;
  }

  /** Hospital → SHA-256 of every complete vector visible under {@code out} (checksums verified). */
  static Map<String, String> visibleVectors(Path out) {
    Configuration conf = new Configuration();
    VectorStore store =
        new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));
    return store.list(fx.fingerprint()).stream()
        .collect(
            Collectors.toMap(
                v -> v.manifest().hospital(),
                v -> {
                  store.readDelta(v); // verifies the manifest's checksum
                  return v.manifest().vectorSha256();
                }));
  }

  static List<Path> hidden(Path dir, String prefix) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  /**
   * Two faults in one fine-tune story (one child JVM fewer in CI): the first run is killed while
   * writing h1's vector; the rerun's first attempt of h1's task fails and Spark retries it.
   */
  @Test
  void fineTuneKilledWhileWritingThenRerunWithAFailedTaskAttemptEqualsCleanRun() throws Exception {
    Path out = beforeFineTune("kill-finetune");
    Path tmp;
    try (MedvecProcess child =
        MedvecProcess.start(
            fx.root.resolve("kill-finetune.log"),
            List.of("-Dmedvec.fault.pause-before-commit=hospital=h1"),
            args("finetune", out))) {
      tmp = Path.of(URI.create(child.awaitLine(PAUSED)));
      assertThat(tmp.resolve("vector.parquet")).as("h1 was being written").exists();
      assertThat(child.kill()).isEqualTo(137); // 128 + SIGKILL
    }
    Path vectors = fx.vectorDir(out, "h1").getParent();
    // h1's, and any other task's caught mid-write (maybe even inside commit, _SUCCESS written but
    // not
    // yet renamed): all hidden from readers, who only open hospital=ID directories
    List<Path> leftovers = hidden(vectors, "_tmp-");
    assertThat(leftovers).contains(tmp);
    assertThat(tmp.resolve("_SUCCESS")).doesNotExist();
    assertThat(fx.vectorDir(out, "h1")).doesNotExist();
    Map<String, String> visible =
        visibleVectors(out); // the hospitals that finished are complete and clean
    assertThat(visible).doesNotContainKey("h1");
    visible.forEach((h, sha) -> assertThat(sha).as(h).isEqualTo(cleanShas.get(h)));

    try (MedvecProcess child =
        MedvecProcess.start(
            fx.root.resolve("retry.log"),
            List.of(
                "-Dspark.master=local[2,2]", "-D" + HospitalFineTune.FAIL_FIRST_ATTEMPT + "=h1"),
            args("finetune", out))) {
      assertThat(child.await()).as(child.logTail()).isZero();
      assertThat(child.logText())
          .contains("Injected failure in the first attempt of hospital h1's task");
    }
    assertThat(visibleVectors(out)).isEqualTo(cleanShas);
    assertThat(hidden(vectors, "_tmp-"))
        .as("each rewrite deletes the killed writers' leftovers of its target")
        .isEmpty();
  }

  @Test
  void mergeKilledWhileWritingLeavesThePreviousModelAndRerunEqualsCleanRun() throws Exception {
    Path out = fx.copyOut("kill-merge");
    Path merged = out.resolve("runs/fix/merged");
    SortedMap<String, String> previous = RobustFixture.snapshot(merged);
    Path tmp = killMergeAt("medvec.fault.pause-before-commit", out);
    assertThat(tmp.resolve("model.zip")).exists();
    assertThat(tmp.resolve("_SUCCESS")).doesNotExist();
    assertThat(RobustFixture.snapshot(merged)).as("the previous merged model").isEqualTo(previous);
    assertThat(hidden(merged.getParent(), "_tmp-merged-")).hasSize(1);

    rerunMergeEqualsCleanRun(out);
  }

  /**
   * A rerun of the merge killed between its commit's two renames (the previous model moved aside,
   * the new one complete but not in place): no merged model is visible, the previous one is kept
   * whole, and the next merge puts things right and leaves no hidden leftovers.
   */
  @Test
  void mergeKilledBetweenItsCommitRenamesIsRepairedByTheRerun() throws Exception {
    Path out = fx.copyOut("kill-merge-renames");
    Path merged = out.resolve("runs/fix/merged");
    SortedMap<String, String> previous = RobustFixture.snapshot(merged);
    Path tmp = killMergeAt("medvec.fault.pause-between-renames", out);
    assertThat(tmp.resolve("_SUCCESS")).as("the new model was complete").exists();
    assertThat(merged).doesNotExist();
    List<Path> movedAside = hidden(merged.getParent(), "_old-merged-");
    assertThat(movedAside).hasSize(1);
    assertThat(RobustFixture.snapshot(movedAside.get(0)))
        .as("the previous model, whole")
        .isEqualTo(previous);

    rerunMergeEqualsCleanRun(out);
    assertThat(hidden(merged.getParent(), "_old-")).isEmpty();
    assertThat(hidden(merged.getParent(), "_tmp-merged-")).isEmpty();
  }

  /**
   * Runs the merge of {@code out} in a child JVM paused by the fault point {@code property} (for
   * target {@code merged}), SIGKILLs it there and returns its temporary directory.
   */
  static Path killMergeAt(String property, Path out) throws Exception {
    try (MedvecProcess child =
        MedvecProcess.start(
            fx.root.resolve(out.getFileName() + ".log"),
            List.of("-D" + property + "=merged"),
            args("merge", out))) {
      Path tmp = Path.of(URI.create(child.awaitLine(PAUSED)));
      assertThat(child.kill()).isEqualTo(137); // 128 + SIGKILL
      return tmp;
    }
  }

  /**
   * Reruns the merge in {@code out} in this JVM: same merged fingerprint and weights as the clean
   * run.
   */
  static void rerunMergeEqualsCleanRun(Path out) {
    MergeVectorsJob.Result rerun =
        new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(fx.config(out))).run();
    assertThat(rerun.mergedFingerprint()).isEqualTo(fx.result.merge().mergedFingerprint());
    Configuration conf = new Configuration();
    assertThat(
            FloatChunkFile.sha256(
                FloatChunkFile.readAll(
                    conf,
                    HadoopFiles.qualify(
                        conf, out.resolve("runs/fix/merged/weights.parquet").toString()))))
        .isEqualTo(
            FloatChunkFile.sha256(
                FloatChunkFile.readAll(
                    conf,
                    HadoopFiles.qualify(
                        conf, fx.out.resolve("runs/fix/merged/weights.parquet").toString()))));
  }
}
