package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.NpzReader;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.merge.screen.ScreeningReport;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Predictor;
import io.medvec.core.privacy.GaussianMechanism;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hostile hospital publishes a poisoned vector (its honest τ ×100, or −τ). On a real
 * PneumoniaMNIST subset with K=4: the plain sum collapses the merged model's test AUC, the screened
 * merge stays within 1 AUC point of the clean merge.
 */
class PoisoningIT {

  private static final Logger LOG = LoggerFactory.getLogger(PoisoningIT.class);

  @TempDir static Path tmp;
  static Path data;
  static Path clean;
  static ImageSet test;
  static double cleanAuc;

  static ConfigMap config(Path out, String... overrides) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run-id=p",
                "out=" + out,
                "data.path=" + data,
                "partition.public-fraction=0.15",
                "partition.hospitals=4",
                "partition.seed=5",
                "model.conv-filters=[8, 16]",
                "model.dense-units=32",
                "pretrain.epochs=2",
                "pretrain.batch-size=32",
                "finetune.epochs=2",
                "finetune.batch-size=32",
                "merge.lambda-grid=[0.125, 0.25, 0.375, 0.5, 0.75, 1.0]"));
    all.addAll(List.of(overrides));
    return ConfigMap.empty().withOverrides(all);
  }

  @BeforeAll
  static void cleanRun() {
    data = SparkTests.subset("pneumoniamnist", tmp, 1200, 200, 400);
    clean = tmp.resolve("clean");
    ConfigMap map = config(clean);
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(map)).run();
    new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(map)).run();
    test = NpzReader.read(data).test();
    cleanAuc = testAuc(merge(clean, "merge.screening.mode=off"));
  }

  static MergeVectorsJob.Result merge(Path out, String... overrides) {
    return new MergeVectorsJob(
            SparkTests.spark(), MergeVectorsJob.Config.from(config(out, overrides)))
        .run();
  }

  static double testAuc(MergeVectorsJob.Result merged) {
    Configuration conf = new Configuration();
    var net = ModelIO.load(conf, HadoopFiles.qualify(conf, merged.model()));
    ScoreSet scores = new ScoreSet(test.numClasses());
    scores.addAll(test.labels(), Predictor.predict(net, test, 256));
    return ClassificationMetrics.compute(scores).auc();
  }

  /** A copy of the clean outputs where hospital h3 re-publishes its τ times {@code factor}. */
  static Path poisoned(String name, float factor) {
    return republished(
        name,
        List.of("h3"),
        (h, delta) -> {
          for (int i = 0; i < delta.length; i++) {
            delta[i] *= factor;
          }
          return delta;
        });
  }

  /**
   * A copy of the clean outputs where {@code hospitals} re-publish {@code edit(τ)} with valid
   * checksums.
   */
  static Path republished(
      String name, List<String> hospitals, BiFunction<String, float[], float[]> edit) {
    Path out = tmp.resolve(name);
    RobustFixture.copyTree(clean, out);
    Configuration conf = new Configuration();
    VectorStore store =
        new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));
    for (StoredVector v : store.list(fingerprint(out))) {
      if (hospitals.contains(v.manifest().hospital())) {
        // valid checksums: a hostile sender, not a corrupt file
        store.write(
            v.manifest(),
            edit.apply(v.manifest().hospital(), store.readDelta(v)),
            store.readBnStats(v));
      }
    }
    return out;
  }

  /**
   * The accuracy cost of hospital-level differential privacy, through the fine-tune job ({@code
   * finetune.dp.*}): every hospital clips τ to the median clean norm S and adds N(0, (z·S)²) per
   * coordinate, z calibrated to (ε, 1e-5); the merge records each vector's ε.
   */
  @Test
  void differentialPrivacyCost() {
    Configuration conf = new Configuration();
    VectorStore cleanStore =
        new VectorStore(conf, HadoopFiles.qualify(conf, clean.resolve("vectors").toString()));
    Map<String, float[]> cleanDeltas = new TreeMap<>();
    cleanStore
        .list(fingerprint(clean))
        .forEach(v -> cleanDeltas.put(v.manifest().hospital(), cleanStore.readDelta(v)));
    double[] norms =
        cleanDeltas.values().stream().mapToDouble(PoisoningIT::norm).sorted().toArray();
    double s = (norms[1] + norms[2]) / 2;
    StringBuilder table = new StringBuilder();
    for (double epsilon : new double[] {1, 10, 100}) {
      Path out = tmp.resolve("dp-" + (int) epsilon);
      RobustFixture.copyTree(clean, out);
      RobustFixture.deleteTree(out.resolve("vectors"));
      ConfigMap map =
          config(
              out,
              "finetune.dp.enabled=true",
              "finetune.dp.clip-norm=" + s,
              "finetune.dp.epsilon=" + epsilon,
              "finetune.dp.noise-seed=3");
      new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(map)).run();
      GaussianMechanism dp =
          new GaussianMechanism(s, GaussianMechanism.noiseMultiplierFor(epsilon, 1e-5));
      VectorStore store =
          new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));
      List<StoredVector> released = store.list(fingerprint(out));
      assertThat(released)
          .extracting(v -> v.manifest().hospital())
          .containsExactlyElementsOf(cleanDeltas.keySet());
      for (StoredVector v : released) {
        assertThat(v.manifest().privacy().epsilon()).isCloseTo(epsilon, within(1e-6));
        assertThat(v.manifest().privacy().releases()).isEqualTo(1);
        // the same seeds train the same τ, so what the job added is exactly the noise
        float[] noise = store.readDelta(v);
        float[] clipped = dp.clip(cleanDeltas.get(v.manifest().hospital()));
        for (int i = 0; i < noise.length; i++) {
          noise[i] -= clipped[i];
        }
        assertThat(norm(noise) / (dp.sigma() * Math.sqrt(noise.length)))
            .as("noise norm / σ√P")
            .isCloseTo(1, within(0.05));
      }
      MergeVectorsJob.Result merged = merge(out, "merge.screening.mode=off");
      assertThat(merged.vectors())
          .allSatisfy(u -> assertThat(u.dpEpsilon()).isCloseTo(epsilon, within(1e-6)));
      double auc = testAuc(merged);
      table.append(
          String.format(
              " eps %s (z %.3f): %.4f (lambda %s);",
              epsilon, dp.noiseMultiplier(), auc, merged.lambda()));
      assertThat(auc).isBetween(0.0, 1.0);
    }
    LOG.info(
        "DP COST (S {}, delta 1e-5, one release per hospital): clean {}; test AUC{}",
        String.format("%.4f", s),
        String.format("%.4f", cleanAuc),
        table);
  }

  static double norm(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    return Math.sqrt(sum);
  }

  static String fingerprint(Path out) {
    ConfigMap map = config(out);
    return new JobContext(SparkTests.spark(), CommonConfig.from(map)).baseFingerprint();
  }

  /**
   * @param collapse the AUC the plain sum must lose at least
   */
  void attack(String name, float factor, String expectedFlag, double collapse) {
    attack(name, factor, expectedFlag, collapse, true);
  }

  void attack(
      String name, float factor, String expectedFlag, double collapse, boolean downWeightDiffers) {
    Path out = poisoned(name, factor);
    double plain = testAuc(merge(out, "merge.screening.mode=off"));
    MergeVectorsJob.Result rejected = merge(out, "merge.screening.mode=reject");
    double reject = testAuc(rejected);
    // a direction outlier gets weight 0 in both modes: the same merge, not run twice
    MergeVectorsJob.Result downWeighted =
        downWeightDiffers ? merge(out, "merge.screening.mode=down-weight") : rejected;
    double downWeight = testAuc(downWeighted);
    LOG.info(
        "POISONING {} (h3 x {}): test AUC clean {}, plain sum {}, screened reject {} (lambda {}),"
            + " down-weight {} (lambda {}); screening: {}",
        name,
        factor,
        String.format("%.4f", cleanAuc),
        String.format("%.4f", plain),
        String.format("%.4f", reject),
        rejected.lambda(),
        String.format("%.4f", downWeight),
        downWeighted.lambda(),
        rejected.screening().note());
    assertThat(plain).as("plain sum of a poisoned set").isLessThan(cleanAuc - collapse);
    assertThat(rejected.screening().flagged()).containsExactly("h3");
    ScreeningReport.Entry h3 = rejected.screening().vectors().get(3);
    assertThat(h3.flags()).containsExactly(expectedFlag);
    assertThat(h3.weight()).isZero();
    assertThat(reject).as("screened (reject)").isGreaterThan(cleanAuc - 0.01);
    assertThat(downWeight).as("screened (down-weight)").isGreaterThan(cleanAuc - 0.01);
  }

  @Test
  void hundredfoldNormIsScreenedOut() {
    attack("x100", 100f, "norm-high", 0.3); // measured: 0.50, a constant classifier
  }

  @Test
  void signFlipIsScreenedOut() {
    // one −τ among four only subtracts one hospital's contribution (measured: −0.7 points); it is
    // still flagged and dropped
    attack("flip", -1f, "cosine", 0.005, false);
  }

  @Test
  void cleanVectorsAreNotFlaggedAndWarnChangesNothing() {
    Path out = tmp.resolve("warn");
    RobustFixture.copyTree(clean, out);
    MergeVectorsJob.Result warn = merge(out, "merge.screening.mode=warn");
    assertThat(warn.screening().applied()).isTrue();
    assertThat(warn.screening().flagged()).isEmpty();
    assertThat(testAuc(warn)).isEqualTo(cleanAuc);
  }
}
