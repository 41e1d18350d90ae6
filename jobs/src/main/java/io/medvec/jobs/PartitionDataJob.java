package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.Assignment;
import io.medvec.core.data.HospitalPartitioner;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.data.PartitionSpec;
import io.medvec.core.data.Split;
import io.medvec.core.io.OutputGuard;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageSource;
import io.medvec.core.source.ImageSources;
import io.medvec.core.source.ManifestColumns;
import io.medvec.core.source.SourceConfig;
import io.medvec.core.source.SourceData;
import io.medvec.core.source.SourceFormat;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.store.AssignmentStore;
import io.medvec.jobs.spark.JobContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Splits the training images into the coordinator's public pool and K simulated hospitals and
 * writes the assignment (image index → hospital) as Parquet, so every run is reproducible and
 * auditable.
 */
public final class PartitionDataJob {

  static final String NAME = "partition";

  /**
   * @param common shared keys
   * @param spec {@code partition.*} but train-limit
   * @param trainLimit {@link #TRAIN_LIMIT}
   * @param source the {@code data.*} source keys: how {@code partition.mode: by-column} lists the
   *     examples and their column values (preprocessing is not the partition's concern)
   */
  public record Config(
      CommonConfig common,
      PartitionSpec spec,
      boolean shrinkToFit,
      int trainLimit,
      SourceConfig source) {
    static final ConfigKey<Double> PUBLIC_FRACTION =
        ConfigKey.number(
            "partition.public-fraction",
            0.05,
            0.0,
            0.99,
            "share of the training images in the coordinator's public pool (pre-training, batch-norm restore)");
    static final ConfigKey<Integer> HOSPITALS =
        ConfigKey.integer("partition.hospitals", 4, 1, 10_000, "number of simulated hospitals K");
    static final ConfigKey<PartitionMode> MODE =
        ConfigKey.enumValue(
            "partition.mode",
            PartitionMode.class,
            PartitionMode.IID,
            "how images are dealt to hospitals: iid, label skew drawn from a Dirichlet, or by-column:"
                + " each value of partition.column (a real site) is a hospital");
    static final ConfigKey<String> COLUMN =
        ConfigKey.string(
            "partition.column",
            "site",
            "by-column: the source's column whose values name the hospitals (a manifest column;"
                + " an .npz has none); each value becomes a hospital id, characters outside"
                + " [A-Za-z0-9_-] replaced by '_'");
    static final ConfigKey<Integer> MIN_SITE_EXAMPLES =
        ConfigKey.integer(
            "partition.min-site-examples",
            50,
            1,
            Integer.MAX_VALUE,
            "by-column: a site with fewer training images (after the public pool) is merged into"
                + " one hospital 'other'; if 'other' still has fewer, its images join the public pool");
    static final ConfigKey<Double> ALPHA =
        ConfigKey.positive(
            "partition.alpha",
            0.5,
            "Dirichlet concentration of the label skew (smaller: more skewed)");
    static final ConfigKey<Long> SEED =
        ConfigKey.longValue("partition.seed", 7, "seed of the assignment");
    static final ConfigKey<Integer> MIN_PER_HOSPITAL =
        ConfigKey.integer(
            "partition.min-per-hospital",
            20,
            1,
            Integer.MAX_VALUE,
            "fewest images any hospital may get");
    static final ConfigKey<Boolean> SHRINK_TO_FIT =
        ConfigKey.bool(
            "partition.shrink-to-fit",
            false,
            "iid, dirichlet: when the training images left after the public pool cannot give"
                + " partition.hospitals hospitals partition.min-per-hospital images each, simulate"
                + " as many as can (at least 2) and say so in the log, instead of refusing (exit 3);"
                + " conf/pipeline.yaml and conf/demo.yaml turn it on, experiments keep it off so"
                + " that a cell's K is the K it names");
    static final ConfigKey<Integer> TRAIN_LIMIT =
        ConfigKey.integer(
            "partition.train-limit",
            0,
            0,
            Integer.MAX_VALUE,
            "partition only the first N training images (0: all)");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ConfigGroup.of(
                "partition: hospitals and" + " public pool",
                PUBLIC_FRACTION,
                HOSPITALS,
                MODE,
                ALPHA,
                SEED,
                MIN_PER_HOSPITAL,
                SHRINK_TO_FIT,
                COLUMN,
                MIN_SITE_EXAMPLES,
                TRAIN_LIMIT),
            SourceKeys.SOURCE);

