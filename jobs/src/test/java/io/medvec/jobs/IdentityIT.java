package io.medvec.jobs;

import static io.medvec.jobs.BadInputIT.manifest;
import static io.medvec.jobs.BadInputIT.merge;
import static io.medvec.jobs.BadInputIT.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity, untrusted manifests and validation before work (docs/bad-input.md): each refusal names
 * the file and field or value, maps to its documented exit code and leaves the output tree as it
 * was; evaluate scores exactly the vectors the merge used, in the output tree it is pointed at.
 */
class IdentityIT {

  static RobustFixture fx;

  @BeforeAll
  static void fixture() {
    fx = RobustFixture.get();
  }

  static Runnable evaluate(ConfigMap map) {
    return () ->
        new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(map)).run();
  }

  static Runnable finetune(ConfigMap map) {
    return () ->
        new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(map)).run();
  }

  /** A copy of the fixture without its merge, for merges that must be refused. */
  Path vectorsCopy(String name) {
    Path out = fx.copyOut(name);
    RobustFixture.deleteTree(out.resolve("runs/fix/merged"));
    return out;
  }

  /** Edits a JSON file as a tool outside Hadoop would (no .crc left to match). */
  static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(Files.readString(file));
    edit.accept(tree);
    Files.writeString(file, tree.toPrettyString());
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  Path h(Path out, String hospital) {
    return fx.vectorDir(out, hospital);
  }

  // ---- manifests are untrusted input ----

  @Test
  void aVectorFileOutsideItsDirectoryIsRefused() throws IOException {
    for (String name :
        List.of(
            "../hospital=h0/vector.parquet",
            "file:" + fx.vectorDir(fx.out, "h0") + "/vector.parquet")) {
      Path out = vectorsCopy("escape-" + Math.abs(name.hashCode()));
      Path manifest = h(out, "h1").resolve("manifest.json");
      editJson(manifest, t -> t.put("vector_file", name));
      Throwable e = refused(out, merge(fx.config(out)));
      assertThat(e)
          .hasMessageContaining("Cannot use data-vector manifest ")
          .hasMessageContaining(manifest.toString())
          .hasMessageContaining(
              "field vector_file must name a file in the manifest's own directory")
          .hasMessageContaining("(" + name + ")");
      assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    }
  }

  @Test
  void aManifestFieldOfTheWrongTypeOrRangeIsRefusedNamingFileAndField() throws IOException {
    Path out = vectorsCopy("bad-field");
    Path manifest = h(out, "h1").resolve("manifest.json");
    editJson(manifest, t -> ((ObjectNode) t.get("training")).put("learning_rate", "fast"));
    Throwable e = refused(out, merge(fx.config(out)));
    assertThat(e)
        .hasMessageContaining("Cannot read VectorManifest from ")
        .hasMessageContaining(manifest.toString())
        .hasMessageContaining("field training.learning_rate");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void twoVectorsWithTheSameContentAreRefused() throws IOException {
    Path out = vectorsCopy("same-content");
    Path h0 = h(out, "h0");
    Path h1 = h(out, "h1");
    // h1 re-publishes h0's delta as its own, with its own (valid) manifest
    for (String f :
        List.of(
            "vector.parquet", ".vector.parquet.crc", "bn-stats.parquet", ".bn-stats.parquet.crc")) {
      Files.copy(h0.resolve(f), h1.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    VectorManifest m0 = manifest(h0);
    VectorManifest m1 = manifest(h1);
    BadInputIT.writeManifest(
        h1, m1.withFiles(m1.vectorFile(), m0.vectorSha256(), m1.bnStatsFile(), m0.bnStatsSha256()));
    Throwable e = refused(out, merge(fx.config(out)));
    assertThat(e)
        .hasMessageContaining("hospitals h0 and h1 published the same delta")
        .hasMessageContaining("count its data twice")
        .hasMessageContaining(m0.vectorSha256());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.INCOMPATIBLE_VECTORS);
  }

  @Test
  void anExampleCountAboveThePartitionIsRefusedAndTheBoundIsReported() throws IOException {
    assertThat(fx.result.merge().vectors())
        .allSatisfy(
            v -> {
              assertThat(v.examplesBoundBy()).isEqualTo("partition");
              assertThat(v.examples()).isLessThanOrEqualTo(v.examplesBound()).isPositive();
              assertThat(v.dir())
                  .isEqualTo("vectors/base=" + fx.fingerprint() + "/hospital=" + v.hospital());
              assertThat(v.bnStatsSha256()).hasSize(64);
            });
    Path out = vectorsCopy("examples");
    Path manifest = h(out, "h1").resolve("manifest.json");
    editJson(
        manifest,
        t -> {
          long claimed = 1_000_000;
          ArrayNode counts = (ArrayNode) t.get("label_counts");
          long rest = 0;
          for (int i = 1; i < counts.size(); i++) {
            rest += counts.get(i).asLong();
          }
          counts.set(0, claimed - rest);
          t.put("examples", claimed);
        });
    Throwable e = refused(out, merge(fx.config(out, "merge.strategy=weighted-sum")));
    assertThat(e)
        .hasMessageContaining("Cannot merge data vector ")
        .hasMessageContaining(manifest.toString())
        .hasMessageContaining("more examples than hospital h1 has in")
        .hasMessageContaining("runs/fix/partition")
        .hasMessageContaining("(1000000 > ");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    // a vector of another run is bounded by merge.max-examples
    editJson(manifest, t -> t.put("run_id", "elsewhere"));
    Throwable cap = refused(out, merge(fx.config(out, "merge.max-examples=999999")));
    assertThat(cap)
        .hasMessageContaining("more examples than merge.max-examples allows (1000000 > 999999)");
  }

  // ---- identity, not location ----

  @Test
  void aReDeliveryBetweenMergeAndEvaluateIsRefused() {
    Path out = fx.copyOut("redelivery");
    Configuration conf = new Configuration();
    VectorStore store =
        new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));
    StoredVector v =
        store.open(HadoopFiles.qualify(conf, h(out, "h1").toString()), fx.fingerprint());
    float[] delta = store.readDelta(v);
    delta[0] += 0.25f;
    store.write(v.manifest(), delta, store.readBnStats(v)); // a valid new delivery
    Throwable e = refused(out, evaluate(fx.config(out)));
    assertThat(e)
        .hasMessageContaining("Cannot use the vector of hospital h1 as merged")
        .hasMessageContaining("now holds another delivery")
        .hasMessageContaining("used " + v.manifest().vectorSha256())
        .hasMessageContaining("rerun merge");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.INCOMPATIBLE_VECTORS);
  }

  @Test
  void anOutputTreeMovedElsewhereEvaluatesAgainstItsOwnFiles() throws IOException {
    Path moved = fx.copyOut("to-move");
    Path elsewhere = fx.root.resolve("moved-elsewhere");
    Files.move(moved, elsewhere);
    // a manifest as older merges wrote it: absolute locations in another tree, whose h1 differs
    Path decoy = fx.copyOut("decoy");
    Configuration conf = new Configuration();
    VectorStore decoyStore =
        new VectorStore(conf, HadoopFiles.qualify(conf, decoy.resolve("vectors").toString()));
    StoredVector d =
        decoyStore.open(HadoopFiles.qualify(conf, h(decoy, "h1").toString()), fx.fingerprint());
    float[] delta = decoyStore.readDelta(d);
    delta[1] -= 0.5f;
    decoyStore.write(d.manifest(), delta, decoyStore.readBnStats(d));
    Path mergeManifest = elsewhere.resolve("runs/fix/merged/manifest.json");
    editJson(
        mergeManifest,
        t -> {
          for (var used : t.get("vectors")) {
            String hospital = used.get("hospital").asText();
            ((ObjectNode) used)
                .put("dir", HadoopFiles.qualify(conf, h(decoy, hospital).toString()).toString());
          }
        });

    EvaluateModelsJob.Result result = evaluate(elsewhere);

    assertThat(result.table())
        .startsWith(HadoopFiles.qualify(conf, elsewhere.toString()).toString());
    assertThat(result.rows())
        .filteredOn(r -> r.modelKind().equals("single_site") && r.metric().equals("auc"))
        .extracting(EvaluateModelsJob.MetricRow::modelId)
        .containsOnly("h0", "h1", "h2");
    // the scores are those of the fixture's own vectors, not the decoy's re-delivered h1
    assertThat(singleSite(result, "h1")).isEqualTo(singleSite(fx.result.evaluate(), "h1"));
  }

  EvaluateModelsJob.Result evaluate(Path out) {
    return new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(fx.config(out)))
        .run();
  }

  static List<Double> singleSite(EvaluateModelsJob.Result result, String hospital) {
    return result.rows().stream()
        .filter(r -> r.modelKind().equals("single_site") && r.modelId().equals(hospital))
        .map(EvaluateModelsJob.MetricRow::value)
        .toList();
  }

  // ---- validate before work ----

  @Test
  void anOutputLocationThatCannotBeWrittenIsRefusedBeforeTraining() throws Exception {
    Path file = Files.writeString(fx.newDir("out-is-file").resolve("plain-file"), "x");
    Path under = file.resolve("out");
    Throwable e = refused(file.getParent(), finetune(fx.config(under, "base=" + fx.fingerprint())));
    assertThat(e).hasMessageContaining("plain-file is a file, not a directory");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG);

    Path out = fx.copyOut("read-only");
    Path base = out.resolve("vectors/base=" + fx.fingerprint());
    immutable(base, true);
    try {
      long start = System.nanoTime();
      Throwable ro = refused(out, finetune(fx.config(out)));
      assertThat(ro)
          .hasMessageContaining(
              "Cannot write " + HadoopFiles.qualify(new Configuration(), base.toString()))
          .hasMessageContaining("the output location is not writable");
      assertThat(ExitCode.of(ro)).isEqualTo(ExitCode.BAD_CONFIG);
      assertThat((System.nanoTime() - start) / 1e9).as("seconds until refused").isLessThan(30);
    } finally {
      immutable(base, false);
    }
  }

  /**
   * Read-only for root too: permission bits, and the immutable attribute where they do not bind.
   */
  static void immutable(Path dir, boolean on) throws Exception {
    dir.toFile().setWritable(!on, false);
    Process p = new ProcessBuilder("chattr", on ? "+i" : "-i", dir.toString()).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    if (on) {
      assertThat(Files.isWritable(dir) && canCreate(dir)).as(dir + " is read-only").isFalse();
    }
  }

  static boolean canCreate(Path dir) {
    try {
      Files.delete(Files.createFile(dir.resolve("probe")));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  Path emptyValidationNpz() {
    return fx.editNpz(
        "empty-val",
        entries -> {
          entries.put("val_images.npy", RobustFixture.npyU1(new byte[0], 0, 28, 28));
          entries.put("val_labels.npy", RobustFixture.npyU1(new byte[0], 0, 1));
          return entries;
        });
  }

  @Test
  void anEmptyValidationSplitIsRefusedBeforeAnyTraining() {
    Path npz = emptyValidationNpz();
    Path out = vectorsCopy("empty-val");
    Throwable e = refused(out, merge(fx.config(out, "data.path=" + npz)));
    assertThat(e)
        .hasMessageContaining("Cannot merge: the val split of ")
        .hasMessageContaining(npz.toString())
        .hasMessageContaining("is empty, and merge scores every candidate on it");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    // the pipeline refuses before its first stage
    Path fresh = fx.root.resolve("empty-val-pipeline");
    ConfigMap map = fx.config(fresh, "data.path=" + npz);
    Throwable pipeline =
        refused(
            fresh,
            () -> new RunPipelineJob(SparkTests.spark(), RunPipelineJob.Config.from(map)).run());
    assertThat(pipeline).hasMessageContaining("Cannot run the pipeline: the val split of ");
    assertThat(ExitCode.of(pipeline)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void aFileTheChosenModesNeedIsRefusedWhenMissingBeforeAnyWork() throws IOException {
    Path out = vectorsCopy("no-bn-stats");
    Path bn = h(out, "h1").resolve("bn-stats.parquet");
    Files.delete(bn);
    Files.delete(bn.resolveSibling(".bn-stats.parquet.crc"));
    Throwable e = refused(out, merge(fx.config(out, "merge.bn-stats=average")));
    assertThat(e)
        .hasMessageContaining("bn-stats.parquet is missing, and merge.bn-stats=average reads it")
        .hasMessageContaining(bn.toString());
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);

    Path noDelta = vectorsCopy("no-delta");
    Path delta = h(noDelta, "h2").resolve("vector.parquet");
    Files.delete(delta);
    Throwable d = refused(noDelta, merge(fx.config(noDelta)));
    assertThat(d)
        .hasMessageContaining("vector.parquet is missing, and its delta is needed by every merge")
        .hasMessageContaining(delta.toString());
    assertThat(ExitCode.of(d)).isEqualTo(ExitCode.BAD_INPUT);

    Path eval = fx.copyOut("no-bn-stats-eval");
    Path evalBn = h(eval, "h0").resolve("bn-stats.parquet");
    Files.delete(evalBn);
    Throwable ev = refused(eval, evaluate(fx.config(eval)));
    assertThat(ev)
        .hasMessageContaining(
            "bn-stats.parquet is missing, and evaluate rebuilds the single-site model from it");
    assertThat(ExitCode.of(ev)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void anNpzDeclaringMoreThanTheHeapHoldsIsRefusedNamingFileAndEntry() {
    Path npz =
        fx.editNpz(
            "forged-shape",
            entries -> {
              byte[] header = RobustFixture.npyU1(new byte[0], 100_000_000, 28, 28);
              entries.put("train_images.npy", header); // 78 GB declared, no data
              return entries;
            });
    Path out = fx.copyOut("forged-shape");
    Throwable e = refused(out, BadInputIT.partition(fx.config(out, "data.path=" + npz)));
    assertThat(e)
        .hasMessageContaining(npz + " key train_images")
        .hasMessageContaining("zip entry train_images.npy declares 78400000000 bytes")
        .hasMessageContaining("npz reader's limit");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }
}
