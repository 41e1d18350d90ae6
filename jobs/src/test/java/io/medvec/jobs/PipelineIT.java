package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.NpzReader;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.SimpleParquet;
import io.medvec.core.merge.Controls;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.MergeSelection;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Predictor;
import io.medvec.core.store.AssignmentStore;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.VectorStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** All jobs, end to end, on a small subset of real PneumoniaMNIST in local mode. */
class PipelineIT {

  @TempDir static Path tmp;
  static Path out;
  static RunPipelineJob.Result result;

  static ConfigMap config(String... overrides) {
    String yaml =
        String.join(
            "\n",
            "run-id: it",
            "out: " + out,
            "data:",
            "  path: " + tmp.resolve("pneumoniamnist.npz"),
            "partition: {public-fraction: 0.15, hospitals: 3, mode: dirichlet, alpha: 1.0, seed: 3, min-per-hospital: 20}",
            "model: {conv-filters: [8, 16], dense-units: 32}",
            "pretrain: {epochs: 2, batch-size: 32}",
            "finetune: {epochs: 1, batch-size: 32}",
            "merge: {lambda-grid: [0.34, 1.0]}",
            "evaluate: {partitions: 3}");
    return ConfigMap.parse(yaml, "PipelineIT").withOverrides(List.of(overrides));
  }

  @BeforeAll
  static void runPipeline() {
    SparkTests.subset("pneumoniamnist", tmp, 900, 150, 200);
    out = tmp.resolve("out");
    ConfigMap map = config();
    RunPipelineJob.Config config = RunPipelineJob.Config.from(map);
    map.rejectUnknown();
    result = new RunPipelineJob(SparkTests.spark(), config).run();
  }

  @Test
  void perClassRowsNameTheMedMnistClassesAndTheBaseRecordsThePreprocessing() {
    List<EvaluateModelsJob.MetricRow> rows = result.evaluate().rows();
    assertThat(rows)
        .allSatisfy(
            r ->
                assertThat(r.className())
                    .isEqualTo(
                        r.label() == null ? null : List.of("normal", "pneumonia").get(r.label())));
    Configuration conf = new Configuration();
    io.medvec.core.store.BaseManifest base =
        io.medvec.core.store.BaseManifest.read(
            conf,
            HadoopFiles.qualify(
                conf, out.resolve("base").resolve(result.pretrain().fingerprint()).toString()));
    assertThat(base.preprocessing())
        .isEqualTo(
            io.medvec.core.source.Preprocessing.unit(
                28, io.medvec.core.source.Preprocessing.Channels.GREY));
    assertThat(base.classes()).containsExactly("normal", "pneumonia");
  }

  @Test
  void theModelCardNamesTheContributorsAndGivesTheTableMetricsWithIntervals() throws Exception {
    Path dir = out.resolve("runs/it").resolve(EvaluateModelsJob.MODEL_CARD_DIR);
    assertThat(dir.resolve("_SUCCESS")).exists();
    com.fasterxml.jackson.databind.JsonNode card =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(dir.resolve(io.medvec.core.store.ModelCard.JSON_FILE).toFile());
    assertThat(card.get("classes").toString()).isEqualTo("[\"normal\",\"pneumonia\"]");
    assertThat(card.at("/base/fingerprint").asText()).isEqualTo(result.pretrain().fingerprint());
    assertThat(card.at("/base/source").asText()).isEqualTo("trained");
    assertThat(card.at("/preprocessing/width").asInt()).isEqualTo(28);
    assertThat(card.at("/merge/lambda").asDouble()).isEqualTo(result.merge().lambda());
    assertThat(card.at("/model/fingerprint").asText())
        .isEqualTo(result.merge().mergedFingerprint());
    // every hospital the merge used, with the counts its vector manifest reports
    List<io.medvec.core.store.MergeManifest.UsedVector> used = result.merge().vectors();
    assertThat(card.get("hospitals")).hasSize(used.size());
    for (int i = 0; i < used.size(); i += 1) {
      com.fasterxml.jackson.databind.JsonNode h = card.get("hospitals").get(i);
      assertThat(h.get("name").asText()).isEqualTo(used.get(i).hospital());
      assertThat(h.get("examples").asLong()).isEqualTo(used.get(i).examples());
      long sum = 0;
      for (com.fasterxml.jackson.databind.JsonNode c : h.get("label_counts")) {
        sum += c.asLong();
      }
      assertThat(sum).isEqualTo(used.get(i).examples());
    }
    // the merged model's metrics are the metrics table's, each inside its 95 % interval
    for (com.fasterxml.jackson.databind.JsonNode split : card.get("metrics")) {
      for (com.fasterxml.jackson.databind.JsonNode m : split.get("metrics")) {
        double table =
            result.evaluate().rows().stream()
                .filter(
                    r ->
                        r.modelKind().equals("merged")
                            && r.split().equals(split.get("split").asText())
                            && r.metric().equals(m.get("name").asText())
                            && r.label() == null)
                .findFirst()
                .orElseThrow()
                .value();
        assertThat(m.get("value").asDouble()).isEqualTo(table);
        assertThat(m.get("low").asDouble()).isLessThanOrEqualTo(table);
        assertThat(m.get("high").asDouble()).isGreaterThanOrEqualTo(table);
        assertThat(m.get("high").asDouble() - m.get("low").asDouble()).isPositive();
      }
      assertThat(split.get("metrics").findValuesAsText("method"))
          .containsExactly("wilson", "delong", "bootstrap");
    }
    assertThat(card.get("metrics").findValuesAsText("split")).containsExactly("test", "val");
    String md = Files.readString(dir.resolve(io.medvec.core.store.ModelCard.MARKDOWN_FILE));
    assertThat(md).contains("## Intended use", "## Limits", "1. pneumonia", "95 % confidence");
    used.forEach(v -> assertThat(md).contains("| " + v.hospital() + " | " + v.examples() + " |"));
  }

