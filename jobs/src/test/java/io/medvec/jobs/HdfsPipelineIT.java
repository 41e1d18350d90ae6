package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.KilledWriters;
import io.medvec.core.io.SimpleParquet;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.store.ModelCard;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two nightly runs with every input and output on a real in-process HDFS: night 1 merges the
 * hospitals h0 and h1; h2 delivers late and is merged on night 2. Between the nights, three
 * attempts "crash" (a fine-tune, a merge and an evaluation that never commit), and nothing they
 * wrote may reach a later job or a reader. The same outputs then serve {@code bin/medvec sql} and
 * every SQL statement of the analyst notebooks.
 */
class HdfsPipelineIT {

  private static final Logger LOG = LoggerFactory.getLogger(HdfsPipelineIT.class);
  static final String NIGHT1 = "2026-11-26";
  static final String NIGHT2 = "2026-11-27";
  static final String CRASHED_RUN = "2026-11-25";

  @TempDir static java.nio.file.Path tmp;
  static MiniDFSCluster cluster;
  static String replicationBefore;
  static Configuration conf;
  static FileSystem fs;
  static String out;
  static PretrainModelJob.Result pretrain;
  static FineTuneVectorsJob.Result finetune1;
  static FineTuneVectorsJob.Result finetune2;
  static MergeVectorsJob.Result merge1;
  static MergeVectorsJob.Result merge2;
  static EvaluateModelsJob.Result evaluate2;
  static SiteEvaluateJob.Result site2;
  static final List<Path> crashDebris = new ArrayList<>();

  static ConfigMap config(String runId, String... overrides) {
    String yaml =
        String.join(
            "\n",
            "run-id: '" + runId + "'",
            "out: " + out,
            "data: {path: " + fs.getUri() + "/data/pneumoniamnist.npz}",
            "partition: {public-fraction: 0.15, hospitals: 3, mode: iid, seed: 3, min-per-hospital: 20}",
            "model: {conv-filters: [4, 8], dense-units: 16}",
            "pretrain: {epochs: 1, batch-size: 32}",
            "finetune: {epochs: 1, batch-size: 32}",
            "merge: {lambda-grid: [0.5, 1.0]}",
            "evaluate: {partitions: 2}");
    return ConfigMap.parse(yaml, "HdfsPipelineIT").withOverrides(List.of(overrides));
  }

