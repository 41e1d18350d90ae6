package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.WriterLease;
import io.medvec.core.store.MetricsTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cross-site evaluation ({@code evaluate --site}, {@link SiteEvaluateJob}) against the shared
 * fixture's run: two sites with disjoint slices of the real PneumoniaMNIST file (one in this JVM,
 * one as a child {@code bin/medvec} process) publish only aggregate metrics, the {@code sql} view
 * shows the site × model matrix, and every refusal of docs/bad-input.md's site section leaves the
 * store unchanged.
 */
class SiteEvaluateIT {

  static RobustFixture fx;

  @BeforeAll
  static void fixture() {
    fx = RobustFixture.get();
  }

  /** Site-mode config on {@code store}, the site's own out outside it. */
  static ConfigMap config(Path store, Path data, String site, String... overrides) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "site.publish=" + store,
                "data.path=" + data,
                "run-id=" + RobustFixture.RUN,
                "out=" + fx.root.resolve("site-out-" + store.getFileName() + "-" + site),
                "evaluate.partitions=2"));
    if (site != null) {
      all.add("site.id=" + site);
    }
    all.addAll(List.of(overrides));
    return ConfigMap.empty().withOverrides(all);
  }

  static Runnable job(ConfigMap map) {
    return () -> new SiteEvaluateJob(SparkTests.spark(), SiteEvaluateJob.Config.from(map)).run();
  }

  /** A site's own data: the real file's rows {@code test} (and a few train/val rows). */
  static Path siteData(String name, int from, int to) {
    return ConsortiumIT.slice(
        fx.newDir("site-data-" + name),
        "site-" + name,
        new ConsortiumIT.Slice(from / 10, from / 10 + 20, from / 10, from / 10 + 10, from, to));
  }

  @Test
  void twoSitesPublishOnlyAggregatesAndTheMatrixShowsSitesTimesModels() throws Exception {
    Path store = fx.copyOut("site-matrix");
    Path dataA = siteData("h1", 0, 150);
    Path dataB = siteData("ward-9", 150, 300);
    SortedMap<String, String> before = RobustFixture.snapshot(store);

    // site h1 published a vector (the fixture's hospital h1): three models
    SiteEvaluateJob.Result a =
        new SiteEvaluateJob(
                SparkTests.spark(), SiteEvaluateJob.Config.from(config(store, dataA, "h1")))
            .run();
    assertThat(a.models())
        .containsExactly("pretrained/pretrained", "merged/merged", "single_site/h1");
    // the published AUCs are those of the store's models on the site's test images
    io.medvec.core.data.ImageSet test = io.medvec.core.data.NpzReader.read(dataA).test();
    for (String kind : List.of("pretrained", "merged")) {
      Path model =
          kind.equals("merged")
              ? store.resolve("runs/fix/merged/model.zip")
              : store.resolve("base").resolve(fx.fingerprint()).resolve("model.zip");
      float[] p =
          io.medvec.core.model.Predictor.predict(
              io.medvec.core.model.ModelIO.load(
                  new Configuration(), new org.apache.hadoop.fs.Path(model.toUri())),
              test,
              64);
      double published =
          a.rows().stream()
              .filter(r -> r.modelKind().equals(kind) && r.metric().equals("auc"))
              .findFirst()
              .orElseThrow()
              .value();
      assertThat(published).as(kind + " AUC").isCloseTo(rankAuc(p, test.labels()), within(1e-9));
      // and its interval is DeLong's on the same scores, computed here independently of the job
      io.medvec.core.eval.ScoreSet set = new io.medvec.core.eval.ScoreSet(2);
      for (int i = 0; i < test.labels().length; i += 1) {
        set.add(test.labels()[i], new float[] {p[2 * i], p[2 * i + 1]});
      }
      io.medvec.core.eval.ConfidenceIntervals.Interval delong =
          io.medvec.core.eval.ConfidenceIntervals.delong(set, 1, 0.95);
      EvaluateModelsJob.MetricRow row =
          a.rows().stream()
              .filter(r -> r.modelKind().equals(kind) && r.metric().equals("auc"))
              .findFirst()
              .orElseThrow();
      assertThat(row.ciMethod()).isEqualTo("delong");
      assertThat(row.ciLow()).as(kind + " AUC low").isCloseTo(delong.low(), within(1e-9));
      assertThat(row.ciHigh()).as(kind + " AUC high").isCloseTo(delong.high(), within(1e-9));
    }
    SortedMap<String, String> firstA = RobustFixture.snapshot(store);
    assertOnlyAggregatesAdded(store, before, firstA, "h1", dataA, 3, 150);
    // a rerun replaces the site's partition and nothing else
    new SiteEvaluateJob(SparkTests.spark(), SiteEvaluateJob.Config.from(config(store, dataA, "h1")))
        .run();
    SortedMap<String, String> afterA = RobustFixture.snapshot(store);
    assertOnlyAggregatesAdded(store, before, afterA, "h1", dataA, 3, 150);
    assertThat(afterA.keySet().stream().filter(k -> k.endsWith(".parquet")).count())
        .isEqualTo(firstA.keySet().stream().filter(k -> k.endsWith(".parquet")).count());

    // site Ward-9, in its own JVM through bin/medvec's entry point: no vector, two models
    Path outB = fx.root.resolve("site-out-ward-9");
    try (MedvecProcess b =
        MedvecProcess.start(
            fx.root.resolve("site-ward-9.log"),
            List.of("-Dspark.master=local[2]"),
            List.of(
                "evaluate",
                "--site",
                "Ward-9",
                "--data",
                dataB.toString(),
                "--publish",
                store.toString(),
                "--run",
                RobustFixture.RUN,
                "--out",
                outB.toString(),
                "--set",
                "evaluate.partitions=1"))) {
      assertThat(b.await()).as(b.logTail()).isZero();
    }
    assertOnlyAggregatesAdded(
        store, afterA, RobustFixture.snapshot(store), "Ward-9", dataB, 2, 150);
    assertThat(Files.readString(outB.resolve("runs/fix/site-evaluate.json")))
        .as("the result record stays in the site's out")
        .contains("Ward-9");

    // the coordinator's view: one AUC per site and model
    QueryMetricsJob.Result matrix =
        new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(store.toString(), 100))
            .run(
                "SELECT site, model_kind, value FROM site_metrics WHERE metric = 'auc' AND label IS"
                    + " NULL ORDER BY site, model_kind");
    assertThat(matrix.columns()).containsExactly("site", "model_kind", "value");
    assertThat(matrix.rows().stream().map(r -> r.get(0) + "/" + r.get(1)).toList())
        .containsExactly(
            "Ward-9/merged", "Ward-9/pretrained", "h1/merged", "h1/pretrained", "h1/single_site");
    for (List<String> row : matrix.rows()) {
      assertThat(Double.parseDouble(row.get(2))).isBetween(0.0, 1.0);
    }
    // the same answers through DuckDB (.ci/run replays them on this copy)
    ViewAnswers.record(
        "site",
        store.toString(),
        new Configuration(),
        List.of(
            "SELECT * FROM site_metrics LIMIT 0",
            "SELECT run_id, site, model_kind, split, count(*) AS n FROM site_metrics GROUP BY"
                + " run_id, site, model_kind, split ORDER BY run_id, site, model_kind, split",
            "SELECT site, model_kind FROM site_metrics WHERE metric = 'auc' AND label IS NULL"
                + " ORDER BY site, model_kind"));
    // the coordinator rewrites the run's card from the store: the sites' metrics join it, the
    // coordinator's own are read back unchanged from the metrics table
    Path cardDir = store.resolve("runs/fix").resolve(EvaluateModelsJob.MODEL_CARD_DIR);
    com.fasterxml.jackson.databind.ObjectMapper mapper =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode cardBefore =
        mapper.readTree(cardDir.resolve(io.medvec.core.store.ModelCard.JSON_FILE).toFile());
    assertThat(cardBefore.get("site_metrics")).isEmpty();
    ModelCardJob.Result rewritten =
        new ModelCardJob(
                SparkTests.spark(),
                ModelCardJob.Config.from(
                    ConfigMap.empty()
                        .withOverrides(List.of("out=" + store, "run-id=" + RobustFixture.RUN))))
            .run();
    assertThat(rewritten.siteModels()).isEqualTo(5);
    com.fasterxml.jackson.databind.JsonNode card =
        mapper.readTree(cardDir.resolve(io.medvec.core.store.ModelCard.JSON_FILE).toFile());
    assertThat(card.get("metrics")).isEqualTo(cardBefore.get("metrics"));
    assertThat(card.get("hospitals")).isEqualTo(cardBefore.get("hospitals"));
    List<String> siteModels = new ArrayList<>();
    card.get("site_metrics")
        .forEach(m -> siteModels.add(m.get("site").asText() + "/" + m.get("model_kind").asText()));
    assertThat(siteModels)
        .containsExactly(
            "Ward-9/merged", "Ward-9/pretrained", "h1/merged", "h1/pretrained", "h1/single_site");
    for (com.fasterxml.jackson.databind.JsonNode m : card.get("site_metrics")) {
      assertThat(m.get("n").asLong()).isEqualTo(150);
      assertThat(m.get("metrics").findValuesAsText("name"))
          .containsExactly("accuracy", "auc", "macro_f1");
      if (m.get("site").asText().equals("h1")) {
        for (com.fasterxml.jackson.databind.JsonNode x : m.get("metrics")) {
          EvaluateModelsJob.MetricRow published =
              a.rows().stream()
                  .filter(
                      r ->
                          r.modelKind().equals(m.get("model_kind").asText())
                              && r.metric().equals(x.get("name").asText()))
                  .findFirst()
                  .orElseThrow();
          assertThat(x.get("value").asDouble()).isEqualTo(published.value());
          assertThat(x.get("low").asDouble()).isEqualTo(published.ciLow());
          assertThat(x.get("high").asDouble()).isEqualTo(published.ciHigh());
          assertThat(x.get("value").asDouble())
              .isBetween(x.get("low").asDouble(), x.get("high").asDouble());
        }
      }
    }
    assertThat(Files.readString(cardDir.resolve(io.medvec.core.store.ModelCard.MARKDOWN_FILE)))
        .contains("## Metrics at the sites", "| Ward-9 | merged | test | 150 | auc |")
        .doesNotContain(io.medvec.core.store.ModelCard.SITES_PENDING);
    // disjoint images: the two sites' θ_pre scores are of different data
    QueryMetricsJob.Result n =
        new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(store.toString(), 100))
            .run(
                "SELECT site, n, class_name FROM site_metrics WHERE model_kind = 'pretrained' AND"
                    + " metric = 'recall' ORDER BY site, label");
    assertThat(n.rows()).hasSize(4);
    assertThat(n.rows().stream().map(r -> r.get(1)).collect(Collectors.toSet()))
        .containsExactly("150");
  }

  /** Binary AUC by the Mann-Whitney statistic over P(class 1), ties counting one half. */
  static double rankAuc(float[] probabilities, int[] labels) {
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < labels.length; i += 1) {
      for (int j = 0; j < labels.length; j += 1) {
        if (labels[i] == 1 && labels[j] == 0) {
          float pi = probabilities[2 * i + 1];
          float pj = probabilities[2 * j + 1];
          wins += pi > pj ? 1 : pi == pj ? 0.5 : 0;
          pairs += 1;
        }
      }
    }
    return wins / pairs;
  }

  /**
   * What the site added to the store is one committed partition whose files never name the site's
   * data, holding exactly models × (3 model metrics + 3 × classes) rows with the metrics table's
   * columns, each over all {@code n} images (no per-image row).
   */
  private static void assertOnlyAggregatesAdded(
      Path store,
      SortedMap<String, String> before,
      SortedMap<String, String> after,
      String site,
      Path data,
      int models,
      long n)
      throws IOException {
    String partition = "site-metrics/run_id=" + RobustFixture.RUN + "/site=" + site;
    Set<String> added = new TreeSet<>(after.keySet());
    added.removeAll(before.keySet());
    for (String key : before.keySet()) {
      assertThat(after.get(key)).as("unchanged: " + key).isEqualTo(before.get(key));
    }
    assertThat(added).as("what site " + site + " added").isNotEmpty();
    for (String file : added) {
      String parent = file.startsWith(partition) ? partition : "site-metrics";
      assertThat(file.startsWith(partition) || partition.startsWith(file))
          .as(file + " is inside " + parent)
          .isTrue();
      assertThat(file).doesNotContain("_lease-").doesNotContain("_tmp");
      Path p = store.resolve(file);
      if (Files.isRegularFile(p)) {
        String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        for (String leak :
            List.of(data.toString(), data.getFileName().toString(), data.getParent().toString())) {
          assertThat(text).as(file + " names the site's data").doesNotContain(leak);
        }
      }
    }
    Dataset<Row> rows = SparkTests.spark().read().parquet(store.resolve(partition).toString());
    assertThat(List.of(rows.columns()))
        .as("the metrics table's columns and no other (no image id, path or score)")
        .containsExactlyElementsOf(MetricsTable.COLUMNS.stream().map(c -> c.name()).toList());
    int classes = 2;
    assertThat(rows.count()).isEqualTo((long) models * (3 + 3 * classes));
    assertThat(rows.select("n").distinct().collectAsList().stream().map(r -> r.getLong(0)))
        .containsExactly(n);
    assertThat(
            rows.select("model_kind").distinct().collectAsList().stream()
                .map(r -> r.getString(0))
                .toList())
        .hasSize(models);
    assertThat(rows.filter("label IS NOT NULL AND class_name IS NULL").count())
        .as("per-class rows name their class")
        .isZero();
  }

  @Test
  void badOrMissingSiteName() {
    Path store = fx.copyOut("site-bad-name");
    Path data = siteData("bad-name", 0, 50);
    Throwable reserved =
        BadInputIT.refused(store, () -> SiteEvaluateJob.Config.from(config(store, data, "Public")));
    assertThat(reserved)
        .hasMessageContaining("Invalid config key 'site.id'")
        .hasMessageContaining("hospital id 'Public' is reserved");
    assertThat(ExitCode.of(reserved)).isEqualTo(ExitCode.BAD_CONFIG);
    Throwable malformed =
        BadInputIT.refused(store, () -> SiteEvaluateJob.Config.from(config(store, data, "a/b")));
    assertThat(malformed)
        .hasMessageContaining("Invalid config key 'site.id'")
        .hasMessageContaining("hospital id 'a/b' is not");
    assertThat(ExitCode.of(malformed)).isEqualTo(ExitCode.BAD_CONFIG);
    Throwable missing =
        BadInputIT.refused(store, () -> SiteEvaluateJob.Config.from(config(store, data, null)));
    assertThat(missing).hasMessageContaining("Missing config key 'site.id'");
    assertThat(ExitCode.of(missing)).isEqualTo(ExitCode.BAD_CONFIG);
  }

  @Test
  void runWithoutAMergedModel() {
    Path store = fx.copyOut("site-no-merge");
    Path data = siteData("no-merge", 0, 50);
    Throwable e = BadInputIT.refused(store, job(config(store, data, "h1", "run-id=nosuchrun")));
    assertThat(e)
        .hasMessageContaining("Cannot evaluate run nosuchrun at site h1")
        .hasMessageContaining("no merged model of that run")
        .hasMessageContaining("runs/nosuchrun/merged");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void cardOfARunWithoutAMergedModelOrMetrics() throws Exception {
    Path store = fx.copyOut("card-refused");
    java.util.function.Function<String, Runnable> card =
        run ->
            () ->
                new ModelCardJob(
                        SparkTests.spark(),
                        ModelCardJob.Config.from(
                            ConfigMap.empty()
                                .withOverrides(List.of("out=" + store, "run-id=" + run))))
                    .run();
    Throwable e = BadInputIT.refused(store, card.apply("nosuchrun"));
    assertThat(e)
        .hasMessageContaining("Cannot write the model card of run nosuchrun")
        .hasMessageContaining("no committed merged model");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
    // a metrics partition still being written (no _SUCCESS) is not read
    Files.delete(store.resolve("metrics/run_id=" + RobustFixture.RUN + "/_SUCCESS"));
    e = BadInputIT.refused(store, card.apply(RobustFixture.RUN));
    assertThat(e)
        .hasMessageContaining("the metrics table has no committed partition for it")
        .hasMessageContaining("metrics/run_id=" + RobustFixture.RUN);
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void dataOfAnotherDatasetsClasses() {
    Path store = fx.copyOut("site-wrong-data");
    Path rgb = SparkTests.subset("retinamnist", fx.newDir("site-rgb"), 20, 10, 30);
    Throwable e = BadInputIT.refused(store, job(config(store, rgb, "h1")));
    // the base's preprocessing makes the images fit; its classes are another dataset's
    assertThat(e)
        .hasMessageContaining("Cannot evaluate base " + fx.fingerprint())
        .hasMessageContaining(rgb.toString())
        .hasMessageContaining("its classes are [normal, pneumonia], the data's [no apparent");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void moreClassesThanTheBase() {
    Path store = fx.copyOut("site-more-classes");
    Path dir = fx.newDir("site-three-classes");
    // the first test image labelled 2: a class the base does not have
    Path npz =
        ConsortiumIT.slice(dir, "three-classes", new ConsortiumIT.Slice(0, 20, 0, 10, 0, 40), -1);
    Path three = relabelFirstTest(npz);
    Throwable e = BadInputIT.refused(store, job(config(store, three, "h1")));
    assertThat(e)
        .hasMessageContaining("Cannot evaluate base " + fx.fingerprint())
        .hasMessageContaining("the data has labels up to 2, the base has 2 classes (3 > 2)");
    assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void partitionBeingWrittenByAnotherJob() {
    Path store = fx.copyOut("site-busy");
    Path data = siteData("busy", 0, 50);
    org.apache.hadoop.fs.Path target =
        new org.apache.hadoop.fs.Path(
            store.resolve("site-metrics/run_id=" + RobustFixture.RUN + "/site=h1").toUri());
    try (WriterLease other = WriterLease.acquire(new Configuration(), target)) {
      Throwable e = BadInputIT.refused(store, job(config(store, data, "h1")));
      assertThat(ExitCode.of(e)).isEqualTo(ExitCode.TARGET_BUSY);
      assertThat(e).hasMessageContaining("site=h1: another job is writing it");
    }
  }

  /** A copy of {@code npz} whose first test label is 2. */
  private static Path relabelFirstTest(Path npz) {
    try {
      Path out = npz.resolveSibling("relabelled.npz");
      java.util.Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
      try (java.util.zip.ZipInputStream in =
          new java.util.zip.ZipInputStream(Files.newInputStream(npz))) {
        for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          entries.put(e.getName(), in.readAllBytes());
        }
      }
      byte[] labels = RobustFixture.npyData(entries.get("test_labels.npy")).clone();
      labels[0] = 2;
      entries.put("test_labels.npy", RobustFixture.npyU1(labels, labels.length, 1));
      try (java.util.zip.ZipOutputStream zip =
          new java.util.zip.ZipOutputStream(Files.newOutputStream(out))) {
        for (var e : entries.entrySet()) {
          zip.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
          zip.write(e.getValue());
          zip.closeEntry();
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
