package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.TargetBusyException;
import io.medvec.core.vector.IncompatibleVectorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The store's failure probes, rerun: each is refused or handled and nothing is lost. Those an
 * existing test already reruns are not repeated here:
 *
 * <ul>
 *   <li>two fine-tunes of one hospital, two merges of one run (real processes), a hospital listed
 *       twice: {@code ConcurrentWritersIT};
 *   <li>a re-delivery between merge and evaluate, an output tree copied elsewhere, {@code
 *       vector_file} naming {@code ../…} or an absolute URI, a read-only output location, an empty
 *       validation split, a missing {@code bn-stats.parquet}, a small npz declaring more than the
 *       heap holds: {@code IdentityIT};
 *   <li>kill -9 while writing, a failed task attempt: {@code FaultsIT}.
 * </ul>
 *
 * Here: strangers in the store (merge and sql), {@code sql} writes through the command line, a
 * reserved hospital name through the command line, an empty public pool, and user errors inside
 * Spark tasks.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES, threadMode = ThreadMode.SEPARATE_THREAD)
class StoreProbesIT {

  static RobustFixture fx;
  static Map<String, String> cleanShas;

  @BeforeAll
  static void fixture() {
    fx = RobustFixture.get();
    FaultsIT.fx = fx; // its helpers read the shared fixture
    cleanShas =
        fx.result.finetune().hospitals().stream()
            .collect(
                Collectors.toMap(
                    HospitalFineTune.Outcome::hospital, HospitalFineTune.Outcome::vectorSha256));
  }

