package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.Split;
import io.medvec.core.store.Preflight;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Runs partition → pretrain → fine-tune → merge → evaluate in one session and prints the results.
 */
public final class RunPipelineJob {

  static final String NAME = "pipeline";

  /** Every job's configuration, read from one file. */
  public record Config(
      PartitionDataJob.Config partition,
      PretrainModelJob.Config pretrain,
      FineTuneVectorsJob.Config finetune,
      MergeVectorsJob.Config merge,
      EvaluateModelsJob.Config evaluate) {

    /** The keys this job reads: every stage's. */
    public static final List<ConfigGroup> KEYS =
        ConfigGroup.union(
            PartitionDataJob.Config.KEYS,
            PretrainModelJob.Config.KEYS,
            FineTuneVectorsJob.Config.KEYS,
            MergeVectorsJob.Config.KEYS,
            EvaluateModelsJob.Config.KEYS);

    public static Config from(ConfigMap map) {
      return new Config(
          PartitionDataJob.Config.from(map),
          PretrainModelJob.Config.from(map),
          FineTuneVectorsJob.Config.from(map),
          MergeVectorsJob.Config.from(map),
          EvaluateModelsJob.Config.from(map));
    }
  }

  /** Results of every stage. */
  public record Result(
      PartitionDataJob.Result partition,
      PretrainModelJob.Result pretrain,
      FineTuneVectorsJob.Result finetune,
      MergeVectorsJob.Result merge,
      EvaluateModelsJob.Result evaluate,
      double seconds) {}

  private final SparkSession spark;
  private final Config config;

  public RunPipelineJob(SparkSession spark, Config config) {
    this.spark = spark;
    this.config = config;
  }

  public Result run() {
    long start = System.nanoTime();
    preflight();
    PartitionDataJob.Result partition = new PartitionDataJob(spark, config.partition()).run();
    PretrainModelJob.Result pretrain = new PretrainModelJob(spark, config.pretrain()).run();
    FineTuneVectorsJob.Result finetune = new FineTuneVectorsJob(spark, config.finetune()).run();
    MergeVectorsJob.Result merge = new MergeVectorsJob(spark, config.merge()).run();
    EvaluateModelsJob.Result evaluate = new EvaluateModelsJob(spark, config.evaluate()).run();
    return new Result(
        partition, pretrain, finetune, merge, evaluate, (System.nanoTime() - start) / 1e9);
  }

  /**
   * What the later stages need of the output location and the data, checked before the first stage
   * so that a pipeline that cannot finish fails in seconds, not after its training: the output root
   * is writable, a public pool is partitioned when pretraining needs one, the validation split
   * (merge) and every split evaluate scores are non-empty. Each stage checks its own needs again
   * when run alone.
   */
  private void preflight() {
    JobContext ctx = new JobContext(spark, config.merge().common());
    Preflight.requireWritable(ctx.hadoop(), ctx.paths().runDir());
    double publicFraction = config.partition().spec().publicFraction();
    if (config.pretrain().importModel().isEmpty() && publicFraction == 0) {
      throw new IllegalArgumentException(
          "Cannot run the pipeline: partition.public-fraction leaves the public pool empty, and"
              + " pretraining trains on it (set partition.public-fraction > 0, or pretrain.import)"
              + " ("
              + publicFraction
              + ")");
    }
    MedMnist data = ctx.loadData().data();
    String source = ctx.dataPath().toString();
    Preflight.requireNonEmpty(
        data.val(),
        Preflight.split(data.val(), source),
        "run the pipeline",
        "merge scores every candidate on it");
    for (Split split : config.evaluate().splits()) {
      ImageSet set = data.split(split);
      Preflight.requireNonEmpty(
          set, Preflight.split(set, source), "run the pipeline", "evaluate.splits names it");
    }
  }

  /** A fixed-width table: one line per model and split, one column per metric. */
  public static String table(List<EvaluateModelsJob.MetricRow> rows) {
    Map<String, Map<String, Double>> byModel = new LinkedHashMap<>();
    Map<String, Long> n = new LinkedHashMap<>();
    for (EvaluateModelsJob.MetricRow r : rows) {
      if (r.label() != null) {
        continue; // per-class rows stay in the table
      }
      String key =
          String.format(Locale.ROOT, "%-12s %-10s %-5s", r.modelKind(), r.modelId(), r.split());
      byModel.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.metric(), r.value());
      n.put(key, r.n());
    }
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "%-12s %-10s %-5s %9s %9s %9s %6s",
            "model_kind",
            "model_id",
            "split",
            "accuracy",
            "auc",
            "macro_f1",
            "n"));
    byModel.forEach(
        (key, metrics) ->
            lines.add(
                String.format(
                    Locale.ROOT,
                    "%s %9.4f %9.4f %9.4f %6d",
                    key,
                    metrics.get("accuracy"),
                    metrics.get("auc"),
                    metrics.get("macro_f1"),
                    n.get(key))));
    return String.join("\n", lines);
  }

  /** The outputs' paths, then the results table last, where a person looks. */
  static void print(Result result) {
    org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path(result.merge().model());
    System.out.printf(
        Locale.ROOT,
        "%nmerged %d vectors with lambda %.3f (%s) in %.1f s%n",
        result.merge().vectors().size(),
        result.merge().lambda(),
        result.merge().lambdaSelection(),
        result.seconds());
    System.out.printf(
        Locale.ROOT,
        "outputs: run %s (job results JOB.json), merged model %s, metrics table %s%n%n",
        model.getParent().getParent(),
        model,
        result.evaluate().table());
    System.out.println(table(result.evaluate().rows()));
  }

  /**
   * The body of {@code main} (and of {@code bin/medvec demo}): runs, then prints the outputs and
   * results.
   */
  static Result runAndPrint(SparkSession spark, Config config) {
    Result result = new RunPipelineJob(spark, config).run();
    print(result);
    return result;
  }

  public static void main(String[] args) {
    JobMain.run(args, NAME, Config::from, RunPipelineJob::runAndPrint);
  }
}
