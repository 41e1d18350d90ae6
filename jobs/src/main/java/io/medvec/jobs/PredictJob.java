package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.io.LeaseSettings;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageSource;
import io.medvec.core.source.ImageSources;
import io.medvec.core.source.NpzSource;
import io.medvec.core.source.SourceConfig;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.store.PredictionsTable;
import io.medvec.core.store.Preflight;
import io.medvec.jobs.spark.HadoopConf;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.MetricsSchema;
import io.medvec.jobs.spark.PredictionTask;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bin/medvec predict --model DIR --data SOURCE --out TABLE}: scores every image of an image
 * source with a merged model and writes one row per image to the predictions table's partition
 * {@code TABLE/run_id=RUN/} ({@link PredictionsTable}), committed atomically under its writer
 * lease. The images are cut into contiguous slices scored in parallel Spark tasks; each task opens
 * the source itself and writes its own Parquet file, so neither the driver nor any task holds more
 * than its slice's rows.
 */
public final class PredictJob {

  public static final String NAME = "predict";

  /** The result record inside the committed partition (hidden from table readers by its '_'). */
  static final String RESULT_FILE = "_predict.json";

  static final Map<String, String> FLAG_KEYS =
      Map.of(
          "model", "predict.model", "data", "data.path", "out", "predict.out", "run-id", "run-id");

  /**
   * @param runId {@link CommonConfig#RUN_ID_KEY}: the partition written
   * @param model {@link #MODEL}
   * @param data {@link CommonConfig#DATA_PATH}: the image source
   * @param out {@link #OUT}
   * @param source the {@code data.*} source keys
   * @param partitions {@link #PARTITIONS}
   * @param batchSize {@link #BATCH_SIZE}
   * @param lease the writer lease's timing
   */
  public record Config(
      String runId,
      String model,
      String data,
      String out,
      SourceConfig source,
      int partitions,
      int batchSize,
      LeaseSettings lease) {
    public Config {
      if (!OutputLayout.RUN_ID.matcher(runId).matches()) {
        throw new ConfigException(
            "Invalid config key 'run-id': letters, digits, '.', '_', '-' only (" + runId + ")");
      }
    }

    /**
     * The source keys only: images are preprocessed as the model records, so the {@code data.*}
     * preprocessing keys do not apply.
     */
    private static SourceConfig source(ConfigMap map) {
      return SourceConfig.sourceKeysOnly(map);
    }

    /** Refuses the job when the model, source or table is not set (conf files leave them out). */
    void requireSet() {
      require(
          model, MODEL.name(), "--model DIR: a merged model directory, e.g. OUT/runs/RUN/merged");
      require(
          data,
          CommonConfig.DATA_PATH.name(),
          "--data SOURCE: an .npz, image folder, manifest or image table");
      require(out, OUT.name(), "--out TABLE: the predictions table's directory");
    }

    private static void require(String value, String key, String how) {
      if (value == null || value.isBlank()) {
        throw new ConfigException("Missing config key '" + key + "': set it (" + how + ")");
      }
    }

    static final ConfigKey<String> MODEL =
        ConfigKey.string(
            "predict.model",
            "",
            "the merged model directory to score with (OUT/runs/RUN/merged or a copy of it)");
    static final ConfigKey<String> OUT =
        ConfigKey.string(
            "predict.out",
            "",
            "the predictions table: a directory, local or any Hadoop URI; each run writes its partition run_id=RUN");
    static final ConfigKey<Integer> PARTITIONS =
        ConfigKey.integer(
            "predict.partitions",
            4,
            1,
            100_000,
            "Spark tasks the images are scored in (each writes one file)");
    static final ConfigKey<Integer> BATCH_SIZE =
        ConfigKey.integer("predict.batch-size", 256, 1, 65_536, "images per forward pass");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            ConfigGroup.of(
                "predict",
                CommonConfig.RUN_ID_KEY,
                MODEL,
                CommonConfig.DATA_PATH,
                OUT,
                PARTITIONS,
                BATCH_SIZE,
                LeaseSettings.TTL,
                LeaseSettings.RENEW),
            SourceKeys.SOURCE);