  @BeforeAll
  static void startHdfsAndRunTwoNights() throws Exception {
    Configuration dfsConf = new Configuration();
    dfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
    long start = System.nanoTime();
    cluster = new MiniDFSCluster.Builder(dfsConf).numDataNodes(1).build();
    cluster.waitActive();
    LOG.info(
        "MiniDFSCluster up at {} in {} s",
        cluster.getURI(),
        String.format("%.1f", (System.nanoTime() - start) / 1e9));
    // full hdfs://host:port URIs reach the cluster without touching fs.defaultFS of the shared
    // session
    conf = SparkTests.spark().sparkContext().hadoopConfiguration();
    replicationBefore = conf.get("dfs.replication");
    conf.set("dfs.replication", "1"); // one datanode
    fs = FileSystem.get(cluster.getURI(), conf);
    out = fs.getUri() + "/medvec";
    java.nio.file.Path npz = SparkTests.subset("pneumoniamnist", tmp, 600, 100, 100);
    fs.copyFromLocalFile(new Path(npz.toUri()), new Path(fs.getUri() + "/data/pneumoniamnist.npz"));

    long pipeline = System.nanoTime();
    ConfigMap night1 = config(NIGHT1, "finetune.hospitals=[h0, h1]");
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(night1)).run();
    pretrain = new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(night1)).run();
    finetune1 =
        new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(night1)).run();
    merge1 = new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(night1)).run();
    new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(night1)).run();

    crash();

    ConfigMap night2 = config(NIGHT2, "base=" + pretrain.fingerprint(), "finetune.hospitals=[h2]");
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(night2)).run();
    finetune2 =
        new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(night2)).run();
    merge2 = new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(night2)).run();
    evaluate2 =
        new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(night2)).run();
    // hospital h1 scores night 2's models on its own images (here: the file's test split) and
    // publishes aggregates to the store; the coordinator then rewrites the card with them
    site2 =
        new SiteEvaluateJob(
                SparkTests.spark(),
                SiteEvaluateJob.Config.from(
                    ConfigMap.empty()
                        .withOverrides(
                            List.of(
                                "site.id=h1",
                                "site.publish=" + out,
                                "data.path=" + fs.getUri() + "/data/pneumoniamnist.npz",
                                "run-id=" + NIGHT2,
                                "out=" + tmp.resolve("site-h1"),
                                "evaluate.partitions=2"))))
            .run();
    new ModelCardJob(
            SparkTests.spark(),
            ModelCardJob.Config.from(
                ConfigMap.empty().withOverrides(List.of("out=" + out, "run-id=" + NIGHT2))))
        .run();
    LOG.info(
        "Two nights on HDFS in {} s", String.format("%.1f", (System.nanoTime() - pipeline) / 1e9));
    copyOutputsForNonJvmReaders();
  }

  /** .ci/run reads this copy with DuckDB (debris included: its globs must skip it). */
  private static void copyOutputsForNonJvmReaders() throws IOException {
    java.nio.file.Path local = java.nio.file.Path.of("target", "hdfs-it-out").toAbsolutePath();
    FileUtil.fullyDelete(local.toFile());
    fs.copyToLocalFile(false, new Path(out), new Path(local.toUri()), true);
  }

  /**
   * Attempts that die after writing and before commit: no close(), and a lease naming a process
   * that has ended, as when the JVM is killed.
   */
  @SuppressWarnings("resource")
  private static void crash() throws IOException {
    OutputLayout night2 = new OutputLayout(new Path(out), NIGHT2);
    VectorStore store = new VectorStore(conf, night2.vectorsRoot());
    AtomicDir vector = KilledWriters.begin(conf, store.dir(pretrain.fingerprint(), "h9"));
    FloatChunkFile.write(
        conf, new Path(vector.tmp(), VectorStore.VECTOR_FILE), new float[] {1f, 2f, 3f}, 2);
    FileUtil.copy(
        fs,
        new Path(finetune1.hospitals().get(0).vector(), VectorStore.MANIFEST_FILE),
        fs,
        new Path(vector.tmp(), VectorStore.MANIFEST_FILE),
        false,
        conf);
    AtomicDir merged = KilledWriters.begin(conf, night2.mergedDir());
    try (OutputStream model = fs.create(new Path(merged.tmp(), OutputLayout.MODEL_FILE))) {
      model.write(new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p'});
    }
    AtomicDir metrics =
        KilledWriters.begin(conf, new OutputLayout(new Path(out), CRASHED_RUN).metricsPartition());
    SparkTests.spark()
        .read()
        .parquet(new OutputLayout(new Path(out), NIGHT1).metricsPartition().toString())
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(metrics.tmp().toString());
    crashDebris.addAll(List.of(vector.tmp(), merged.tmp(), metrics.tmp()));
  }

  @AfterAll
  static void stopHdfs() {
    if (replicationBefore == null) {
      conf.unset("dfs.replication");
    } else {
      conf.set("dfs.replication", replicationBefore);
    }
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  @Test
  void everyOutputIsOnHdfs() {
    String hdfs = fs.getUri().toString();
    assertThat(hdfs).startsWith("hdfs://");
    assertThat(pretrain.model()).startsWith(hdfs);
    assertThat(finetune1.hospitals())
        .extracting(HospitalFineTune.Outcome::vector)
        .allMatch(v -> v.startsWith(hdfs));
    assertThat(merge2.model()).startsWith(hdfs);
    assertThat(evaluate2.table()).isEqualTo(out + "/metrics/run_id=" + NIGHT2);
    assertThat(
            Stream.of(
                "base/" + pretrain.fingerprint(),
                "runs/" + NIGHT1 + "/partition",
                "runs/" + NIGHT2 + "/merged",
                "vectors/base=" + pretrain.fingerprint() + "/hospital=h2",
                "metrics/run_id=" + NIGHT1))
        .allSatisfy(
            dir -> assertThat(AtomicDir.isComplete(conf, new Path(out, dir))).as(dir).isTrue());
  }

  @Test
  void theLateHospitalIsMergedTheNextNight() {
    assertThat(merge1.vectors())
        .extracting(MergeManifest.UsedVector::hospital)
        .containsExactly("h0", "h1");
    assertThat(merge2.vectors())
        .extracting(MergeManifest.UsedVector::hospital)
        .containsExactly("h0", "h1", "h2");
    assertThat(merge2.vectors())
        .extracting(MergeManifest.UsedVector::runId)
        .containsExactly(NIGHT1, NIGHT1, NIGHT2);
    assertThat(evaluate2.rows())
        .filteredOn(r -> r.modelKind().equals("single_site"))
        .extracting(r -> r.modelId())
        .containsOnly("h0", "h1", "h2");
  }

  @Test
  void vectorsAndTheMergedModelReadBackFromHdfs() {
    for (HospitalFineTune.Outcome o :
        Stream.concat(finetune1.hospitals().stream(), finetune2.hospitals().stream()).toList()) {
      float[] delta = FloatChunkFile.readAll(conf, new Path(o.vector(), VectorStore.VECTOR_FILE));
      assertThat(FloatChunkFile.sha256(delta)).as(o.hospital()).isEqualTo(o.vectorSha256());
      assertThat(delta).as(o.hospital()).hasSize((int) (pretrain.parameters() - 2 * (4 + 8)));
    }
    assertThat(Fingerprint.of(ModelIO.load(conf, new Path(merge2.model()))))
        .isEqualTo(merge2.mergedFingerprint());
  }

  @Test
  void metricsTableReadsBackThroughSparkAndPlainParquet() {
    Dataset<Row> table = SparkTests.spark().read().parquet(out + "/metrics");
    // plain partition discovery turns run ids that look like dates into dates: the sql views do not
    assertThat(table.schema().apply("run_id").dataType()).isEqualTo(DataTypes.DateType);
    assertThat(
            table
                .where("run_id = '" + NIGHT2 + "' and model_kind = 'merged' and label is null")
                .count())
        .isEqualTo(6);
    // 4 models on night 1, 5 on night 2; 2 splits; 3 model metrics + 2 classes x 3 class metrics
    assertThat(table.count()).isEqualTo((4 + 5) * 2 * 9);

    List<Map<String, Object>> rows = SimpleParquet.read(conf, new Path(evaluate2.table()));
    assertThat(rows).hasSize(evaluate2.rows().size());
    assertThat(rows)
        .extracting(
            r ->
                r.get("model_kind")
                    + "/"
                    + r.get("model_id")
                    + "/"
                    + r.get("split")
                    + "/"
                    + r.get("metric")
                    + "/"
                    + r.get("label")
                    + "="
                    + r.get("value"))
        .containsExactlyInAnyOrderElementsOf(
            evaluate2.rows().stream()
                .map(
                    r ->
                        r.modelKind()
                            + "/"
                            + r.modelId()
                            + "/"
                            + r.split()
                            + "/"
                            + r.metric()
                            + "/"
                            + r.label()
                            + "="
                            + r.value())
                .toList());
    assertThat(rows)
        .allSatisfy(r -> assertThat(r.get("base_fingerprint")).isEqualTo(pretrain.fingerprint()));
  }

  @Test
  void crashedAttemptsLeaveOnlyHiddenDebrisThatNoJobPicksUp() throws IOException {
    for (Path debris : crashDebris) {
      assertThat(debris.getName()).startsWith("_tmp-").doesNotContain("=");
    }
    // the night-2 merge, the next writer of runs/NIGHT2/merged, deleted the crashed attempt's
    // debris;
    // targets nobody wrote again (h9's vector, the crashed run's metrics) keep theirs, hidden
    Path mergedDebris = crashDebris.get(1);
    assertThat(fs.exists(mergedDebris)).as(mergedDebris.toString()).isFalse();
    assertThat(fs.exists(crashDebris.get(0))).as(crashDebris.get(0).toString()).isTrue();
    assertThat(fs.exists(crashDebris.get(2))).as(crashDebris.get(2).toString()).isTrue();
    List<StoredVector> vectors =
        new VectorStore(conf, new Path(out + "/vectors")).list(pretrain.fingerprint());
    assertThat(vectors).extracting(v -> v.manifest().hospital()).containsExactly("h0", "h1", "h2");
    // the real night-2 merge replaced nothing it should not: its model loads (the crashed one is
    // not a zip)
    assertThat(merge2.vectors())
        .extracting(MergeManifest.UsedVector::hospital)
        .doesNotContain("h9");
    assertThat(
            SparkTests.spark()
                .read()
                .parquet(out + "/metrics")
                .where("run_id = '" + CRASHED_RUN + "'")
                .count())
        .isZero();
  }

  /** bin/medvec sql against the HDFS outputs. */
  @Nested
  class MetricsSql {

    QueryMetricsJob job(int limit) {
      return new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(out, limit));
    }

    @Test
    void metricsViewHasEveryCommittedRunWithRunIdsAsStrings() {
      QueryMetricsJob.Result runs =
          job(100)
              .run(
                  "SELECT run_id, typeof(run_id) AS type, count(*) AS n FROM metrics GROUP BY run_id ORDER BY run_id");
      assertThat(runs.columns()).containsExactly("run_id", "type", "n");
      assertThat(runs.rows())
          .containsExactly(List.of(NIGHT1, "string", "72"), List.of(NIGHT2, "string", "90"));
      // the views and the setting stay in the job's child session
      assertThat(SparkTests.spark().catalog().tableExists("metrics")).isFalse();
      assertThat(SparkTests.spark().conf().get(QueryMetricsJob.INFER_PARTITION_TYPES))
          .isEqualTo("true");
    }

    @Test
    void valuesAreTheEvaluationsOwn() {
      QueryMetricsJob.Result auc =
          job(10)
              .run(
                  "SELECT value FROM metrics WHERE run_id = '"
                      + NIGHT2
                      + "' AND model_kind = 'merged' AND split = 'test' AND metric = 'auc'");
      double expected =
          evaluate2.rows().stream()
              .filter(
                  r ->
                      r.modelKind().equals("merged")
                          && r.split().equals("test")
                          && r.metric().equals("auc"))
              .findFirst()
              .orElseThrow()
              .value();
      assertThat(auc.rows()).hasSize(1);
      assertThat(Double.parseDouble(auc.rows().get(0).get(0))).isEqualTo(expected);
    }

    /**
     * Also records Spark's answers in target/view-answers/hdfs/ for .ci/run's DuckDB comparison.
     */
    @Test
    void viewsHideTheCrashedAttempts() {
      // the two nights' metrics (72 + 90 rows), vectors h0, h1, h2 and merges; not h9, not the
      // crashed run
      assertThat(ViewAnswers.record("hdfs", out, conf)).containsExactly(72L + 90L, 3L, 2L);
    }

    @Test
    void vectorAndMergeManifestsAreViews() {
      assertThat(
              job(10)
                  .run("SELECT hospital, run_id, examples > 0 FROM vectors ORDER BY hospital")
                  .rows())
          .containsExactly(
              List.of("h0", NIGHT1, "true"),
              List.of("h1", NIGHT1, "true"),
              List.of("h2", NIGHT2, "true"));
      QueryMetricsJob.Result merges =
          job(10)
              .run(
                  "SELECT m.run_id, concat_ws(',', transform(m.vectors, v -> v.hospital))"
                      + " AS hospitals, m.lambda IN (0.5, 1.0) FROM merges m ORDER BY m.run_id");
      assertThat(merges.rows())
          .containsExactly(List.of(NIGHT1, "h0,h1", "true"), List.of(NIGHT2, "h0,h1,h2", "true"));
    }

    @Test
    void limitTruncatesAndSaysSo() {
      QueryMetricsJob.Result result = job(2).run("SELECT * FROM metrics");
      assertThat(result.rows()).hasSize(2);
      assertThat(result.truncated()).isTrue();
      assertThat(result.columns())
          .containsExactly(
              "dataset",
              "model_kind",
              "model_id",
              "split",
              "metric",
              "label",
              "class_name",
              "value",
              "ci_low",
              "ci_high",
              "ci_method",
              "n",
              "base_fingerprint",
              "hospitals",
              "partition_mode",
              "alpha",
              "public_fraction",
              "partition_seed",
              "created_at",
              "run_id");
      assertThat(result.table()).endsWith("(first 2 rows; --limit N for more)");
    }

    @Test
    void badSqlIsAConfigErrorNamingTheProblem() {
      QueryMetricsJob job = job(10);
      assertThatThrownBy(() -> job.run("SELECT nope FROM metrics"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("Cannot run query")
          .hasMessageContaining("nope");
      assertThatThrownBy(() -> job.run("SELECT * FROM metric"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("metric");
    }

    @Test
    void anEmptyOutputRootHasEmptyViews() {
      QueryMetricsJob job =
          new QueryMetricsJob(
              SparkTests.spark(),
              new QueryMetricsJob.Config(tmp.resolve("nothing-yet").toString(), 10));
      assertThat(
              job.run(
                      "SELECT (SELECT count(*) FROM metrics), (SELECT count(*) FROM vectors),"
                          + " (SELECT count(*) FROM merges)")
                  .rows())
          .containsExactly(List.of("0", "0", "0"));
    }
  }

  @Test
  void theCardOnHdfsStatesTheSitesPublishedMetrics() throws Exception {
    Path card = new Path(out + "/runs/" + NIGHT2 + "/model-card/" + ModelCard.JSON_FILE);
    com.fasterxml.jackson.databind.JsonNode json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(HadoopFiles.readString(conf, card));
    List<String> models = new ArrayList<>();
    json.get("site_metrics")
        .forEach(m -> models.add(m.get("site").asText() + "/" + m.get("model_kind").asText()));
    assertThat(models).containsExactly("h1/merged", "h1/pretrained", "h1/single_site");
    for (com.fasterxml.jackson.databind.JsonNode m : json.get("site_metrics")) {
      com.fasterxml.jackson.databind.JsonNode auc = m.get("metrics").get(1);
      double published =
          site2.rows().stream()
              .filter(
                  r ->
                      r.modelKind().equals(m.get("model_kind").asText())
                          && r.metric().equals("auc"))
              .findFirst()
              .orElseThrow()
              .value();
      assertThat(auc.get("value").asDouble()).isEqualTo(published);
      assertThat(auc.get("method").asText()).isEqualTo("delong");
      assertThat(published).isBetween(auc.get("low").asDouble(), auc.get("high").asDouble());
    }
  }

  /**
   * Every SQL statement of notebooks/*.ipynb, against these outputs, with the views they expect.
   */
  @Nested
  class Notebooks {

    /** Also records each answer in target/notebook-results/ for .ci/replay_notebooks.py. */
    @Test
    void everyStatementRunsAndReturnsRows() throws IOException {
      QueryMetricsJob job =
          new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(out, 10));
      java.nio.file.Path results =
          java.nio.file.Path.of("target", "notebook-results").toAbsolutePath();
      FileUtil.fullyDelete(results.toFile());
      for (java.nio.file.Path notebook : NotebookSql.notebooks(NotebookSqlTest.NOTEBOOKS)) {
        List<NotebookSql.Statement> statements = NotebookSql.statements(notebook);
        assertThat(statements).as(notebook.toString()).isNotEmpty();
        java.nio.file.Path dir =
            Files.createDirectories(results.resolve(notebook.getFileName().toString()));
        for (int i = 0; i < statements.size(); i += 1) {
          NotebookSql.Statement statement = statements.get(i);
          Dataset<Row> answer = job.session().sql(statement.sql());
          List<Row> rows = answer.collectAsList();
          assertThat(rows).as(statement.source() + ":\n" + statement.sql()).isNotEmpty();
          NotebookSql.writeCsv(dir.resolve(String.format("%03d.csv", i)), answer.columns(), rows);
          Files.writeString(dir.resolve(String.format("%03d.sql", i)), statement.sql());
        }
      }
    }
  }
}