  /**
   * Names a reader cannot parse, next to every level it lists: skipped (one warning per scan),
   * never merged, never failing the job. The colon once made Hadoop's path parsing fail every merge
   * and every query; {@code hospital=a:b} even holds a complete copy of h1's vector.
   */
  @Test
  void strangersInTheStoreAreSkippedByMergeAndSql() throws IOException {
    Path out = fx.copyOut("strangers");
    Path base = fx.vectorDir(out, "h1").getParent();
    RobustFixture.copyTree(fx.vectorDir(out, "h1"), base.resolve("hospital=a:b"));
    Files.createDirectories(base.resolve("hospital=h 9"));
    Files.createDirectories(base.resolve("hospital=h9")); // no _SUCCESS: a writer at work
    Files.writeString(base.resolve("notes:1.txt"), "x");
    Files.createDirectories(out.resolve("vectors/base=not-a-fingerprint/hospital=h1"));
    RobustFixture.copyTree(out.resolve("runs/fix"), out.resolve("runs/run:1"));
    Files.writeString(out.resolve("runs/README"), "x");
    RobustFixture.copyTree(
        out.resolve("metrics/run_id=fix"), out.resolve("metrics/run_id=fix:copy"));
    Files.createDirectories(out.resolve("metrics/run_id="));
    Files.writeString(out.resolve("metrics/stray.parquet"), "not parquet");

    assertThat(FaultsIT.visibleVectors(out)).isEqualTo(cleanShas);
    FaultsIT.rerunMergeEqualsCleanRun(out); // exactly h0, h1, h2 merged, as in the clean run

    QueryMetricsJob sql =
        new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(out.toString(), 100));
    assertThat(sql.run("SELECT hospital FROM vectors ORDER BY hospital").rows())
        .containsExactly(List.of("h0"), List.of("h1"), List.of("h2"));
    assertThat(sql.run("SELECT run_id FROM merges").rows()).containsExactly(List.of("fix"));
    assertThat(sql.run("SELECT DISTINCT run_id FROM metrics").rows())
        .containsExactly(List.of("fix"));
    assertThat(sql.run("SELECT count(*) FROM metrics").rows().get(0).get(0))
        .isEqualTo(String.valueOf(fx.result.evaluate().rows().size()));
  }

  /**
   * The probe that replaced a committed metrics partition with zero rows: refused with exit 2,
   * naming the statement, before Spark runs it; the partition is byte-identical afterwards.
   */
  @Test
  void sqlInsertOverwriteDirectoryIsRefusedAndTheMetricsPartitionKept() throws Exception {
    Path out = fx.copyOut("sql-insert");
    Path partition = out.resolve("metrics/run_id=fix");
    SortedMap<String, String> before = RobustFixture.snapshot(out);
    String insert =
        "INSERT OVERWRITE DIRECTORY '"
            + partition
            + "' USING parquet SELECT * FROM metrics WHERE false";
    String hidden =
        "WITH m AS (SELECT * FROM metrics) INSERT OVERWRITE DIRECTORY '"
            + partition
            + "' USING parquet SELECT * FROM m WHERE false";
    for (String statement : List.of(insert, hidden)) {
      try (MedvecProcess child =
          MedvecProcess.start(
              fx.root.resolve("sql-insert-" + statement.length() + ".log"),
              List.of("-Dspark.master=local[1]"),
              List.of("sql", "--out", out.toString(), statement))) {
        assertThat(child.await()).as(child.logTail()).isEqualTo(2);
        assertThat(child.logText())
            .contains(
                "medvec sql: Cannot run statement: bin/medvec sql runs only read-only queries")
            .contains("this one is a command (InsertIntoDir), which writes or changes the session")
            .contains(partition.toString());
      }
    }
    assertThat(RobustFixture.snapshot(out)).as("the output tree").isEqualTo(before);
  }

  /** {@code public} is the coordinator's pool: refused before Spark starts, the store unchanged. */
  @Test
  void aReservedHospitalNameIsRefusedThroughTheCommandLine() throws Exception {
    Path out = fx.copyOut("reserved");
    SortedMap<String, String> before = RobustFixture.snapshot(out);
    List<String> args = new ArrayList<>(FaultsIT.args("finetune", out));
    args.addAll(List.of("--set", "finetune.hospitals=[h0, Public]"));
    try (MedvecProcess child =
        MedvecProcess.start(fx.root.resolve("reserved.log"), List.of(), args)) {
      assertThat(child.await()).as(child.logTail()).isEqualTo(2);
      assertThat(child.logText())
          .contains("Invalid config key 'finetune.hospitals': hospital id 'Public' is reserved");
    }
    assertThat(RobustFixture.snapshot(out)).isEqualTo(before);
  }

  /**
   * An empty public pool fails the pre-training that needs it before any training: the pipeline
   * before its first stage, the pre-train job before it builds a network; the output tree is
   * unchanged either way.
   */
  @Test
  void anEmptyPublicPoolIsRefusedBeforeAnyTraining() {
    Path fresh = fx.newDir("no-pool-pipeline");
    ConfigMap pipeline = fx.config(fresh, "partition.public-fraction=0");
    Throwable p =
        BadInputIT.refused(
            fresh,
            () ->
                new RunPipelineJob(SparkTests.spark(), RunPipelineJob.Config.from(pipeline)).run());
    assertThat(p)
        .hasMessage(
            "Cannot run the pipeline: partition.public-fraction leaves the public pool empty, and"
                + " pretraining trains on it (set partition.public-fraction > 0, or"
                + " pretrain.import) (0.0)");
    assertThat(ExitCode.of(p)).isEqualTo(ExitCode.BAD_INPUT);

    Path out = fx.newDir("no-pool");
    ConfigMap map = fx.config(out, "partition.public-fraction=0");
    BadInputIT.partition(map).run();
    Throwable e =
        BadInputIT.refused(
            out,
            () ->
                new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(map)).run());
    assertThat(e)
        .hasMessageStartingWith("Cannot pre-train: the public pool of ")
        .hasMessageContaining("runs/fix/partition")
        .hasMessageContaining("is empty, and pretraining trains on it");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  /**
   * A user error inside a Spark task keeps its exit code and one-line message, whether the task
   * returns it ({@link TaskOutcome}, as the fine-tune and evaluate jobs do) or throws it (the
   * driver reads the class named in Spark's "Lost task" text); a runtime failure stays exit 1.
   */
  @Test
  void aUserErrorInsideASparkTaskKeepsItsExitCode() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTests.spark().sparkContext());
    Map<Integer, ExitCode> expected =
        Map.of(
            2, ExitCode.BAD_CONFIG,
            3, ExitCode.BAD_INPUT,
            4, ExitCode.INCOMPATIBLE_VECTORS,
            5, ExitCode.TARGET_BUSY);
    for (Map.Entry<Integer, ExitCode> e : expected.entrySet()) {
      int code = e.getKey();
      Throwable returned =
          catchThrowable(
              () ->
                  TaskOutcome.values(
                      jsc.parallelize(List.of(0, 1), 2)
                          .map(i -> TaskOutcome.of(() -> i == 0 ? i : fail(code)))
                          .collect()));
      assertThat(ExitCode.of(returned)).as("returned by the task").isEqualTo(e.getValue());
      assertThat(JobMain.describe(returned))
          .startsWith("Cannot read task-input-" + code + ".npz: probe")
          .doesNotContain("\n");

      Throwable thrown =
          catchThrowable(() -> jsc.parallelize(List.of(1), 1).map(i -> fail(code)).collect());
      assertThat(thrown.getClass().getName()).isEqualTo("org.apache.spark.SparkException");
      assertThat(ExitCode.of(thrown)).as("thrown by the task").isEqualTo(e.getValue());
      assertThat(ExitCode.cause(thrown).orElseThrow().message())
          .startsWith("Cannot read task-input-" + code + ".npz: probe");
    }
    Throwable runtime =
        catchThrowable(
            () ->
                TaskOutcome.values(
                    jsc.parallelize(List.of(1), 1)
                        .map(
                            i ->
                                TaskOutcome.of(
                                    () -> {
                                      throw new IllegalStateException("broken invariant");
                                    }))
                        .collect()));
    assertThat(ExitCode.of(runtime)).isEqualTo(ExitCode.RUNTIME_FAILURE);
  }

  /** Throws the user error of exit code {@code code}, as a job's task would. */
  static Integer fail(int code) {
    String message = "Cannot read task-input-" + code + ".npz: probe (" + code + ")";
    throw switch (code) {
      case 2 -> new ConfigException(message);
      case 4 -> new IncompatibleVectorException(message);
      case 5 -> new TargetBusyException(message);
      default -> new IllegalArgumentException(message);
    };
  }
}
