package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.Split;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.KerasImport;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.source.Example;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceConfig;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.Preflight;
import io.medvec.jobs.spark.JobContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Produces θ_pre: trains the configured CNN on the coordinator's public pool, or imports an
 * existing DL4J model file, or a pre-trained Keras model given a new head for the data's classes
 * (its input contract and frozen layers recorded in the base manifest), and publishes it under its
 * SHA-256 fingerprint.
 */
public final class PretrainModelJob {

  public static final String NAME = BaseModelStore.STAGE;

  /**
   * @param common shared keys
   * @param model {@code model.*}
   * @param train {@link #TRAIN}
   * @param importModel {@link #IMPORT}
   * @param freezeThrough {@link KerasImport#FREEZE_THROUGH}
   * @param inputScale {@link KerasImport#INPUT_SCALE}
   */
  public record Config(
      CommonConfig common,
      ModelConfig model,
      TrainSettings train,
      String importModel,
      String freezeThrough,
      PixelScale.Range inputScale) {
    static final TrainConfig TRAIN =
        TrainConfig.keys("pretrain", "pre-training on the public pool", 5, 1e-3, 1);
    static final ConfigKey<String> IMPORT =
        ConfigKey.string(
            "pretrain.import",
            "",
            "an existing model file to publish as theta_pre instead of training: a DL4J zip (a"
                + " multi-layer network or a graph), or a Keras HDF5 model (.h5, .hdf5) given a"
                + " new head for the data's classes, the data loaded at the model's input size and"
                + " channels unless data.image.size/channels are set (empty: train)");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ModelConfig.KEYS,
            TRAIN
                .group("pretrain: theta_pre on the public pool")
                .with(IMPORT)
                .with(KerasImport.FREEZE_THROUGH)
                .with(KerasImport.INPUT_SCALE));

