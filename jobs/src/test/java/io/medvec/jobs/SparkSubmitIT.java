package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.io.Json;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the shaded application jar the way a cluster does: through Spark's own {@code
 * org.apache.spark.deploy.SparkSubmit} in a child JVM whose class path is Spark's jars (the {@code
 * provided} scope) and nothing of ours but {@code medvec-jobs-VERSION-app.jar}. Checks outputs and
 * the exit codes Airflow sees.
 */
class SparkSubmitIT {

  static final Path APP_JAR =
      Path.of(System.getProperty("medvec.app.jar", "target/medvec-jobs-app.jar"));
  static final Path SPARK_CLASSPATH =
      Path.of(System.getProperty("medvec.spark.classpath", "target/classpath-provided.txt"));
  static final long TIMEOUT_MINUTES = 10;

  @TempDir static Path tmp;
  static Path data;
  static Path out;
  static Path config;
  static Run pipeline;

  record Run(int exitCode, String stdout, String stderr, double seconds) {}

  @BeforeAll
  static void submitPipeline() throws IOException {
    data = SparkTests.subset("pneumoniamnist", tmp, 400, 100, 100);
    out = tmp.resolve("out");
    config = tmp.resolve("submit.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "run-id: submit",
            "out: " + out,
            "data: {path: " + data + "}",
            "partition: {public-fraction: 0.2, hospitals: 2, mode: iid, seed: 3, min-per-hospital: 20}",
            "model: {conv-filters: [4, 8], dense-units: 16}",
            "pretrain: {epochs: 1, batch-size: 32}",
            "finetune: {epochs: 1, batch-size: 32}",
            "merge: {lambda-grid: [0.5, 1.0]}",
            "evaluate: {partitions: 2}",
            ""));
    pipeline = submit("local[2]", "RunPipelineJob", List.of(), "--config", config.toString());
  }

  @Test
  void appJarHoldsOurCodeAndNd4jButNeitherSparkNorHadoop() throws IOException {
    try (ZipFile jar = new ZipFile(APP_JAR.toFile())) {
      assertThat(jar.getEntry("io/medvec/jobs/RunPipelineJob.class")).isNotNull();
      assertThat(jar.getEntry("io/medvec/core/merge/VectorSum.class")).isNotNull();
      String backends =
          new String(
              jar.getInputStream(
                      jar.getEntry("META-INF/services/org.nd4j.linalg.factory.Nd4jBackend"))
                  .readAllBytes(),
              StandardCharsets.UTF_8);
      assertThat(backends).contains("org.nd4j.linalg.cpu.nativecpu.CpuBackend");
      List<String> names = jar.stream().map(e -> e.getName()).toList();
      assertThat(names)
          .filteredOn(
              n ->
                  n.startsWith("org/apache/spark/")
                      || n.startsWith("org/apache/hadoop/")
                      || n.startsWith("org/apache/parquet/")
                      || n.startsWith("com/fasterxml/jackson/databind/")
                      || n.startsWith("scala/"))
          .isEmpty();
      assertThat(names).filteredOn(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)")).isEmpty();
      assertThat(names).filteredOn(n -> n.endsWith("libnd4jcpu.so")).hasSize(1);
    }
  }

  @Test
  void pipelineRunsThroughSparkSubmitAndExitsZero() throws IOException {
    assertThat(pipeline.exitCode()).as(pipeline.stderr()).isZero();
    assertThat(pipeline.stdout()).contains("model_kind").contains("merged       merged     test");
    assertThat(out.resolve("metrics/run_id=submit/_SUCCESS")).exists();
    assertThat(out.resolve("runs/submit/merged/_SUCCESS")).exists();
    Map<?, ?> merged =
        Json.read(
            Files.readString(out.resolve("runs/submit/merged/manifest.json")),
            Map.class,
            "manifest");
    assertThat((List<?>) merged.get("vectors")).hasSize(2);
    try (Stream<Path> bases = Files.list(out.resolve("vectors"))) {
      Path base = bases.findFirst().orElseThrow();
      assertThat(base.resolve("hospital=h0/_SUCCESS")).exists();
      assertThat(base.resolve("hospital=h1/_SUCCESS")).exists();
    }
  }

  /**
   * What a person reads at default verbosity: one line per stage start and end, the epoch lines,
   * the outputs, and the results table last; job result records and the configuration stay in their
   * files (or --verbose). {@code bin/medvec demo} is this run with K=4 and 5 epochs each.
   */
  @Test
  void pipelineConsoleOutputIsShortAndEndsWithTheResultsTable() {
    List<String> stdout = pipeline.stdout().lines().toList();
    List<String> stderr = pipeline.stderr().lines().toList();
    String both = pipeline.stderr() + pipeline.stdout();
    assertThat(stdout.size() + stderr.size()).as(both).isLessThanOrEqualTo(40);
    assertThat(stderr)
        .as(both)
        .anyMatch(
            l ->
                l.matches(
                    "\\d\\d:\\d\\d:\\d\\d hospital h1 epoch 1/1: loss \\d+\\.\\d{4} \\(.*\\)"))
        .anyMatch(
            l ->
                l.matches(
                    "\\d\\d:\\d\\d:\\d\\d evaluate done in [0-9.]+ s: .*/runs/submit/evaluate.json"))
        .noneMatch(
            l ->
                l.contains("effective configuration")
                    || l.startsWith("{")
                    || l.startsWith("\tat "));
    int header =
        stdout.indexOf(
            stdout.stream().filter(l -> l.startsWith("model_kind")).findFirst().orElseThrow());
    // pretrained, two single sites and merged, on val and test
    assertThat(stdout.subList(header + 1, stdout.size()))
        .as(both)
        .hasSize(8)
        .allMatch(
            l ->
                l.matches(
                    "\\S+\\s+\\S+\\s+(val|test)\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d+"));
    assertThat(stdout)
        .anyMatch(
            l -> l.startsWith("outputs: run ") && l.contains("/runs/submit/merged/model.zip"));
  }

  @Test
  void badConfigExitsWithTwoBeforeSparkStartsSayingSoInOneLine() {
    Run run =
        submit(
            "local[2]",
            "MergeVectorsJob",
            List.of(),
            "--out",
            out.toString(),
            "--set",
            "merge.lamda=1");
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(run.stderr().lines().filter(l -> !l.isBlank()).toList())
        .as(run.stderr())
        .singleElement()
        .asString()
        .startsWith(
            "medvec merge: Unknown config key 'merge.lamda' (in --set merge.lamda=1; did you mean"
                + " 'merge.lambda'?)")
        .endsWith("(exit 2: bad command line or configuration)");
  }

  @Test
  void helpExitsZeroListingTheJobsConfigKeys() {
    Run run = submit("local[2]", "FineTuneVectorsJob", List.of(), "--help");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .startsWith("Usage: medvec finetune")
        .contains("--run-id=ID")
        .contains("    finetune.epochs: 5\n")
        .contains("    finetune.dp.enabled: false\n");
  }

  @Test
  void missingDataExitsWithThree() {
    Path missing = tmp.resolve("no-such.npz");
    Run run =
        submit(
            "local[2]",
            "PartitionDataJob",
            List.of(),
            "--out",
            out.toString(),
            "--run-id",
            "missing",
            "--data",
            missing.toString());
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(ExitCode.BAD_INPUT.code());
    assertThat(run.stderr()).contains("no-such.npz");
  }

  /**
   * Standalone-cluster code paths in one machine: two workers, executors launched from a SPARK_HOME
   * assembled out of the Maven class path, the app jar shipped to them, and Spark's GPU scheduling
   * with a fake discovery script (no GPU here): each fine-tune task must see the GPU address its
   * executor was given and, on the CPU backend, not bind it.
   */
  @Test
  void fineTuneRunsOnLocalClusterExecutorsAndSeesTheirGpuAddress() throws IOException {
    Path copy = tmp.resolve("cluster-out");
    copyTree(out, copy);
    Path discovery = tmp.resolve("fake-gpus.sh");
    Files.writeString(discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
    assertThat(discovery.toFile().setExecutable(true)).isTrue();
    List<String> conf =
        List.of(
            "spark.executor.memory=1g",
            "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxphysicalbytes=3G",
            "spark.executorEnv.OMP_NUM_THREADS=1",
            "spark.worker.resource.gpu.amount=1",
            "spark.worker.resource.gpu.discoveryScript=" + discovery,
            "spark.executor.resource.gpu.amount=1",
            "spark.task.resource.gpu.amount=1");
    Run run =
        submit(
            "local-cluster[2,1,2048]",
            "FineTuneVectorsJob",
            conf,
            "--out",
            copy.toString(),
            "--run-id",
            "submit",
            "--data",
            data.toString(),
            "--set",
            "finetune.epochs=1",
            "--set",
            "finetune.batch-size=32");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Map<?, ?> result =
        Json.read(
            Files.readString(copy.resolve("runs/submit/finetune.json")), Map.class, "finetune");
    List<?> hospitals = (List<?>) result.get("hospitals");
    assertThat(hospitals)
        .hasSize(2)
        .allSatisfy(
            h ->
                assertThat(((Map<?, ?>) h).get("device"))
                    .isEqualTo("gpu 0 assigned, not bound (ND4J CPU backend)"));
  }

  /**
   * {@code SparkSubmit --master MASTER --class io.medvec.jobs.JOB [--conf c]... APP_JAR ARGS} in a
   * child JVM.
   */
  static Run submit(String master, String job, List<String> conf, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.addAll(Arrays.asList(System.getProperty("medvec.java17.opens", "").trim().split("\\s+")));
    cmd.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=4G");
    cmd.add(
        "-Dlog4j2.configurationFile="
            + Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize());
    cmd.addAll(List.of("-cp", sparkClassPath(), "org.apache.spark.deploy.SparkSubmit"));
    cmd.addAll(List.of("--master", master, "--class", "io.medvec.jobs." + job));
    cmd.addAll(
        List.of("--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2"));
    conf.forEach(c -> cmd.addAll(List.of("--conf", c)));
    cmd.add(APP_JAR.toAbsolutePath().toString());
    cmd.addAll(Arrays.asList(args));
    return exec(cmd, master.startsWith("local-cluster") ? sparkHome() : null);
  }

  static Run exec(List<String> cmd, Path sparkHome) {
    String name =
        cmd.get(cmd.indexOf("--class") + 1).replace("io.medvec.jobs.", "")
            + "-"
            + System.nanoTime();
    File stdout = tmp.resolve(name + ".out").toFile();
    File stderr = tmp.resolve(name + ".err").toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout).redirectError(stderr);
    Map<String, String> env = pb.environment();
    env.remove("MEDVEC_HOME");
    env.remove("MEDVEC_DATA");
    env.put("OMP_NUM_THREADS", "1");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    if (sparkHome == null) {
      env.remove("SPARK_HOME");
    } else {
      env.put("SPARK_HOME", sparkHome.toString());
      // bin/load-spark-env.sh sets it in a distribution; without it the launcher that builds
      // executor commands looks for a source build ("Cannot find any build directories")
      env.put("SPARK_SCALA_VERSION", "2.13");
    }
    long start = System.nanoTime();
    try {
      Process p = pb.start();
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(
            "spark-submit "
                + name
                + " did not finish in "
                + TIMEOUT_MINUTES
                + " min: "
                + Files.readString(stderr.toPath()));
      }
      return new Run(
          p.exitValue(),
          Files.readString(stdout.toPath()),
          Files.readString(stderr.toPath()),
          (System.nanoTime() - start) / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for spark-submit " + name, e);
    }
  }

  static String sparkClassPath() {
    try {
      return Files.readString(SPARK_CLASSPATH).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read Spark's class path (mvn package writes it): " + SPARK_CLASSPATH, e);
    }
  }

  /**
   * A minimal Spark distribution for local-cluster workers, which launch executors as {@code java
   * -cp SPARK_HOME/jars/*}: {@code jars/} (links to the provided-scope jars) and a {@code RELEASE}
   * file (without it the launcher looks for a source build's assembly directory).
   */
  static Path sparkHome() {
    return io.medvec.jobs.spark.SparkHome.assemble(
        APP_JAR.toAbsolutePath().getParent().resolve("spark-home"),
        sparkClassPath(),
        "Spark (jars assembled by SparkSubmitIT from the Maven class path)");
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
