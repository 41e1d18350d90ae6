package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.io.HadoopFiles;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A merge manifest names its vectors by identity: evaluate finds each in the store under its own
 * output root and checks that it is still the delivery the merge used.
 */
class MergeManifestIdentityTest {

  static final String BASE = "cd".repeat(32);
  static final String RUN = "r1";
  static final VectorLayout LAYOUT =
      new VectorLayout(List.of(new TensorSpec("0_W", List.of(3L), 0, 3)));
  static final VectorLayout BN =
      new VectorLayout(List.of(new TensorSpec("1_mean", List.of(1L), 0, 1)));

  private final Configuration conf = new Configuration();
  @TempDir Path tmp;

  private static MergeManifest manifest(String dir, String hospital, String sha) {
    return new MergeManifest(
        BASE,
        null,
        "informational",
        List.of(new MergeManifest.UsedVector(hospital, dir, sha, 5, RUN, null, null)),
        List.of());
  }

  private static MergeManifest.VectorRef locate(String dir) {
    return manifest(dir, "h1", "0".repeat(64)).locate(0, RUN, "m.json");
  }

  @Test
  void relativeDirectoriesNameTheirStore() {
    assertThat(locate("vectors/base=" + BASE + "/hospital=h1"))
        .isEqualTo(new MergeManifest.VectorRef("vectors", BASE, "h1"));
    assertThat(locate("runs/r1/vectors/base=" + BASE + "/hospital=h1").storeRoot())
        .isEqualTo("runs/r1/vectors");
  }

  @Test
  void anAbsoluteLocationOfAnOlderManifestCountsByItsRelativePart() {
    assertThat(locate("file:/elsewhere/out/vectors/base=" + BASE + "/hospital=h1").storeRoot())
        .isEqualTo("vectors");
    assertThat(locate("hdfs://nn:8020/o/runs/r1/vectors/base=" + BASE + "/hospital=h1").storeRoot())
        .isEqualTo("runs/r1/vectors");
    // an output root that itself sits in a directory named runs/X: the shared store of that root
    assertThat(locate("/data/runs/nightly/vectors/base=" + BASE + "/hospital=h1").storeRoot())
        .isEqualTo("vectors");
  }

  @Test
  void aDirectoryOutsideTheStoreOrOfAnotherBaseOrHospitalIsRefused() {
    for (String bad :
        List.of(
            "vectors/base=" + BASE + "/hospital=h1/../hospital=h0",
            "../elsewhere/vectors/base=" + BASE + "/hospital=h1",
            "vectors/base=" + BASE + "/hospital=h0x/",
            "tmp/evil",
            "")) {
      assertThatThrownBy(() -> locate(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Cannot use merge manifest m.json: field vectors[0].dir");
    }
    assertThatThrownBy(() -> locate("vectors/base=" + "ef".repeat(32) + "/hospital=h1"))
        .hasMessageContaining("names base " + "ef".repeat(32));
    assertThatThrownBy(() -> locate("vectors/base=" + BASE + "/hospital=h0"))
        .hasMessageContaining("names hospital h0, not h1");
    assertThatThrownBy(() -> locate("runs/other/vectors/base=" + BASE + "/hospital=h1"))
        .hasMessageContaining("names the vectors of another run, not r1");
  }

  private StoredVector publish(Path out, float[] delta) {
    VectorStore store =
        new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));
    VectorManifest m =
        new VectorManifest(
            VectorManifest.FORMAT,
            "h1",
            "test",
            RUN,
            BASE,
            5,
            List.of(5L),
            LAYOUT,
            BN,
            new TrainingInfo(1, 8, 1e-3, 1, 0.5, 1),
            null,
            null,
            null,
            null,
            Instant.EPOCH.toString());
    return store.write(m, delta, new float[] {0.5f});
  }

  private MergedModelStore mergedStore(Path out) {
    return new MergedModelStore(
        conf, new OutputLayout(HadoopFiles.qualify(conf, out.toString()), RUN));
  }

  @Test
  void aCopiedTreeReadsItsOwnVectorsAndAReDeliveryIsRefused() throws Exception {
    Path original = tmp.resolve("original");
    StoredVector used = publish(original, new float[] {1, 2, 3});
    MergeManifest merge =
        new MergeManifest(
            BASE,
            null,
            "informational",
            List.of(
                new MergeManifest.UsedVector(
                    "h1",
                    used.dir().toString(), // an older manifest: absolute, in the original tree
                    used.manifest().vectorSha256(),
                    5,
                    RUN,
                    null,
                    null,
                    used.manifest().bnStatsSha256(),
                    5L,
                    "partition")),
            List.of());
    Path copy = tmp.resolve("copy");
    try (Stream<Path> files = Files.walk(original)) {
      for (Path p : files.toList()) {
        Path target = copy.resolve(original.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    List<StoredVector> found = mergedStore(copy).usedVectors(merge, BASE);
    assertThat(found).hasSize(1);
    assertThat(found.get(0).dir().toString())
        .startsWith(HadoopFiles.qualify(conf, copy.toString()).toString());
    assertThat(found.get(0).dir().toString()).doesNotContain("original");

    publish(copy, new float[] {3, 2, 1}); // h1 re-delivers after the merge
    assertThatThrownBy(() -> mergedStore(copy).usedVectors(merge, BASE))
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining("Cannot use the vector of hospital h1 as merged")
        .hasMessageContaining("now holds another delivery")
        .hasMessageContaining("the merge in ")
        .hasMessageContaining("used " + used.manifest().vectorSha256());

    assertThatThrownBy(() -> mergedStore(tmp.resolve("empty")).usedVectors(merge, BASE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot find the vector of hospital h1")
        .hasMessageContaining("is missing or incomplete");
    assertThatThrownBy(() -> mergedStore(copy).usedVectors(merge, "ef".repeat(32)))
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining("the merge was built on base " + BASE);
  }

  @Test
  void theInputContractItCopiesGivesTheMergedModelsInputScale() {
    org.apache.hadoop.fs.Path file =
        new org.apache.hadoop.fs.Path("/out/runs/r1/merged/manifest.json");
    MergeManifest standardised =
        io.medvec.core.io.Json.read(
            "{\"base_fingerprint\": \""
                + BASE
                + "\", \"input_contract\": {\"height\": 32,"
                + " \"scale\": \"mean-std\", \"mean\": [0.5, 0.4, 0.3], \"std\": [0.2, 0.2, 0.25]}}",
            MergeManifest.class,
            file.toString());
    assertThat(standardised.inputScale(file))
        .isEqualTo(
            io.medvec.core.model.PixelScale.meanStd(
                List.of(0.5, 0.4, 0.3), List.of(0.2, 0.2, 0.25)));
    MergeManifest none =
        io.medvec.core.io.Json.read(
            "{\"base_fingerprint\": \"" + BASE + "\"}", MergeManifest.class, file.toString());
    assertThat(none.inputScale(file)).isSameAs(io.medvec.core.model.PixelScale.UNIT);
    MergeManifest bad =
        io.medvec.core.io.Json.read(
            "{\"input_contract\": {\"scale\": \"percent\"}}", MergeManifest.class, file.toString());
    assertThatThrownBy(() -> bad.inputScale(file))
        .hasMessageContaining("Cannot read base manifest /out/runs/r1/merged/manifest.json")
        .hasMessageContaining("'percent'");
  }
}
