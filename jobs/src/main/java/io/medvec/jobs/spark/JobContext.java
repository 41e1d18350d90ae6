package io.medvec.jobs.spark;

import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceData;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.AssignmentStore;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.OutputLayout;
import io.medvec.jobs.CommonConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a job needs besides its own config: the session, the Hadoop configuration and the layout.
 */
public final class JobContext {

  private static final Logger LOG = LoggerFactory.getLogger(JobContext.class);

  /** The logger of progress lines (stage start and end, epochs), shown at default verbosity. */
  public static final String PROGRESS_LOGGER = "medvec.progress";

  public static final Logger PROGRESS = LoggerFactory.getLogger(PROGRESS_LOGGER);

  private final SparkSession spark;
  private final CommonConfig common;
  private final Configuration hadoop;
  private final OutputLayout paths;
  private final long start = System.nanoTime();

  public JobContext(SparkSession spark, CommonConfig common) {
    this.spark = spark;
    this.common = common;
    // a copy: the lease timing travels with it to every task, never into the shared session's
    this.hadoop =
        common.lease().applyTo(HadoopFiles.failFast(spark.sparkContext().hadoopConfiguration()));
    this.paths =
        new OutputLayout(
            HadoopFiles.qualify(hadoop, common.out()), common.runId(), common.runVectors());
  }

  public SparkSession spark() {
    return spark;
  }

  public CommonConfig common() {
    return common;
  }

  public Configuration hadoop() {
    return hadoop;
  }

  public OutputLayout paths() {
    return paths;
  }

  /** θ_pre by fingerprint. */
  public BaseModelStore baseModels() {
    return new BaseModelStore(hadoop, paths);
  }

  /** This run's hospital assignment. */
  public AssignmentStore assignment() {
    return new AssignmentStore(hadoop, paths);
  }

  /** This run's merged and control models. */
  public MergedModelStore mergedModels() {
    return new MergedModelStore(hadoop, paths);
  }

  public Path dataPath() {
    return HadoopFiles.qualify(hadoop, common.requireData());
  }

  /**
   * The configured image source (any format {@code data.format} names or detection finds),
   * preprocessed as the config declares, completed from the data; for the stages before a base
   * model exists (partition, pretrain).
   */
  public SourceData loadData() {
    return loadData(hadoop, dataSpec(null));
  }

  /** The configured image source, preprocessed exactly as the base model {@code fingerprint}. */
  public SourceData loadData(String fingerprint) {
    return loadData(hadoop, dataSpec(basePreprocessing(fingerprint)));
  }

  /** The configured image source as listed, with the preprocessing of base {@code fingerprint}. */
  public SourceListing listData(String fingerprint) {
    return listData(hadoop, dataSpec(basePreprocessing(fingerprint)));
  }

  /** The source of {@code spec} through the Hadoop file system, in a driver or a task. */
  public static SourceData loadData(Configuration conf, DataSpec spec) {
    return SourceData.load(conf, new Path(spec.path()), spec.source(), spec.preprocessing());
  }

  /**
   * The source of {@code spec} as listed (no pixel decoded but the first train image where its
   * preprocessing is resolved from the data), in a driver or a task.
   */
  public static SourceListing listData(Configuration conf, DataSpec spec) {
    return SourceListing.open(conf, new Path(spec.path()), spec.source(), spec.preprocessing());
  }

  /** The configured source with {@code preprocessing} (null: resolved from config and data). */
  public DataSpec dataSpec(Preprocessing preprocessing) {
    return new DataSpec(dataPath().toString(), common.source(), preprocessing);
  }

  /**
   * The preprocessing recorded with base {@code fingerprint}, after refusing any preprocessing key
   * the config sets to another value (exit 2, naming the field); null for a base recorded without
   * one.
   */
  public Preprocessing basePreprocessing(String fingerprint) {
    return basePreprocessing(baseManifest(fingerprint), common);
  }

  /**
   * The preprocessing {@code manifest} declares (null if none), after refusing any preprocessing
   * key {@code common} sets to another value (exit 2); for a base read from any directory ({@link
   * BaseManifest#read}).
   */
  public static Preprocessing basePreprocessing(BaseManifest manifest, CommonConfig common) {
    Preprocessing base = manifest.preprocessing();
    if (base != null) {
      PreprocessingCheck.requireConfigured(base, common.source(), common.preprocessingSet());
    }
    return base;
  }

  /** The manifest fields of base {@code fingerprint}: its preprocessing and class names. */
  public BaseManifest baseManifest(String fingerprint) {
    return BaseManifest.read(hadoop, paths.baseDir(fingerprint));
  }

  /** The base fingerprint: configured, or the one this run's pretrain job recorded. */
  public String baseFingerprint() {
    if (!common.base().isEmpty()) {
      return common.base();
    }
    return baseModels().runFingerprint();
  }

  /** Whether this run has a result record of {@code job}. */
  public boolean hasResult(String job) {
    return HadoopFiles.exists(hadoop, paths.result(job));
  }

  /** Reads a job's result record of this run. */
  public <T> T readResult(String job, Class<T> type) {
    Path file = paths.result(job);
    return Json.read(HadoopFiles.readString(hadoop, file), type, file.toString());
  }

  /**
   * Writes a job's result record next to the run's outputs; logs where (and, at debug, the record).
   */
  public void writeResult(String job, Object result) {
    String json = Json.write(result);
    HadoopFiles.writeStringAtomically(hadoop, paths.result(job), json);
    PROGRESS.info(
        "{} done in {} s: {}",
        job,
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9),
        paths.result(job));
    LOG.debug("{} result:\n{}", job, json);
  }

  /**
   * Sets the description shown for the next Spark jobs in the UI and logs it as a progress line.
   */
  public void describe(String description) {
    spark.sparkContext().setJobDescription(description);
    PROGRESS.info("{}", description);
  }
}
