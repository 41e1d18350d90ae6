package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.source.SourceData;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.Preflight;
import io.medvec.jobs.spark.JobContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Produces θ_pre: trains the configured CNN on the coordinator's public pool (or imports an
 * existing DL4J model file) and publishes it under its SHA-256 fingerprint.
 */
public final class PretrainModelJob {

  public static final String NAME = BaseModelStore.STAGE;

  /**
   * @param common shared keys
   * @param model {@code model.*}
   * @param train {@link #TRAIN}
   * @param importModel {@link #IMPORT}
   */
  public record Config(
      CommonConfig common, ModelConfig model, TrainSettings train, String importModel) {
    static final TrainConfig TRAIN =
        TrainConfig.keys("pretrain", "pre-training on the public pool", 5, 1e-3, 1);
    static final ConfigKey<String> IMPORT =
        ConfigKey.string(
            "pretrain.import",
            "",
            "an existing DL4J model file to publish as theta_pre instead of training (empty: train)");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ModelConfig.KEYS,
            TRAIN.group("pretrain: theta_pre on the public pool").with(IMPORT));

    public static Config from(ConfigMap map) {
      return new Config(
          CommonConfig.from(map), ModelConfig.from(map), TRAIN.read(map), IMPORT.read(map));
    }
  }

  /** What the job wrote. */
  public record Result(
      String runId,
      String fingerprint,
      String model,
      long parameters,
      long publicPool,
      List<EpochStats> epochs) {}

  private final JobContext ctx;
  private final Config config;

  public PretrainModelJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    Preflight.requireWritable(ctx.hadoop(), ctx.paths().baseDir("fingerprint"));
    Preflight.requireWritable(ctx.hadoop(), ctx.paths().result(NAME));
    SourceData loaded = ctx.loadData();
    MedMnist data = loaded.data();
    ImageSet pool = data.train().subset(ctx.assignment().publicPool());
    if (config.importModel().isEmpty()) {
      Preflight.requireNonEmpty(
          pool,
          "the public pool of " + ctx.assignment().dir(),
          "pre-train",
          "pretraining trains on it (set partition.public-fraction > 0, or pretrain.import)");
    }
    MultiLayerNetwork net;
    List<EpochStats> epochs = List.of();
    if (config.importModel().isEmpty()) {
      ctx.describe("pre-train θ_pre on the public pool (" + pool.size() + " images)");
      net = NetworkFactory.build(config.model().spec(data, config.train().learningRate()));
      epochs =
          AugmentedTraining.fit(
              net,
              pool,
              ctx.assignment().publicPool(),
              loaded.preprocessing(),
              config.train(),
              e ->
                  JobContext.PROGRESS.info(
                      "pretrain epoch {}/{}: loss {} ({} examples/s)",
                      e.epoch(),
                      config.train().epochs(),
                      String.format("%.4f", e.meanLoss()),
                      String.format("%.1f", e.examplesPerSecond())));
    } else {
      Path file = HadoopFiles.qualify(ctx.hadoop(), config.importModel());
      ctx.describe("import θ_pre from " + file);
      net = ModelIO.load(ctx.hadoop(), file);
      requireCompatible(net, data, file);
    }
    BaseModelStore bases = ctx.baseModels();
    Map<String, Object> fields =
        new java.util.TreeMap<>(
            new BaseManifest(loaded.preprocessing(), loaded.classes()).fields());
    fields.putAll(
        Map.of(
            "dataset",
            data.dataset(),
            "parameters",
            net.numParams(),
            "public_pool",
            pool.size(),
            "created_at",
            Instant.now().toString(),
            "source",
            config.importModel().isEmpty() ? "trained" : config.importModel()));
    String fingerprint = bases.publish(net, fields);
    Result result =
        new Result(
            config.common().runId(),
            fingerprint,
            bases.modelFile(fingerprint).toString(),
            net.numParams(),
            pool.size(),
            epochs);
    ctx.writeResult(NAME, result);
    return result;
  }

  private static void requireCompatible(MultiLayerNetwork net, MedMnist data, Path file) {
    ImageSet probe = data.val().subset(new int[] {0});
    try {
      Predictor.predict(net, probe, 1);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot import model "
              + file
              + ": it does not accept "
              + data.dataset()
              + " images ("
              + data.channels()
              + "x"
              + probe.height()
              + "x"
              + probe.width()
              + ", "
              + data.numClasses()
              + " classes)",
          e);
    }
  }

  public static void main(String[] args) {
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new PretrainModelJob(spark, config).run());
  }
}