    public static Config from(ConfigMap map) {
      String envData = System.getenv("MEDVEC_DATA");
      return new Config(
          CommonConfig.RUN_ID_KEY.read(map),
          MODEL.read(map),
          CommonConfig.DATA_PATH.read(map, envData == null ? "" : envData),
          OUT.read(map),
          source(map),
          PARTITIONS.read(map),
          BATCH_SIZE.read(map),
          LeaseSettings.from(map));
    }
  }

  /**
   * What the job wrote.
   *
   * @param predicted images per predicted class
   * @param imagesPerSecond images scored per second of the scoring and writing stage
   */
  public record Result(
      String runId,
      String model,
      String modelFingerprint,
      String source,
      String table,
      long images,
      int tasks,
      List<String> classes,
      Map<String, Long> predicted,
      double seconds,
      double imagesPerSecond,
      String createdAt) {}

  private final SparkSession spark;
  private final Config config;
  private final Configuration hadoop;

  public PredictJob(SparkSession spark, Config config) {
    this.spark = spark;
    this.config = config;
    this.hadoop =
        config.lease().applyTo(HadoopFiles.failFast(spark.sparkContext().hadoopConfiguration()));
  }

  public Result run() {
    config.requireSet();
    Path partition =
        new Path(
            HadoopFiles.qualify(hadoop, config.out()),
            PredictionsTable.PARTITION_COLUMN + "=" + config.runId());
    Preflight.requireWritable(hadoop, partition);
    Path modelDir = HadoopFiles.qualify(hadoop, config.model());
    MergedModel model = MergedModel.load(hadoop, modelDir);
    Path sourcePath = HadoopFiles.qualify(hadoop, config.data());
    ImageSource source = ImageSources.open(hadoop, sourcePath, config.source());
    List<Example> examples = source.examples();
    if (examples.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot predict on " + source.describe() + ": it lists no images (" + sourcePath + ")");
    }
    try (ImageSource.Stream first = source.open(List.of(examples.get(0)))) {
      model.input(examples.get(0).id(), first.next().image());
    }
    requireClasses(source, model);
    StructType schema = MetricsSchema.of(PredictionsTable.columns(model.classes()));
    String createdAt = Instant.now().toString();
    List<PredictionTask> tasks =
        PredictionTask.slices(
            examples.size(),
            config.partitions(),
            sourcePath.toString(),
            Json.write(config.source()),
            new HadoopConf(hadoop),
            config.batchSize(),
            Json.write(model.spec()),
            createdAt);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    spark
        .sparkContext()
        .setJobDescription("predict " + examples.size() + " images of " + source.describe());
    JobContext.PROGRESS.info(
        "predict {} images of {} with {} in {} task(s)",
        examples.size(),
        source.describe(),
        modelDir,
        tasks.size());
    long start = System.nanoTime();
    Broadcast<byte[]> bytes =
        jsc.broadcast(
            io.medvec.core.model.ModelIO.readBytes(
                hadoop, new Path(modelDir, OutputLayout.MODEL_FILE)));
    Map<String, Long> predicted = new TreeMap<>();
    Result result;
    try (AtomicDir out = AtomicDir.begin(hadoop, partition)) {
      JavaRDD<Row> rows =
          jsc.parallelize(tasks, tasks.size()).flatMap(t -> t.score(bytes.value()).iterator());
      spark
          .createDataFrame(rows, schema)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(out.tmp().toString());
      long written = 0;
      for (Row r :
          spark
              .read()
              .parquet(out.tmp().toString())
              .groupBy("predicted_class")
              .count()
              .collectAsList()) {
        predicted.put(r.getString(0), r.getLong(1));
        written += r.getLong(1);
      }
      if (written != examples.size()) {
        throw new IllegalStateException(
            "Cannot commit predictions: " + written + " rows for " + examples.size() + " images");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      result =
          new Result(
              config.runId(),
              modelDir.toString(),
              model.fingerprint(),
              source.describe(),
              partition.toString(),
              examples.size(),
              tasks.size(),
              model.classes(),
              predicted,
              seconds,
              examples.size() / seconds,
              createdAt);
      HadoopFiles.writeStringAtomically(
          hadoop, new Path(out.tmp(), RESULT_FILE), Json.write(result));
      out.commit();
    } finally {
      bytes.destroy();
    }
    JobContext.PROGRESS.info(
        "predict done: {} images in {} s ({} images/s): {}",
        result.images(),
        String.format(Locale.ROOT, "%.1f", result.seconds()),
        String.format(Locale.ROOT, "%.1f", result.imagesPerSecond()),
        partition);
    return result;
  }

  /**
   * Refuses a source listing a class the model does not have: by name, or for an {@code .npz}
   * (whose classes are label indices) by count.
   */
  static void requireClasses(ImageSource source, MergedModel model) {
    List<String> theirs = source.classes();
    List<String> mine = model.classes();
    if (source instanceof NpzSource) {
      if (theirs.size() > mine.size()) {
        throw new IllegalArgumentException(
            "Cannot predict on "
                + source.describe()
                + ": it has "
                + theirs.size()
                + " classes, the model "
                + mine.size()
                + " ("
                + mine
                + ")");
      }
      return;
    }
    for (String c : theirs) {
      if (!mine.contains(c)) {
        throw new IllegalArgumentException(
            "Cannot predict on "
                + source.describe()
                + ": its class '"
                + c
                + "' is not one of the model's classes ("
                + mine
                + ")");
      }
    }
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the job on {@code args} and returns the exit code ({@code main} without the exit). */
  static int execute(String[] args) {
    return JobMain.executeCli(
        args,
        NAME,
        cli -> JobMain.parseConfig(cli, NAME, FLAG_KEYS, Config::from),
        (spark, config) -> new PredictJob(spark, config).run());
  }
}
