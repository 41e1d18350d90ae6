package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bad-input catalog (docs/bad-input.md), one test per entry: each bad input is refused with a
 * message naming the file, key or value, classified to its documented exit code, and leaves the
 * output tree exactly as it was (snapshotted before and after).
 */
class BadInputIT {

  static RobustFixture fx;

  @BeforeAll
  static void fixture() {
    fx = RobustFixture.get();
  }

  /**
   * Runs {@code job} on {@code out} and returns its failure; asserts the tree under out is
   * unchanged.
   */
  static Throwable refused(Path out, Runnable job) {
    SortedMap<String, String> before = RobustFixture.snapshot(out);
    Throwable failure = catchThrowable(job::run);
    assertThat(failure).as("the job must refuse").isNotNull();
    assertThat(RobustFixture.snapshot(out)).as("output tree under " + out).isEqualTo(before);
    return failure;
  }

  static Runnable partition(ConfigMap map) {
    return () -> new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
  }

  static Runnable merge(ConfigMap map) {
    return () -> new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(map)).run();
  }

  Throwable partitionRefuses(String name, Path npz, String... overrides) {
    Path out = fx.copyOut(name);
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add("data.path=" + npz);
    return refused(out, partition(fx.config(out, all.toArray(String[]::new))));
  }

  // ---- npz ----

  @Test
  void missingNpz() {
    Path npz = fx.root.resolve("nowhere/pneumoniamnist.npz");
    Throwable e = partitionRefuses("missing-npz", npz);
    assertThat(e).hasMessageContaining("does not exist").hasMessageContaining(npz.toString());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void truncatedNpz() throws IOException {
    Path npz = fx.newDir("npz-truncated").resolve("pneumoniamnist.npz");
    byte[] whole = Files.readAllBytes(fx.data);
    Files.write(npz, Arrays.copyOf(whole, whole.length / 2));
    Throwable e = partitionRefuses("truncated-npz", npz);
    assertThat(e)
        .hasMessageContaining("corrupt or truncated npz")
        .hasMessageContaining(npz.toString());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void npzWithWrongKeys() {
    Path npz =
        fx.editNpz(
            "wrong-keys",
            entries -> {
              entries.put("train_imgs.npy", entries.remove("train_images.npy"));
              return entries;
            });
    Throwable e = partitionRefuses("wrong-keys", npz);
    assertThat(e)
        .hasMessageContaining(npz.toString())
        .hasMessageContaining("missing keys [train_images]")
        .hasMessageContaining("train_imgs");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void wrongImageShape() {
    Path npz =
        fx.editNpz(
            "wrong-shape",
            entries -> {
              byte[] pixels = RobustFixture.npyData(entries.get("train_images.npy"));
              entries.put(
                  "train_images.npy", RobustFixture.npyU1(pixels, 300, 28, 14, 2)); // two channels
              return entries;
            });
    Throwable e = partitionRefuses("wrong-shape", npz);
    assertThat(e)
        .hasMessageContaining(npz + " key train_images")
        .hasMessageContaining("(300, 28, 14, 2)")
        .hasMessageContaining("must have shape (N, H, W) or (N, H, W, 3)");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void labelsOutOfRange() {
    Path npz =
        fx.editNpz(
            "bad-label",
            entries -> {
              byte[] labels = RobustFixture.npyData(entries.get("val_labels.npy"));
              labels[7] = 5; // PneumoniaMNIST has classes 0 and 1
              entries.put("val_labels.npy", RobustFixture.npyU1(labels, labels.length, 1));
              return entries;
            });
    Throwable e = partitionRefuses("bad-label", npz);
    assertThat(e)
        .hasMessageContaining(npz.toString())
        .hasMessageContaining("val_labels label at index 7 must be < 2")
        .hasMessageContaining("(5)");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void emptyHospitalPartition() {
    // 240 examples after the public pool cannot give 20 hospitals their minimum of 20
    Throwable e =
        partitionRefuses("empty-hospital", fx.data, "partition.hospitals=20", "run-id=other");
    assertThat(e).hasMessageContaining("20 hospitals x minPerHospital 20 exceeds the 240 left");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    Path out = fx.copyOut("empty-hospital-finetune");
    Throwable h9 =
        refused(
            out,
            () ->
                new FineTuneVectorsJob(
                        SparkTests.spark(),
                        FineTuneVectorsJob.Config.from(fx.config(out, "finetune.hospitals=[h9]")))
                    .run());
    assertThat(h9)
        .hasMessageContaining("Cannot fine-tune hospital h9: it has no images")
        .hasMessageContaining("runs/fix/partition");
    assertThat(ExitCode.of(h9)).isEqualTo(ExitCode.BAD_INPUT);
  }

  // ---- configuration: refused before Spark starts ----

  static int main(Function<ConfigMap, ?> parse, String job, String... args) {
    return JobMain.execute(
        args,
        job,
        parse::apply,
        (spark, config) -> {
          throw new AssertionError("must not run");
        });
  }

  static Throwable configError(Function<ConfigMap, ?> parse, String job, String... args) {
    return catchThrowable(() -> JobMain.parseConfig(CliArgs.parse(args), job, parse::apply));
  }

  @Test
  void unknownConfigKey() {
    String[] args = {"--set", "merge.lamda=0.5"};
    assertThat(configError(MergeVectorsJob.Config::from, "merge", args))
        .hasMessageContaining("merge.lamda")
        .hasMessageContaining("did you mean 'merge.lambda'?")
        .hasMessageContaining("valid keys: [");
    assertThat(main(MergeVectorsJob.Config::from, "merge", args))
        .isEqualTo(ExitCode.BAD_CONFIG.code());
  }

  @Test
  void invalidConfigValue() {
    Map<String, Function<ConfigMap, ?>> parsers =
        Map.of(
            "merge.lambda=-1", MergeVectorsJob.Config::from,
            "partition.hospitals=0", PartitionDataJob.Config::from,
            "partition.alpha=0", PartitionDataJob.Config::from,
            "partition.alpha=-0.5", PartitionDataJob.Config::from,
            "merge.screening.mode=ignore", MergeVectorsJob.Config::from);
    parsers.forEach(
        (set, parse) -> {
          String key = set.substring(0, set.indexOf('='));
          String value = set.substring(set.indexOf('=') + 1);
          assertThat(configError(parse, "job", "--set", set))
              .as(set)
              .hasMessageContaining(key)
              .hasMessageContaining(value);
          assertThat(main(parse, "job", "--set", set))
              .as(set)
              .isEqualTo(ExitCode.BAD_CONFIG.code());
        });
  }

  // ---- data vectors: refused by the merge ----

  Path vectorsCopy(String name) {
    Path out = fx.copyOut(name);
    RobustFixture.deleteTree(out.resolve("runs/fix/merged")); // a refused merge must not create one
    return out;
  }

  static VectorManifest manifest(Path vectorDir) throws IOException {
    Path file = vectorDir.resolve("manifest.json");
    return Json.read(Files.readString(file), VectorManifest.class, file.toString());
  }

  /** Replaces a manifest the way a tool outside Hadoop would: no .crc side file to match. */
  static void writeManifest(Path vectorDir, VectorManifest m) throws IOException {
    Files.writeString(vectorDir.resolve("manifest.json"), Json.write(m));
    Files.delete(vectorDir.resolve(".manifest.json.crc"));
  }

  Throwable mergeRefuses(Path out) {
    return refused(out, merge(fx.config(out)));
  }

  @Test
  void vectorForAnotherBase() throws IOException {
    Path out = vectorsCopy("other-base");
    Path h1 = fx.vectorDir(out, "h1");
    VectorManifest m = manifest(h1);
    String other = "ab".repeat(32);
    writeManifest(
        h1,
        new VectorManifest(
            m.format(),
            m.hospital(),
            m.dataset(),
            m.runId(),
            other,
            m.examples(),
            m.labelCounts(),
            m.layout(),
            m.bnStatsLayout(),
            m.training(),
            m.vectorFile(),
            m.vectorSha256(),
            m.bnStatsFile(),
            m.bnStatsSha256(),
            m.createdAt()));
    Throwable e = mergeRefuses(out);
    assertThat(e)
        .hasMessageContaining(h1.resolve("manifest.json").toString())
        .hasMessageContaining("built on base " + other)
        .hasMessageContaining("expected " + fx.fingerprint());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.INCOMPATIBLE_VECTORS);
  }

  /**
   * Re-publishes h1's vector with {@code edit} applied to its values (a valid checksum: a sender's
   * bug).
   */
  void republish(Path out, java.util.function.Consumer<float[]> edit) {
    Configuration conf = new Configuration();
    VectorStore store =
        new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));
    StoredVector v =
        store.open(HadoopFiles.qualify(conf, fx.vectorDir(out, "h1").toString()), fx.fingerprint());
    float[] delta = store.readDelta(v);
    edit.accept(delta);
    store.write(v.manifest(), delta, store.readBnStats(v));
  }

  @Test
  void vectorContainingNanOrInf() {
    Path out = vectorsCopy("nan");
    republish(out, d -> d[5] = Float.NaN);
    Throwable e = mergeRefuses(out);
    assertThat(e)
        .hasMessageContaining(fx.vectorDir(out, "h1").resolve("vector.parquet").toString())
        .hasMessageContaining("element 5 is NaN");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    Path inf = vectorsCopy("inf");
    republish(inf, d -> d[9] = Float.NEGATIVE_INFINITY);
    Throwable off =
        refused(inf, merge(fx.config(inf, "merge.screening.mode=off"))); // the streaming sum too
    assertThat(off).hasMessageContaining("element 9 is -Infinity");
    assertThat(ExitCode.of(off)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void vectorWithAnotherLayout() throws IOException {
    Path out = vectorsCopy("layout");
    Path h1 = fx.vectorDir(out, "h1");
    VectorManifest m = manifest(h1);
    List<TensorSpec> tensors = new ArrayList<>(m.layout().tensors());
    TensorSpec first = tensors.get(0);
    List<Long> shape =
        first.shape().size() == 1
            ? List.of(1L, first.length())
            : List.of(first.length()); // same size
    tensors.set(0, new TensorSpec(first.name(), shape, first.offset(), first.length()));
    writeManifest(
        h1,
        new VectorManifest(
            m.format(),
            m.hospital(),
            m.dataset(),
            m.runId(),
            m.baseFingerprint(),
            m.examples(),
            m.labelCounts(),
            new VectorLayout(tensors),
            m.bnStatsLayout(),
            m.training(),
            m.vectorFile(),
            m.vectorSha256(),
            m.bnStatsFile(),
            m.bnStatsSha256(),
            m.createdAt()));
    Throwable e = mergeRefuses(out);
    assertThat(e)
        .hasMessageContaining(h1.toString())
        .hasMessageContaining("parameter layout")
        .hasMessageContaining(first.name() + shape);
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.INCOMPATIBLE_VECTORS);
  }

  @Test
  void truncatedParquetVector() throws IOException {
    Path out = vectorsCopy("truncated-parquet");
    Path file = fx.vectorDir(out, "h1").resolve("vector.parquet");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    Files.delete(
        file.resolveSibling(".vector.parquet.crc")); // truncated outside Hadoop (e.g. a cut upload)
    Throwable e = mergeRefuses(out);
    assertThat(e).hasMessageContaining(file.toString()).hasMessageContaining("Parquet");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void fileNotMatchingItsHadoopChecksum() throws IOException {
    Path out = vectorsCopy("stale-crc");
    Path file = fx.vectorDir(out, "h1").resolve("manifest.json");
    Files.writeString(
        file, Files.readString(file).replace("\"examples\"", "\"examples\" ")); // .crc left stale
    Throwable e = mergeRefuses(out);
    assertThat(JobMain.describe(e)).contains(file.toString()).contains("Checksum error");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void checksumMismatch() throws IOException {
    Path out = vectorsCopy("sha");
    Path h1 = fx.vectorDir(out, "h1");
    VectorManifest m = manifest(h1);
    String wrong = "0".repeat(64);
    writeManifest(h1, m.withFiles(m.vectorFile(), wrong, m.bnStatsFile(), m.bnStatsSha256()));
    Throwable e = mergeRefuses(out);
    assertThat(e)
        .hasMessageContaining(h1.resolve("vector.parquet").toString())
        .hasMessageContaining("does not match manifest " + wrong)
        .hasMessageContaining(m.vectorSha256());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void missingManifest() throws IOException {
    Path out = vectorsCopy("no-manifest");
    Path h1 = fx.vectorDir(out, "h1");
    Files.delete(h1.resolve("manifest.json"));
    Throwable e = mergeRefuses(out);
    assertThat(e)
        .hasMessageContaining("its manifest is missing")
        .hasMessageContaining(h1.resolve("manifest.json").toString());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void twoVectorsClaimTheSameHospital() {
    Path out = vectorsCopy("duplicate");
    RobustFixture.copyTree(fx.vectorDir(out, "h1"), fx.vectorDir(out, "h1-again"));
    Throwable e = mergeRefuses(out);
    assertThat(e)
        .hasMessageContaining("two vectors claim hospital h1")
        .hasMessageContaining("hospital=h1 from run fix")
        .hasMessageContaining("hospital=h1-again from run fix");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.INCOMPATIBLE_VECTORS);
  }

  // ---- outputs ----

  @Test
  void outputHoldingAnotherRunsData() throws IOException {
    Path out = fx.copyOut("collision");
    Throwable e = refused(out, partition(fx.config(out, "partition.seed=99")));
    assertThat(e)
        .hasMessageContaining("Cannot write run fix")
        .hasMessageContaining("runs/fix/partition")
        .hasMessageContaining("/spec")
        .hasMessageContaining("overwrite=true");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG);
    // the same inputs may rerun, and overwrite=true replaces the run on purpose
    Path json = out.resolve("runs/fix/partition/partition.json");
    Path assignment = out.resolve("runs/fix/partition/assignment.parquet");
    String before = RobustFixture.sha256(Files.readAllBytes(assignment));
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(fx.config(out))).run();
    assertThat(RobustFixture.sha256(Files.readAllBytes(assignment))).isEqualTo(before);
    assertThat(Files.readString(json)).contains("\"seed\" : 3");
    new PartitionDataJob(
            SparkTests.spark(),
            PartitionDataJob.Config.from(fx.config(out, "partition.seed=99", "overwrite=true")))
        .run();
    assertThat(Files.readString(json)).contains("\"seed\" : 99");
  }

  @Test
  void unreachableNamenode() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    } // closed: nothing listens there now
    String out = "hdfs://127.0.0.1:" + port + "/medvec";
    ConfigMap map = fx.config(fx.root, "out=" + out);
    long start = System.nanoTime();
    Throwable e = catchThrowable(partition(map)::run);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(e).hasMessageContaining(out);
    assertThat(JobMain.describe(e))
        .contains("127.0.0.1:" + port)
        .containsIgnoringCase("connection refused");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.RUNTIME_FAILURE);
    assertThat(seconds).as("seconds until the failure").isLessThan(8);
  }
}
