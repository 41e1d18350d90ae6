package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.io.Json;
import io.medvec.core.io.WriterLease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * One writer per target, with real concurrent processes: two child JVMs writing one target at the
 * same time. The first is held by a fault point just before its commit, with its writer lease taken
 * and its output written, until the test creates a resume file; the second starts only then (a
 * condition, not a timer). Exactly one commits, the other exits with {@link ExitCode#TARGET_BUSY}
 * naming the holder, and the store stays whole.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = ThreadMode.SEPARATE_THREAD)
class ConcurrentWritersIT {

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
    FaultsIT.fx = fx; // its helpers read the shared fixture
  }

  @Test
  void twoFineTunesOfOneHospitalStartedTogetherCommitOnceAndKeepTheStoreWhole() throws Exception {
    Path out = fx.copyOut("two-finetunes");
    Path vectors = fx.vectorDir(out, "h1").getParent();
    assertThat(FaultsIT.visibleVectors(out)).isEqualTo(cleanShas);
    Path resume = fx.root.resolve("two-finetunes.resume");
    try (MedvecProcess first =
        MedvecProcess.start(
            fx.root.resolve("two-finetunes-1.log"),
            List.of("-Dmedvec.fault.pause-before-commit=hospital=h1", resumeWhen(resume)),
            args("finetune", out, "finetune.hospitals=[h1]"))) {
      Path tmp = Path.of(java.net.URI.create(first.awaitLine(FaultsIT.PAUSED)));
      assertThat(tmp.resolve("vector.parquet")).as("the first writer's new vector").exists();
      try (MedvecProcess second =
          MedvecProcess.start(
              fx.root.resolve("two-finetunes-2.log"),
              List.of(),
              args("finetune", out, "finetune.hospitals=[h1]"))) {
        assertThat(second.await()).as(second.logTail()).isEqualTo(5);
        assertRefusedNaming(second, "finetune", "hospital=h1", first);
      }
      assertThat(tmp.resolve("vector.parquet")).as("the live writer's tmp is untouched").exists();
      assertThat(FaultsIT.visibleVectors(out))
          .as("the previous vector, whole")
          .isEqualTo(cleanShas);
      Files.createFile(resume);
      assertThat(first.await()).as(first.logTail()).isZero();
    }
    assertThat(FaultsIT.visibleVectors(out)).isEqualTo(cleanShas);
    assertThat(FaultsIT.hidden(vectors, "_")).as("no temp dir nor lease left").isEmpty();
    FaultsIT.rerunMergeEqualsCleanRun(out);
  }

  @Test
  void twoMergesOfOneRunStartedTogetherCommitOnceAndTheRecordMatchesTheModel() throws Exception {
    Path out = fx.copyOut("two-merges");
    Path merged = out.resolve("runs/fix/merged");
    SortedMap<String, String> previous = RobustFixture.snapshot(merged);
    String previousRecord = Files.readString(out.resolve("runs/fix/merge.json"));
    Path resume = fx.root.resolve("two-merges.resume");
    try (MedvecProcess first =
        MedvecProcess.start(
            fx.root.resolve("two-merges-1.log"),
            List.of("-Dmedvec.fault.pause-before-commit=merged", resumeWhen(resume)),
            args("merge", out, "merge.lambda=0.25"))) {
      first.awaitLine(FaultsIT.PAUSED);
      try (MedvecProcess second =
          MedvecProcess.start(fx.root.resolve("two-merges-2.log"), List.of(), args("merge", out))) {
        assertThat(second.await()).as(second.logTail()).isEqualTo(5);
        assertRefusedNaming(second, "merge", "runs/fix/merged", first);
      }
      assertThat(RobustFixture.snapshot(merged))
          .as("untouched by the refused merge")
          .isEqualTo(previous);
      assertThat(Files.readString(out.resolve("runs/fix/merge.json"))).isEqualTo(previousRecord);
      Files.createFile(resume);
      assertThat(first.await()).as(first.logTail()).isZero();
    }
    // the committed model and the result record are the first merge's, both with its lambda
    var record = Json.readTree(Files.readString(out.resolve("runs/fix/merge.json")), "merge.json");
    var manifest = Json.readTree(Files.readString(merged.resolve("manifest.json")), "manifest");
    assertThat(record.get("lambda").asDouble()).isEqualTo(0.25);
    assertThat(manifest.get("lambda").asDouble()).isEqualTo(0.25);
    assertThat(record.get("merged_fingerprint").asText())
        .isEqualTo(manifest.get("merged_fingerprint").asText());
    assertThat(FaultsIT.hidden(merged.getParent(), "_")).as("no temp dir nor lease left").isEmpty();
    FaultsIT.rerunMergeEqualsCleanRun(out); // a later merge works, and equals the clean run
  }

  @Test
  void aFineTuneListingOneHospitalTwiceIsRefusedAndKeepsTheStoreWhole() throws Exception {
    Path out = fx.copyOut("duplicate-hospital");
    try (MedvecProcess child =
        MedvecProcess.start(
            fx.root.resolve("duplicate-hospital.log"),
            List.of("-Dspark.master=local[2]"),
            args("finetune", out, "finetune.hospitals=[h1, h1]"))) {
      // the hospital-id rule refuses the list before Spark starts, so no second writer exists
      assertThat(child.await()).as(child.logTail()).isEqualTo(2);
      assertThat(child.logText())
          .contains("Invalid config key 'finetune.hospitals': hospital id 'h1' is listed twice");
    }
    assertThat(FaultsIT.visibleVectors(out)).as("h1's vector, whole").isEqualTo(cleanShas);
    FaultsIT.rerunMergeEqualsCleanRun(out);
  }

  /**
   * The refused job's one report line names the target, the holder and exit code 5 (Spark's own
   * executor log may print the task's stack trace above it).
   */
  private static void assertRefusedNaming(
      MedvecProcess refused, String job, String target, MedvecProcess holder) throws Exception {
    List<String> reports =
        refused.logText().lines().filter(l -> l.startsWith("medvec " + job + ": ")).toList();
    assertThat(reports)
        .singleElement()
        .asString()
        .startsWith("medvec " + job + ": Cannot write ")
        .contains(target + ": another job is writing it; retry after it ends")
        .contains("pid " + holder.process.pid())
        .contains("owner " + System.getProperty("user.name"))
        .contains(", since ")
        .contains(", expires ")
        .contains(WriterLease.PREFIX)
        .endsWith("(exit 5: target is being written by another job; retry after it ends)");
  }

  private static String resumeWhen(Path file) {
    return "-Dmedvec.fault.resume-file=" + file;
  }

  private static List<String> args(String command, Path out, String... overrides) {
    List<String> args = new ArrayList<>(FaultsIT.args(command, out));
    for (String kv : overrides) {
      args.addAll(List.of("--set", kv));
    }
    return args;
  }
}
