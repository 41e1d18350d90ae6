package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.HospitalId;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.Split;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.Metrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.finetune.VectorRelease;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.WriterLease;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.Network;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.privacy.DpSettings;
import io.medvec.core.source.Example;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceData;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.store.Preflight;
import io.medvec.core.store.PublishedBase;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * One hospital fine-tunes θ_pre on its own data and publishes its data vector to the consortium's
 * store, given nothing but the published base ({@code STORE/base/FP}): no run of the coordinator,
 * no partition, no shared data file. {@code bin/medvec finetune --base STORE/base/FP --data LOCAL
 * --hospital NAME [--publish STORE]}, or {@code spark-submit --class
 * io.medvec.jobs.PublishVectorJob} with the same options.
 *
 * <p>The hospital trains on all of its data's train split, in the driver (one hospital is one
 * task). Only the vector, its batch-norm statistics and the aggregate manifest (label counts,
 * example count, layouts, training settings, checksums, the base's dataset name) reach the store,
 * under the vector's writer lease and atomically; the result record and the optional scores of
 * θ_pre on the hospital's own splits stay in the hospital's {@code out}.
 */
public final class PublishVectorJob {

  /** The command whose options this job shares ({@code finetune}, in hospital mode). */
  static final String NAME = FineTuneVectorsJob.NAME;

  /** The result record's name under the hospital's {@code out/runs/RUN/}. */
  static final String RESULT = "hospital-finetune";

  /**
   * @param common shared keys; {@code out} is the hospital's own output (result record, scores)
   * @param hospital {@link #HOSPITAL}
   * @param base {@link #BASE}
   * @param publish {@link #PUBLISH}, empty: the store holding the base
   * @param scoreBase {@link #SCORE_BASE}
   * @param train {@code finetune.*} training keys
   * @param dp {@code finetune.dp.*} (null: off)
   */
  public record Config(
      CommonConfig common,
      String hospital,
      String base,
      String publish,
      boolean scoreBase,
      TrainSettings train,
      DpSettings dp) {
    public Config {
      if (hospital.isEmpty()) {
        throw new ConfigException(
            "Missing config key '"
                + HOSPITAL.name()
                + "': name this hospital (--hospital NAME; "
                + HospitalId.RULE
                + ")");
      }
      HospitalId.requireList(HOSPITAL.name(), List.of(hospital));
    }

    static final ConfigKey<String> HOSPITAL =
        ConfigKey.string(
            "hospital.id",
            "",
            "this hospital's id in the consortium's store, chosen by the hospital ("
                + HospitalId.RULE
                + "); its vector is filed under vectors/base=FP/hospital=ID");
    static final ConfigKey<String> BASE =
        ConfigKey.string(
                "hospital.base",
                "",
                "the published base to fine-tune: its directory STORE/base/FINGERPRINT (any Hadoop"
                    + " URI), or its fingerprint in the hospital.publish store")
            .accepts("STORE/base/FINGERPRINT, or a fingerprint with hospital.publish");
    static final ConfigKey<String> PUBLISH =
        ConfigKey.string(
            "hospital.publish",
            "",
            "the consortium's store the vector is published to (it holds base/ and vectors/);"
                + " empty: the store holding hospital.base");
    static final ConfigKey<Boolean> SCORE_BASE =
        ConfigKey.bool(
            "hospital.score-base",
            false,
            "first score theta_pre on each of the hospital's splits; printed and written to"
                + " out/runs/RUN/hospital-finetune.json, never to the store");

    /** The keys of hospital mode beyond the fine-tune job's. */
    static final ConfigGroup HOSPITAL_KEYS =
        ConfigGroup.of(
            "hospital: fine-tune on this hospital's own data (--hospital)",
            HOSPITAL,
            BASE,
            PUBLISH,
            SCORE_BASE);

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            FineTuneVectorsJob.Config.TRAIN.group("finetune: the hospital's fine-tune"),
            HOSPITAL_KEYS,
            DpSettings.KEYS);

    public static Config from(ConfigMap map) {
      requirePartitionKeysUnset(map);
      return new Config(
          CommonConfig.from(map),
          HOSPITAL.read(map),
          BASE.read(map),
          PUBLISH.read(map),
          SCORE_BASE.read(map),
          FineTuneVectorsJob.Config.TRAIN.read(map),
          DpSettings.from(map.section("finetune").section("dp")));
    }
  }

  /**
   * The partition mode's keys may stay at their defaults (conf/finetune.yaml lists them); set
   * otherwise they would select hospitals of a partition this mode does not have.
   */
  private static void requirePartitionKeysUnset(ConfigMap map) {
    List<String> listed = FineTuneVectorsJob.Config.HOSPITALS.read(map);
    if (!listed.equals(List.of(FineTuneVectorsJob.ALL))) {
      throw new ConfigException(
          "Invalid config key '"
              + FineTuneVectorsJob.Config.HOSPITALS.name()
              + "': it selects hospitals of a partition; with --hospital the job fine-tunes that"
              + " hospital on its own data ("
              + listed
              + ")");
    }
    if (FineTuneVectorsJob.Config.POOLED_KEY.read(map)) {
      throw new ConfigException(
          "Invalid config key '"
              + FineTuneVectorsJob.Config.POOLED_KEY.name()
              + "': the pooled baseline needs every hospital's images; with --hospital the job"
              + " sees one hospital's (true)");
    }
  }

  /** Command-line shorthands of hospital mode (flag → config key). */
  static final Map<String, String> FLAG_KEYS =
      Map.of(
          "data", "data.path",
          "out", "out",
          "run-id", "run-id",
          "base", Config.BASE.name(),
          "hospital", Config.HOSPITAL.name(),
          "publish", Config.PUBLISH.name(),
          "score-base", Config.SCORE_BASE.name());

  /** The options that select hospital mode of {@code finetune}. */
  static final Set<String> MODE_FLAGS = Set.of("--hospital", "--publish");

  /** Scores of θ_pre on one of the hospital's splits (aggregates only). */
  public record BaseScore(String split, long n, double accuracy, double auc, double macroF1) {}

  /** What the job wrote: the vector's directory in the store and aggregate counts. */
  public record Result(
      String hospital,
      String baseFingerprint,
      String store,
      String vector,
      String vectorSha256,
      long examples,
      List<Long> labelCounts,
      double finalLoss,
      double seconds,
      List<BaseScore> baseScores) {}

  private final JobContext ctx;
  private final Config config;

  public PublishVectorJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    long start = System.nanoTime();
    Configuration conf = ctx.hadoop();
    Path publishTo =
        config.publish().isEmpty() ? null : HadoopFiles.qualify(conf, config.publish());
    PublishedBase base = PublishedBase.at(conf, Config.BASE.name(), config.base(), publishTo);
    Path store = publishTo == null ? base.store() : publishTo;
    VectorStore vectors =
        new VectorStore(conf, new OutputLayout(store, "default").sharedVectorsRoot());
    String hospital = config.hospital();
    Preflight.requireWritable(conf, vectors.dir(base.fingerprint(), hospital));
    Preflight.requireWritable(conf, ctx.paths().result(RESULT));
    if (config.dp() != null) { // before hours of training, not after
      VectorRelease.requirePrivateHistory(vectors, base.fingerprint(), hospital);
    }
    ctx.describe(
        "hospital "
            + hospital
            + ": fine-tune base "
            + base.fingerprint().substring(0, 12)
            + " on "
            + ctx.dataPath()
            + ", publish to "
            + store);
    // the base and the data are checked before the store is touched
    Network net = base.load(conf);
    // the base's preprocessing, exactly: a configured data.image.* or data.augment.* value that
    // differs is refused naming the key
    Preprocessing preprocessing =
        JobContext.basePreprocessing(BaseManifest.read(conf, base.dir()), config.common());
    SourceListing listing = JobContext.listData(conf, ctx.dataSpec(preprocessing));
    String what = "the data of hospital " + hospital + " (" + ctx.dataPath() + ")";
    // images decoded a minibatch at a time from their source; a .npz, held whole by its reader,
    // materialized
    Local local =
        listing.streams()
            ? new Local(listing, null, null, base.conform(net, listing, what))
            : Local.materialized(base, net, listing, what);
    // the lease before any training: a second writer of this vector is refused at once
    try (WriterLease lease = WriterLease.acquire(conf, vectors.dir(base.fingerprint(), hospital))) {
      List<BaseScore> scores = config.scoreBase() ? scoreBase(base, net, local) : List.of();
      return publish(base, net, local, vectors, store, scores, start);
    }
  }

  /**
   * The hospital's images: a listing streamed from its source ({@code data} and {@code train}
   * null), or, for a {@code .npz}, its splits in memory with the train split conformed to the base.
   *
   * @param dataset the dataset name the vector is filed under (the base's)
   */
  private record Local(SourceListing listing, MedMnist data, ImageSet train, String dataset) {
    static Local materialized(PublishedBase base, Network net, SourceListing listing, String what) {
      SourceData loaded = listing.materialize();
      ImageSet train =
          base.conform(net, loaded.data().train(), namedClasses(loaded.classes()), what);
      return new Local(listing, loaded.data(), train, train.dataset());
    }

    boolean streamed() {
      return data == null;
    }

    int size(Split split) {
      return streamed() ? listing.examples(split).size() : data.split(split).size();
    }
  }

  private Result publish(
      PublishedBase base,
      Network net,
      Local local,
      VectorStore vectors,
      Path store,
      List<BaseScore> scores,
      long start) {
    String hospital = config.hospital();
    Network tuned = net.copy();
    Consumer<EpochStats> progress = AugmentedTraining.progress(hospital, config.train().epochs());
    AugmentedTraining.Trained trained;
    if (local.streamed()) {
      trained =
          AugmentedTraining.streamed(
              tuned,
              local.listing(),
              local.listing().examples(Split.TRAIN),
              config.train(),
              progress);
    } else {
      ImageSet train = local.train();
      trained =
          AugmentedTraining.materialized(
              tuned,
              train,
              java.util.stream.IntStream.range(0, train.size()).toArray(),
              local.listing().preprocessing(),
              config.train(),
              progress);
    }
    double finalLoss = trained.finalLoss();
    StoredVector stored =
        new VectorRelease(vectors, hospital, config.common().runId(), base.fingerprint())
            .publish(
                net,
                tuned,
                local.dataset(),
                trained.labelCounts(),
                config.train(),
                finalLoss,
                config.dp(),
                base.classes());
    JobContext.PROGRESS.info("hospital {} published {}", hospital, stored.dir());
    Result result =
        new Result(
            hospital,
            base.fingerprint(),
            store.toString(),
            stored.dir().toString(),
            stored.manifest().vectorSha256(),
            trained.examples(),
            stored.manifest().labelCounts(),
            finalLoss,
            (System.nanoTime() - start) / 1e9,
            scores);
    ctx.writeResult(RESULT, result);
    return result;
  }

  /**
   * The data's class names, or none when they are only label numbers ("0", "1", …: a MedMNIST file
   * of an unknown dataset), which a base's names are not compared with.
   */
  static List<String> namedClasses(List<String> classes) {
    for (int i = 0; i < classes.size(); i += 1) {
      if (!classes.get(i).equals(Integer.toString(i))) {
        return classes;
      }
    }
    return List.of();
  }

  /** θ_pre's scores on each non-empty split of the hospital's data, printed one line each. */
  private List<BaseScore> scoreBase(PublishedBase base, Network net, Local local) {
    List<BaseScore> scores =
        Arrays.stream(Split.values())
            .filter(s -> local.size(s) > 0)
            .map(s -> score(s, base, local, net))
            .toList();
    System.out.printf(
        Locale.ROOT,
        "base %s on hospital %s's data:%n%-6s %8s %8s %8s %8s%n",
        base.fingerprint().substring(0, 12),
        config.hospital(),
        "split",
        "n",
        "accuracy",
        "auc",
        "macro_f1");
    scores.forEach(
        s ->
            System.out.printf(
                Locale.ROOT,
                "%-6s %8d %8.4f %8.4f %8.4f%n",
                s.split(),
                s.n(),
                s.accuracy(),
                s.auc(),
                s.macroF1()));
    System.out.flush();
    return scores;
  }

  private BaseScore score(Split split, PublishedBase base, Local local, Network net) {
    int batch = config.train().batchSize();
    ScoreSet scores;
    if (local.streamed()) {
      List<Example> examples = local.listing().examples(split);
      scores = new ScoreSet(local.listing().classes().size());
      scores.addAll(
          SourceListing.labels(examples),
          Predictor.predict(
              List.of(net),
              local.listing().batches(examples, batch, false, 0),
              local.listing().classes().size())[0]);
    } else {
      ImageSet set = base.conform(net, local.data().split(split), List.of(), "its " + split.id());
      scores = new ScoreSet(set.numClasses());
      scores.addAll(set.labels(), Predictor.predict(net, set, batch));
    }
    Metrics m = ClassificationMetrics.compute(scores);
    return new BaseScore(split.id(), m.n(), m.accuracy(), m.auc(), m.macroF1());
  }

  /** Whether {@code args} ask {@code finetune} for hospital mode. */
  static boolean requested(String[] args) {
    return Arrays.stream(args)
        .anyMatch(a -> MODE_FLAGS.contains(a.contains("=") ? a.substring(0, a.indexOf('=')) : a));
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String[] args) {
    return JobMain.executeCli(
        args,
        NAME,
        cli -> JobMain.parseConfig(cli, NAME, FLAG_KEYS, Config::from),
        (spark, config) -> new PublishVectorJob(spark, config).run());
  }
}