    public static Config from(ConfigMap map) {
      return new Config(
          CommonConfig.from(map),
          ModelConfig.from(map),
          TRAIN.read(map),
          IMPORT.read(map),
          KerasImport.FREEZE_THROUGH.read(map),
          KerasImport.INPUT_SCALE.read(map));
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
    SourceListing listing =
        JobContext.listData(
            ctx.hadoop(),
            ctx.dataSpec(
                isKeras(config.importModel())
                    ? adoptContract(config, kerasFile(ctx, config))
                    : null));
    Preprocessing preprocessing = listing.preprocessing();
    int classes = listing.classes().size();
    int[] pool = ctx.assignment().publicPool();
    if (config.importModel().isEmpty()) {
      Preflight.requireNonEmpty(
          pool.length,
          "the public pool of " + ctx.assignment().dir(),
          "pre-train",
          "pretraining trains on it (set partition.public-fraction > 0, or pretrain.import)");
    }
    Network net;
    List<EpochStats> epochs = List.of();
    Map<String, Object> fields = new LinkedHashMap<>();
    PixelScale scale = inputScale(config, preprocessing);
    if (config.importModel().isEmpty()) {
      ctx.describe("pre-train θ_pre on the public pool (" + pool.length + " images)");
      Network built =
          config
              .model()
              .build(
                  preprocessing.channels().count(),
                  preprocessing.height(),
                  preprocessing.width(),
                  classes,
                  config.train().learningRate())
              .withInputScale(scale);
      Consumer<EpochStats> progress =
          e ->
              JobContext.PROGRESS.info(
                  "pretrain epoch {}/{}: loss {} ({} examples/s)",
                  e.epoch(),
                  config.train().epochs(),
                  String.format("%.4f", e.meanLoss()),
                  String.format("%.1f", e.examplesPerSecond()));
      if (listing.streams()) {
        epochs =
            AugmentedTraining.streamed(
                    built, listing, listing.select(Split.TRAIN, pool), config.train(), progress)
                .epochs();
      } else {
        epochs =
            AugmentedTraining.fit(
                built,
                listing.materialize().data().train().subset(pool),
                pool,
                preprocessing,
                config.train(),
                progress);
      }
      net = built;
    } else if (isKeras(config.importModel())) {
      Path file = kerasFile(ctx, config);
      ctx.describe("import θ_pre from Keras model " + file + " with a new head");
      KerasImport.Imported imported = KerasImport.load(localFile(file), scale);
      requireContract(imported.contract(), listing, file);
      net =
          KerasImport.withHead(
              imported.network(),
              classes,
              config.freezeThrough(),
              config.train().learningRate(),
              config.train().seed());
      fields.put(BaseModelStore.INPUT_CONTRACT, imported.contract().fields());
      fields.put("frozen_through", config.freezeThrough());
      fields.put(
          "frozen_layers",
          net.layers().stream()
              .filter(Network.LayerRef::frozen)
              .map(Network.LayerRef::name)
              .toList());
    } else {
      Path file = HadoopFiles.qualify(ctx.hadoop(), config.importModel());
      ctx.describe("import θ_pre from " + file);
      net = ModelIO.loadNetwork(ctx.hadoop(), file, scale);
      requireCompatible(net, listing, file);
    }
    if (!fields.containsKey(BaseModelStore.INPUT_CONTRACT) && !scale.isIdentity()) {
      Map<String, Object> contract = new LinkedHashMap<>();
      contract.put("height", preprocessing.height());
      contract.put("width", preprocessing.width());
      contract.put("channels", preprocessing.channels().count());
      contract.put("layout", "NCHW");
      contract.putAll(scale.fields());
      fields.put(BaseModelStore.INPUT_CONTRACT, contract);
    }
    BaseModelStore bases = ctx.baseModels();
    fields.putAll(new BaseManifest(preprocessing, listing.classes()).fields());
    fields.put("dataset", listing.dataset());
    fields.put("parameters", net.numParams());
    fields.put("public_pool", pool.length);
    fields.put("created_at", Instant.now().toString());
    fields.put("source", config.importModel().isEmpty() ? "trained" : config.importModel());
    String fingerprint = bases.publish(net, fields);
    Result result =
        new Result(
            config.common().runId(),
            fingerprint,
            bases.modelFile(fingerprint).toString(),
            net.numParams(),
            pool.length,
            epochs);
    ctx.writeResult(NAME, result);
    return result;
  }

  /**
   * The input transform θ_pre is trained or imported with: the per-channel standardisation of
   * {@code data.image.scaling: mean-std}, else the range {@code pretrain.input-scale} names. Both
   * at once are refused naming the keys.
   */
  static PixelScale inputScale(Config config, Preprocessing preprocessing) {
    if (preprocessing.scaling() != Preprocessing.Scaling.MEAN_STD) {
      return PixelScale.of(config.inputScale());
    }
    if (config.inputScale() != PixelScale.Range.UNIT) {
      throw new ConfigException(
          "Cannot use config key '"
              + KerasImport.INPUT_SCALE.name()
              + "' = "
              + Preprocessing.kebab(config.inputScale())
              + " with "
              + SourceKeys.SCALING.name()
              + ": mean-std: the standardisation is the model's input scale (leave "
              + KerasImport.INPUT_SCALE.name()
              + " at unit)");
    }
    return PixelScale.meanStd(preprocessing.mean(), preprocessing.std());
  }

  private static Path kerasFile(JobContext ctx, Config config) {
    return HadoopFiles.qualify(ctx.hadoop(), config.importModel());
  }