    public static Config from(ConfigMap map) {
      PartitionSpec spec =
          new PartitionSpec(
              PUBLIC_FRACTION.read(map),
              HOSPITALS.read(map),
              MODE.read(map),
              ALPHA.read(map),
              SEED.read(map),
              MIN_PER_HOSPITAL.read(map),
              COLUMN.read(map),
              MIN_SITE_EXAMPLES.read(map));
      return new Config(
          CommonConfig.from(map),
          spec,
          SHRINK_TO_FIT.read(map),
          TRAIN_LIMIT.read(map),
          listing(map));
    }

    /** The source keys of {@link SourceKeys#SOURCE}; preprocessing at its defaults. */
    private static SourceConfig listing(ConfigMap map) {
      return SourceConfig.sourceKeysOnly(map);
    }
  }

  /** What the job wrote. */
  public record Result(
      String runId,
      String dataset,
      String assignment,
      int hospitals,
      String mode,
      double alpha,
      double publicFraction,
      long seed,
      long publicPool,
      Map<String, List<Long>> labelCounts,
      Map<String, String> hospitalOfSite,
      List<String> mergedSites) {}

  private final JobContext ctx;
  private final Config config;

  public PartitionDataJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  /**
   * The configured spec, or with {@link Config#SHRINK_TO_FIT} as many hospitals as the images dealt
   * to hospitals can give {@code min-per-hospital} each, when that is fewer (and at least 2).
   */
  private PartitionSpec fitted(int[] labels, Listing data) {
    PartitionSpec spec = config.spec();
    if (!config.shrinkToFit()) {
      return spec;
    }
    int dealt = HospitalPartitioner.dealt(labels, data.numClasses(), spec.publicFraction());
    int fit = dealt / spec.minPerHospital();
    if (fit >= spec.hospitals() || fit < 2) {
      return spec; // fits, or not even two: assign refuses naming the numbers
    }
    JobContext.PROGRESS.warn(
        "partition: the {} training images left after the public pool give at most {} hospitals"
            + " of partition.min-per-hospital={} images: simulating {} instead of"
            + " partition.hospitals={} (partition.shrink-to-fit; set partition.hospitals or"
            + " partition.min-per-hospital to choose)",
        dealt,
        fit,
        spec.minPerHospital(),
        fit,
        spec.hospitals());
    return spec.withHospitals(fit);
  }

  public Result run() {
    ctx.describe(
        "partition " + ctx.dataPath() + " into " + config.spec().hospitals() + " hospitals");
    Listing data =
        config.spec().mode() == PartitionMode.BY_COLUMN
            ? bySite()
            : Listing.of(ctx.loadData().data());
    int[] labels = limit(data.labels());
    Assignment assignment;
    Map<String, String> hospitalOfSite = Map.of();
    List<String> mergedSites = List.of();
    if (data.sites() == null) {
      assignment = HospitalPartitioner.assign(labels, data.numClasses(), fitted(labels, data));
    } else {
      HospitalPartitioner.SitePartition p =
          HospitalPartitioner.assignBySite(
              labels,
              java.util.Arrays.copyOf(data.sites(), labels.length),
              data.numClasses(),
              config.spec());
      assignment = p.assignment();
      hospitalOfSite = p.hospitalOfSite();
      mergedSites = p.mergedSites();
    }
    AssignmentStore store = ctx.assignment();
    OutputGuard.requireSameInputs(
        ctx.hadoop(),
        store.partitionFile(),
        Map.of("/spec", config.spec(), "/result/dataset", data.dataset()),
        "run " + config.common().runId(),
        config.common().overwrite());
    Map<String, List<Long>> counts = labelCounts(assignment);
    PartitionSpec spec = config.spec();
    Result result =
        new Result(
            config.common().runId(),
            data.dataset(),
            store.assignmentFile().toString(),
            assignment.hospitals(),
            spec.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
            spec.alpha(),
            spec.publicFraction(),
            spec.seed(),
            assignment.publicIndices().length,
            counts,
            hospitalOfSite,
            mergedSites);
    store.write(assignment, Map.of("spec", config.spec(), "result", result));
    ctx.writeResult(NAME, result);
    return result;
  }

  /**
   * What a partition needs of the data: the training labels, and for by-column each training
   * example's value of the column, in the order the training split is read.
   */
  record Listing(String dataset, int numClasses, int[] labels, String[] sites) {
    static Listing of(MedMnist data) {
      return new Listing(data.dataset(), data.numClasses(), data.train().labels(), null);
    }
  }

  /**
   * The source's training examples with their {@code partition.column} values, listed without
   * decoding a pixel; an .npz has no columns and is refused naming the column.
   */
  private Listing bySite() {
    String column = config.spec().column();
    Path path = ctx.dataPath();
    SourceConfig s = config.source();
    ManifestColumns c = s.columns();
    ManifestColumns columns =
        new ManifestColumns(
            c.path(), c.bytes(), c.label(), c.className(), c.split(), column, c.patientId());
    SourceConfig withColumn =
        new SourceConfig(
            s.format(),
            s.classes(),
            columns,
            s.splitRule(),
            s.size(),
            s.aspect(),
            s.interpolation(),
            s.channels(),
            s.scaling(),
            s.mean(),
            s.std(),
            s.augmentation(),
            s.cacheMb());
    SourceFormat format =
        s.format() == SourceFormat.AUTO ? ImageSources.detect(ctx.hadoop(), path) : s.format();
    if (format == SourceFormat.NPZ || format == SourceFormat.IMAGE_FOLDER) {
      throw new IllegalArgumentException(
          "Cannot partition by column "
              + column
              + ": "
              + path
              + " is "
              + (format == SourceFormat.NPZ ? "a MedMNIST .npz" : "an image folder")
              + ", which has no columns; give a manifest table with a '"
              + column
              + "' column ("
              + Config.MODE.name()
              + ": by-column, "
              + Config.COLUMN.name()
              + ": "
              + column
              + ")");
    }
    ImageSource source = ImageSources.open(ctx.hadoop(), path, withColumn);
    // The training examples in the order SourceData gives the jobs, val carved out where the
    // table has none: the assignment indexes them.
    List<Example> train = SourceData.splits(source, s.splitRule()).get(Split.TRAIN);
    String name = path.getName();
    return new Listing(
        name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name,
        source.classes().size(),
        train.stream().mapToInt(Example::label).toArray(),
        train.stream().map(Example::site).toArray(String[]::new));
  }

  private int[] limit(int[] labels) {
    return config.trainLimit() > 0 && config.trainLimit() < labels.length
        ? java.util.Arrays.copyOf(labels, config.trainLimit())
        : labels;
  }

  private static Map<String, List<Long>> labelCounts(Assignment assignment) {
    Map<String, List<Long>> counts = new LinkedHashMap<>();
    counts.put(AssignmentStore.PUBLIC_POOL, boxed(assignment.labelCounts(Assignment.PUBLIC)));
    for (int h = 0; h < assignment.hospitals(); h++) {
      counts.put(assignment.id(h), boxed(assignment.labelCounts(h)));
    }
    return counts;
  }

  private static List<Long> boxed(long[] values) {
    return java.util.Arrays.stream(values).boxed().toList();
  }

  public static void main(String[] args) {
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new PartitionDataJob(spark, config).run());
  }
}