  @Test
  void metricsTableHoldsEveryModelAndIsPlainParquet() throws Exception {
    Path partition = out.resolve("metrics/run_id=it");
    assertThat(partition.resolve("_SUCCESS")).exists();
    List<Path> files;
    try (Stream<Path> s = Files.list(partition)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
    }
    assertThat(files).isNotEmpty();
    Configuration conf = new Configuration();
    List<Map<String, Object>> rows =
        files.stream()
            .flatMap(
                f -> SimpleParquet.read(conf, HadoopFiles.qualify(conf, f.toString())).stream())
            .toList();
    // 5 models (pretrained, 3 single_site, merged) x 2 splits x (3 model metrics + 2 classes x 3
    // class metrics)
    assertThat(rows).hasSize(5 * 2 * (3 + 2 * 3));
    Map<String, Long> kinds =
        rows.stream()
            .filter(r -> r.get("split").equals("test") && r.get("metric").equals("auc"))
            .collect(
                Collectors.groupingBy(r -> (String) r.get("model_kind"), Collectors.counting()));
    assertThat(kinds)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("pretrained", 1L, "single_site", 3L, "merged", 1L));
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat((Double) r.get("value")).isBetween(0.0, 1.0);
              assertThat(r.get("n")).isEqualTo(r.get("split").equals("test") ? 200L : 150L);
              assertThat(r.get("dataset")).isEqualTo("pneumoniamnist");
            });
    assertThat(
            rows.stream()
                .filter(r -> r.get("label") == null)
                .map(r -> (String) r.get("metric"))
                .distinct())
        .containsExactlyInAnyOrder("accuracy", "auc", "macro_f1");
    assertThat(
            rows.stream()
                .filter(r -> r.get("label") != null)
                .map(r -> r.get("metric") + "@" + r.get("label"))
                .distinct())
        .containsExactlyInAnyOrder(
            "precision@0", "recall@0", "f1@0", "precision@1", "recall@1", "f1@1");
  }

  @Test
  void sparkReadsTheTableWithTheRunAsPartition() {
    Dataset<Row> table = SparkTests.spark().read().parquet(out.resolve("metrics").toString());
    assertThat(table.columns())
        .contains("run_id", "model_kind", "model_id", "split", "metric", "value", "n");
    assertThat(
            table
                .where(
                    "run_id = 'it' and model_kind = 'merged' and split = 'test' and label is null")
                .count())
        .isEqualTo(3);
  }

  @Test
  void everyHospitalPublishedAVectorThatPlainParquetReads() {
    assertThat(result.finetune().hospitals())
        .extracting(HospitalFineTune.Outcome::hospital)
        .containsExactly("h0", "h1", "h2");
    Configuration conf = new Configuration();
    long total = 0;
    for (HospitalFineTune.Outcome o : result.finetune().hospitals()) {
      float[] delta =
          FloatChunkFile.readAll(conf, new org.apache.hadoop.fs.Path(o.vector(), "vector.parquet"));
      assertThat(FloatChunkFile.sha256(delta)).isEqualTo(o.vectorSha256());
      assertThat(delta).hasSize((int) (result.pretrain().parameters() - 2 * (8 + 16)));
      total += o.examples();
      assertThat(Path.of(java.net.URI.create(o.vector())).resolve("manifest.json")).exists();
      assertThat(o.device()).isEqualTo("cpu");
    }
    assertThat(total + result.partition().publicPool()).isEqualTo(900);
    assertThat(result.merge().vectors()).hasSize(3);
    assertThat(result.merge().candidates())
        .extracting(io.medvec.core.merge.LambdaSearch.Candidate::lambda)
        .containsExactly(0.34, 1.0);
    assertThat(result.merge().lambda()).isIn(0.34, 1.0);
  }

  @Test
  void mergeRefusesABaseWithoutVectors() {
    ConfigMap map = config("base=" + "0".repeat(64));
    MergeVectorsJob.Config merge = MergeVectorsJob.Config.from(map);
    assertThatThrownBy(() -> new MergeVectorsJob(SparkTests.spark(), merge).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0".repeat(64));
  }

  @Test
  void vectorOfAnotherBaseIsRefusedByTheMerge() throws Exception {
    // a second base (other init seed) in run it2; then a careless upload files an old vector under
    // it
    ConfigMap map = config("run-id=it2", "model.seed=43");
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    String other =
        new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(map))
            .run()
            .fingerprint();
    String fp = result.pretrain().fingerprint();
    assertThat(other).isNotEqualTo(fp);
    RobustFixture.copyTree(
        out.resolve("vectors/base=" + fp + "/hospital=h0"),
        out.resolve("vectors/base=" + other + "/hospital=h0"));
    MergeVectorsJob.Config merge = MergeVectorsJob.Config.from(map);
    assertThatThrownBy(() -> new MergeVectorsJob(SparkTests.spark(), merge).run())
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining(fp)
        .hasMessageContaining(other);
    assertThat(out.resolve("runs/it2/merged")).doesNotExist();
  }

  @Test
  void rerunWithTheSameRunIdReplacesOnlyThatRun() throws Exception {
    Path metrics = out.resolve("metrics");
    Path otherRun = metrics.resolve("run_id=other");
    Files.createDirectories(otherRun);
    Files.writeString(otherRun.resolve("marker"), "keep");
    ConfigMap map = config();
    EvaluateModelsJob.Result again =
        new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(map)).run();
    assertThat(again.rows()).isEqualTo(result.evaluate().rows());
    assertThat(otherRun.resolve("marker")).hasContent("keep");
    try (Stream<Path> s = Files.list(metrics)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("_"))).isEmpty();
    }
  }

  @Test
  void oneHospitalRerunAloneReproducesItsVectorBitForBit() {
    HospitalFineTune.Outcome before = result.finetune().hospitals().get(1);
    FineTuneVectorsJob.Result alone =
        new FineTuneVectorsJob(
                SparkTests.spark(),
                FineTuneVectorsJob.Config.from(config("finetune.hospitals=[h1]")))
            .run();
    assertThat(alone.hospitals())
        .extracting(HospitalFineTune.Outcome::hospital)
        .containsExactly("h1");
    assertThat(alone.hospitals().get(0).vectorSha256()).isEqualTo(before.vectorSha256());
    assertThat(alone.hospitals().get(0).examples()).isEqualTo(before.examples());
  }

  @Test
  void unknownHospitalIsRefused() {
    FineTuneVectorsJob.Config config =
        FineTuneVectorsJob.Config.from(config("finetune.hospitals=[h9]"));
    assertThatThrownBy(() -> new FineTuneVectorsJob(SparkTests.spark(), config).run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("h9")
        .hasMessageContaining("no images");
  }

  @Test
  void importedBaseKeepsItsFingerprint() {
    ConfigMap map =
        config(
            "run-id=it3",
            "pretrain.import="
                + out.resolve("base/" + result.pretrain().fingerprint() + "/model.zip"));
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    PretrainModelJob.Result imported =
        new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(map)).run();
    assertThat(imported.fingerprint()).isEqualTo(result.pretrain().fingerprint());
    assertThat(imported.epochs()).isEmpty();
  }

  /** Config of run {@code runId} on the fixture's base (no pretrain of its own). */
  static ConfigMap onBase(String runId, String... overrides) {
    List<String> all =
        new ArrayList<>(List.of("run-id=" + runId, "base=" + result.pretrain().fingerprint()));
    all.addAll(List.of(overrides));
    return config(all.toArray(String[]::new));
  }

  /**
   * Partitions {@code map}'s run (the fixture's spec, so the same public pool) and returns {@code
   * map}.
   */
  static ConfigMap partitioned(ConfigMap map) {
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    return map;
  }

  static MergeVectorsJob.Result merge(ConfigMap map) {
    return new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(map)).run();
  }

  @Test
  void outputBiasRefitChangesOnlyTheOutputBiasAndMatchesThePoolsClassMix() {
    ConfigMap keep = partitioned(onBase("it4", "merge.lambda=1.0"));
    MergeVectorsJob.Result kept = merge(keep);
    Configuration conf = new Configuration();
    MultiLayerNetwork before = ModelIO.load(conf, HadoopFiles.qualify(conf, kept.model()));
    assertThat(kept.outputBias()).isEqualTo("keep");

    ConfigMap refit =
        keep.withOverrides(List.of("merge.output-bias=refit", "merge.output-bias-smoothing=0.5"));
    MergeVectorsJob.Result refitted = merge(refit);
    MultiLayerNetwork after = ModelIO.load(conf, HadoopFiles.qualify(conf, refitted.model()));
    assertThat(refitted.outputBias()).isEqualTo("refit");
    assertThat(refitted.mergedFingerprint()).isNotEqualTo(kept.mergedFingerprint());

    String bias = (after.getnLayers() - 1) + "_b";
    for (Map.Entry<String, INDArray> e : before.paramTable().entrySet()) {
      if (e.getKey().equals(bias)) {
        assertThat(after.getParam(bias)).isNotEqualTo(e.getValue());
      } else {
        assertThat(after.getParam(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
    int[] publicRows =
        new AssignmentStore(
                conf, new OutputLayout(HadoopFiles.qualify(conf, out.toString()), "it4"))
            .publicPool();
    ImageSet pool = NpzReader.read(tmp.resolve("pneumoniamnist.npz")).train().subset(publicRows);
    float[] probs = Predictor.predict(after, pool, 64);
    long[] counts = pool.labelCounts();
    for (int c = 0; c < 2; c++) {
      double mean = 0;
      for (int r = 0; r < pool.size(); r++) {
        mean += probs[r * 2 + c] / pool.size();
      }
      assertThat(mean)
          .as("class " + c)
          .isCloseTo((counts[c] + 0.5) / (pool.size() + 1.0), within(1e-4));
    }
  }

  @Test
  void outputLayerRefitChoosesItsPullOnValidationAndChangesOnlyTheOutputLayer() {
    ConfigMap keep = partitioned(onBase("it8", "merge.lambda=1.0"));
    MergeVectorsJob.Result kept = merge(keep);
    Configuration conf = new Configuration();
    MultiLayerNetwork before =
        ModelIO.load(conf, HadoopFiles.qualify(conf, kept.model())); // same run: replaced below
    MergeVectorsJob.Result refitted =
        merge(
            keep.withOverrides(
                List.of("merge.output-layer=refit", "merge.output-layer-pull=[0.01, 0.1]")));

    assertThat(kept.outputLayer()).isEqualTo("keep");
    assertThat(kept.outputLayerPull()).isNull();
    assertThat(refitted.outputLayer()).isEqualTo("refit");
    assertThat(refitted.strategyCandidates())
        .extracting(MergeSelection.Candidate::outputLayerPull)
        .containsExactly(0.01, 0.1);
    MergeSelection.Candidate winner =
        refitted.strategyCandidates().stream()
            .min(java.util.Comparator.comparingDouble(c -> c.best().valLogLoss()))
            .orElseThrow();
    assertThat(refitted.outputLayerPull()).isEqualTo(winner.outputLayerPull());
    assertThat(refitted.candidates())
        .singleElement()
        .satisfies(c -> assertThat(c.valLogLoss()).isEqualTo(winner.best().valLogLoss()));

    MultiLayerNetwork after = ModelIO.load(conf, HadoopFiles.qualify(conf, refitted.model()));
    String output = (after.getnLayers() - 1) + "_";
    for (Map.Entry<String, INDArray> e : before.paramTable().entrySet()) {
      if (e.getKey().startsWith(output)) {
        assertThat(after.getParam(e.getKey())).as(e.getKey()).isNotEqualTo(e.getValue());
      } else {
        assertThat(after.getParam(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void autoStrategyKeepsTheBestOnValidationAndEqualsThatStrategyRunAlone() {
    MergeVectorsJob.Result chosen =
        merge(
            partitioned(
                onBase(
                    "it5",
                    "merge.strategy=auto",
                    "merge.candidates=[median, task-arithmetic, ties]")));

    assertThat(chosen.strategySelection()).isEqualTo("best on val log_loss");
    assertThat(chosen.strategyCandidates())
        .extracting(MergeSelection.Candidate::strategy)
        .containsExactly("median", "task-arithmetic", "ties");
    double best =
        chosen.strategyCandidates().stream()
            .mapToDouble(c -> c.best().valLogLoss())
            .min()
            .orElseThrow();
    MergeSelection.Candidate winner =
        chosen.strategyCandidates().stream()
            .filter(c -> c.strategy().equals(chosen.strategy()))
            .findFirst()
            .orElseThrow();
    assertThat(winner.best().valLogLoss()).isEqualTo(best);
    assertThat(winner.best().lambda()).isEqualTo(chosen.lambda());

    MergeVectorsJob.Result alone = merge(onBase("it5", "merge.strategy=" + chosen.strategy()));
    assertThat(alone.strategySelection()).isEqualTo("fixed");
    assertThat(alone.strategyCandidates()).isEmpty();
    assertThat(alone.lambda()).isEqualTo(chosen.lambda());
    assertThat(alone.mergedFingerprint()).isEqualTo(chosen.mergedFingerprint());
  }

  @Test
  void blockScopeChoosesAFeaturesAndAHeadLambda() {
    MergeVectorsJob.Result merged =
        merge(
            partitioned(
                onBase(
                    "it6",
                    "merge.lambda-scope=block",
                    "merge.controls=[merged-no-bn-restore, random-vector]")));

    assertThat(merged.candidates()).hasSize(4);
    assertThat(merged.lambdaHead()).isIn(0.34, 1.0);
    double lowest =
        merged.candidates().stream()
            .mapToDouble(LambdaSearch.Candidate::valLogLoss)
            .min()
            .orElseThrow();
    assertThat(merged.candidates())
        .filteredOn(
            c -> c.lambda() == merged.lambda() && c.lambdaHead().equals(merged.lambdaHead()))
        .singleElement()
        .satisfies(c -> assertThat(c.valLogLoss()).isEqualTo(lowest));
    assertThat(merged.controls())
        .extracting(Controls.Control::kind)
        .containsExactly("merged_no_bn_restore", "random_vector");
    assertThat(merged.controls().get(0).lambda()).isEqualTo(merged.lambda());
    assertThat(merged.controls().get(0).lambdaHead()).isEqualTo(merged.lambdaHead());
    assertThat(merged.controls().get(1).candidates()).hasSize(4);
  }

  @Test
  void runScopedVectorsStayWithTheirRunAndLeaveTheSharedStoreAlone() {
    // an experiment cell: same base as the fixture, other hospitals under the same ids h0, h1
    ConfigMap map = partitioned(onBase("it7", "vectors.scope=run", "partition.hospitals=2"));
    FineTuneVectorsJob.Result tuned =
        new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(map)).run();
    MergeVectorsJob.Result merged = merge(map);

    assertThat(merged.vectors())
        .extracting(MergeManifest.UsedVector::hospital)
        .containsExactly("h0", "h1");
    assertThat(merged.vectors())
        .extracting(MergeManifest.UsedVector::sha256)
        .containsExactlyElementsOf(
            tuned.hospitals().stream().map(HospitalFineTune.Outcome::vectorSha256).toList());
    assertThat(merged.vectors())
        .allSatisfy(v -> assertThat(v.dir()).startsWith("runs/it7/vectors/base="));
    // the shared store still holds the fixture's three vectors, bit for bit
    VectorStore shared =
        new VectorStore(
            new Configuration(), new org.apache.hadoop.fs.Path(out.resolve("vectors").toUri()));
    assertThat(shared.list(result.pretrain().fingerprint()))
        .extracting(v -> v.manifest().vectorSha256())
        .containsExactlyElementsOf(
            result.finetune().hospitals().stream()
                .map(HospitalFineTune.Outcome::vectorSha256)
                .toList());
    // and the sql view lists both kinds
    QueryMetricsJob sql =
        new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(out.toString(), 10));
    assertThat(
            sql.run("SELECT run_id, count(*) FROM vectors GROUP BY run_id ORDER BY run_id").rows())
        .containsExactly(List.of("it", "3"), List.of("it7", "2"));
  }

  @Test
  void unknownKeysAreRefusedByName() {
    ConfigMap map = config("merge.lamda=0.5");
    MergeVectorsJob.Config.from(map);
    assertThatThrownBy(map::rejectUnknown).hasMessageContaining("merge.lamda");
  }
}