  /**
   * The preprocessing that gives the imported Keras model {@code file} the images it takes: its
   * input size and channels (a grey source converted to RGB, or RGB to grey), the rest from the
   * {@code data.*} keys. A configured {@code data.image.size} or {@code data.image.channels} that
   * asks for other images is refused naming the key, before any image is read.
   */
  static Preprocessing adoptContract(Config config, Path file) {
    int[] shape = KerasImport.inputShape(localFile(file));
    int height = shape[0];
    int width = shape[1];
    Preprocessing.Channels channels =
        shape[2] == 1 ? Preprocessing.Channels.GREY : Preprocessing.Channels.RGB;
    if (shape[2] != 1 && shape[2] != 3) {
      throw new IllegalArgumentException(
          "Cannot import Keras model "
              + file
              + ": it takes "
              + shape[2]
              + "-channel images; only grey (1) and RGB (3) images are supported");
    }
    SourceConfig source = config.common().source();
    Preprocessing configured = source.preprocessing(height, channels);
    if (source.size() > 0 && (source.size() != height || source.size() != width)) {
      throw new ConfigException(
          "Cannot use config key '"
              + SourceKeys.SIZE.name()
              + "' = "
              + source.size()
              + ": the imported model "
              + file
              + " takes "
              + height
              + "x"
              + width
              + " images (leave it unset to adopt the model's size)");
    }
    if (configured.channels() != channels) {
      throw new ConfigException(
          "Cannot use config key '"
              + SourceKeys.CHANNELS.name()
              + "' = "
              + Preprocessing.kebab(configured.channels())
              + ": the imported model "
              + file
              + " takes "
              + Preprocessing.kebab(channels)
              + " images (leave it at auto to adopt the model's channels)");
    }
    Preprocessing adopted =
        new Preprocessing(
            width,
            height,
            configured.aspect(),
            configured.interpolation(),
            channels,
            configured.scaling(),
            configured.mean(),
            configured.std(),
            configured.augmentation());
    JobContext.PROGRESS.info(
        "Preprocessing adopted from the imported model's input: {}x{} {}",
        width,
        height,
        Preprocessing.kebab(channels));
    return adopted;
  }

  private static boolean isKeras(String file) {
    String lower = file.toLowerCase(Locale.ROOT);
    return lower.endsWith(".h5") || lower.endsWith(".hdf5");
  }

  /** The HDF5 library reads local files only. */
  static java.nio.file.Path localFile(Path file) {
    if (!"file".equals(file.toUri().getScheme())) {
      throw new IllegalArgumentException(
          "Cannot import Keras model: HDF5 files are read from the local file system, not "
              + file.toUri().getScheme()
              + " ("
              + file
              + ")");
    }
    return java.nio.file.Path.of(file.toUri());
  }

  /** Refuses images that are not the size and channels the imported model takes. */
  private static void requireContract(
      KerasImport.InputContract contract, SourceListing listing, Path file) {
    Preprocessing p = listing.preprocessing();
    if (contract.height() != p.height()
        || contract.width() != p.width()
        || contract.channels() != p.channels().count()) {
      throw new IllegalArgumentException(
          "Cannot import Keras model "
              + file
              + ": it takes "
              + contract.height()
              + "x"
              + contract.width()
              + "x"
              + contract.channels()
              + " images, the data has "
              + p.height()
              + "x"
              + p.width()
              + "x"
              + p.channels().count()
              + " ("
              + listing.dataset()
              + ")");
    }
  }

  /** Refuses a model that cannot score one image of the data (its first val, else train, image). */
  private static void requireCompatible(Network net, SourceListing listing, Path file) {
    Preprocessing p = listing.preprocessing();
    List<Example> val = listing.examples(Split.VAL);
    List<Example> probe = (val.isEmpty() ? listing.examples(Split.TRAIN) : val).subList(0, 1);
    try {
      Predictor.predict(
          List.of(net), listing.batches(probe, 1, false, 0), listing.classes().size());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot import model "
              + file
              + ": it does not accept "
              + listing.dataset()
              + " images ("
              + p.channels().count()
              + "x"
              + p.height()
              + "x"
              + p.width()
              + ", "
              + listing.classes().size()
              + " classes)",
          e);
    }
  }

  public static void main(String[] args) {
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new PretrainModelJob(spark, config).run());
  }
}
