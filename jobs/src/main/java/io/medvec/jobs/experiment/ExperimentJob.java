package io.medvec.jobs.experiment;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.io.HadoopFiles;
import io.medvec.jobs.EvaluateModelsJob;
import io.medvec.jobs.JobMain;
import io.medvec.jobs.MergeVectorsJob;
import io.medvec.jobs.RunPipelineJob;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a protocol — datasets × hospital counts × split modes × seeds — through the same jobs as the
 * pipeline (one run id per cell, all rows in the one metrics table with the protocol settings as
 * columns) and writes a report: a Markdown summary (mean ± std over seeds) and PNG charts. Every
 * cell adds the baselines and controls: {@code pooled} (fine-tune on the union), {@code mean} (λ =
 * 1/K), {@code random_vector} and {@code merged_no_bn_restore}.
 */
public final class ExperimentJob {

  public static final String NAME = "experiment";
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentJob.class);

  /**
   * @param pipeline the pipeline sections every cell starts from (cells override partition, seeds)
   * @param cellBase the parsed file, to which each cell's overrides are applied
   * @param datasets {@link #DATASETS}
   * @param dataDir {@link #DATA_DIR}
   * @param hospitals {@link #HOSPITALS}
   * @param modes {@link #SPLITS}
   * @param alpha {@link #ALPHA}
   * @param seeds {@link #SEEDS}
   * @param resume {@link #RESUME}
   * @param strategies {@link #STRATEGIES}
   */
  public record Config(
      RunPipelineJob.Config pipeline,
      ConfigMap cellBase,
      List<String> datasets,
      String dataDir,
      List<Integer> hospitals,
      List<PartitionMode> modes,
      double alpha,
      List<Long> seeds,
      boolean resume,
      List<String> strategies) {

    public Config {
      datasets = List.copyOf(datasets);
      hospitals = List.copyOf(hospitals);
      modes = List.copyOf(modes);
      seeds = List.copyOf(seeds);
      strategies = List.copyOf(strategies);
      if (datasets.isEmpty() || hospitals.isEmpty() || modes.isEmpty() || seeds.isEmpty()) {
        throw new ConfigException(
            "Invalid experiment: datasets, hospitals, splits and seeds must not be empty");
      }
    }

    static final ConfigKey<List<String>> DATASETS =
        ConfigKey.strings(
            "experiment.datasets",
            List.of("pneumoniamnist"),
            "datasets: a MedMNIST NAME read from DATA-DIR/NAME.npz, or any image source (a path"
                + " with a '/' or an extension, relative to DATA-DIR unless absolute or a URI),"
                + " named in the report by its folder (labels.csv of isic-skin/: isic-skin)");
    static final ConfigKey<String> DATA_DIR =
        ConfigKey.string("experiment.data-dir", "", "directory holding NAME.npz")
            .defaultText("the directory of data.path");
    static final ConfigKey<List<Double>> HOSPITALS =
        ConfigKey.numbers(
            "experiment.hospitals", List.of(4.0), 1, 1000, "values of K, one cell each");
    static final ConfigKey<List<String>> SPLITS =
        ConfigKey.strings(
                "experiment.splits", List.of("iid", "dirichlet"), "partition modes, one cell each")
            .accepts("a list of iid, dirichlet");
    static final ConfigKey<Double> ALPHA =
        ConfigKey.positive(
            "experiment.alpha", 0.5, "Dirichlet concentration of the dirichlet cells");
    static final ConfigKey<List<Double>> SEEDS =
        ConfigKey.numbers(
            "experiment.seeds", List.of(1.0, 2.0, 3.0), 0, Long.MAX_VALUE, "seeds, one cell each");
    static final ConfigKey<Boolean> RESUME =
        ConfigKey.bool(
            "experiment.resume", false, "reuse cells whose evaluate result already exists");
    static final ConfigKey<List<String>> STRATEGIES =
        ConfigKey.strings(
            "experiment.strategies",
            List.of(),
            "merge strategies compared in every cell as strategy_NAME controls");

    /** The keys this job reads: the pipeline's, then the protocol's. */
    public static final List<ConfigGroup> KEYS =
        ConfigGroup.union(
            RunPipelineJob.Config.KEYS,
            List.of(
                ConfigGroup.of(
                    "experiment: the protocol's cells",
                    DATASETS,
                    DATA_DIR,
                    HOSPITALS,
                    SPLITS,
                    ALPHA,
                    SEEDS,
                    RESUME,
                    STRATEGIES)));

    public static Config from(ConfigMap map) {
      RunPipelineJob.Config pipeline = RunPipelineJob.Config.from(map);
      String data = pipeline.partition().common().dataPath();
      String defaultDir =
          data.isBlank()
              ? "../shared/data"
              : new org.apache.hadoop.fs.Path(data).getParent().toString();
      return new Config(
          pipeline,
          map,
          DATASETS.read(map),
          DATA_DIR.read(map, defaultDir),
          HOSPITALS.read(map).stream().map(d -> (int) Math.round(d)).toList(),
          SPLITS.read(map).stream().map(PartitionMode::parse).toList(),
          ALPHA.read(map),
          SEEDS.read(map).stream().map(Double::longValue).toList(),
          RESUME.read(map),
          STRATEGIES.read(map));
    }
  }

  /** One cell of the protocol. */
  public record Cell(
      String dataset, int hospitals, PartitionMode mode, double alpha, long seed, String runId) {}

  /** One cell's outcome. */
  public record CellResult(
      Cell cell, EvaluateModelsJob.Result evaluate, MergeVectorsJob.Result merge, double seconds) {}

  /** What the job wrote. */
  public record Result(String runId, List<CellResult> cells, String report, double seconds) {}

  private final SparkSession spark;
  private final Config config;
  private final JobContext ctx;

  public ExperimentJob(SparkSession spark, Config config) {
    this.spark = spark;
    this.config = config;
    this.ctx = new JobContext(spark, config.pipeline().partition().common());
  }

  public Result run() {
    long start = System.nanoTime();
    List<Cell> cells = cells();
    List<CellResult> results = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      Cell cell = cells.get(i);
      double elapsed = (System.nanoTime() - start) / 1e9;
      String eta =
          i == 0 ? "?" : String.format(Locale.ROOT, "%.0f s", elapsed / i * (cells.size() - i));
      ctx.describe(
          String.format(
              Locale.ROOT,
              "experiment cell %d/%d %s (elapsed %.0f s, eta %s)",
              i + 1,
              cells.size(),
              cell.runId(),
              elapsed,
              eta));
      results.add(runCell(cell));
    }
    String report =
        ExperimentReport.write(ctx, config.pipeline().partition().common().runId(), results);
    Result result =
        new Result(
            config.pipeline().partition().common().runId(),
            results,
            report,
            (System.nanoTime() - start) / 1e9);
    JobContext.PROGRESS.info(
        "experiment finished: {} cells in {} s; report {}",
        results.size(),
        String.format(Locale.ROOT, "%.0f", result.seconds()),
        report);
    return result;
  }

  List<Cell> cells() {
    String prefix = config.pipeline().partition().common().runId();
    List<Cell> cells = new ArrayList<>();
    for (String dataset : config.datasets()) {
      for (int k : config.hospitals()) {
        for (PartitionMode mode : config.modes()) {
          if (mode == PartitionMode.BY_COLUMN && k != config.hospitals().get(0)) {
            continue; // the column's values are the hospitals: one cell per seed, whatever K
          }
          for (long seed : config.seeds()) {
            if (mode == PartitionMode.BY_COLUMN) {
              cells.add(
                  new Cell(
                      dataset,
                      0,
                      mode,
                      config.alpha(),
                      seed,
                      String.format(
                          Locale.ROOT, "%s-%s-sites-s%d", prefix, datasetName(dataset), seed)));
              continue;
            }
            String split = mode == PartitionMode.IID ? "iid" : "dir" + config.alpha();
            cells.add(
                new Cell(
                    dataset,
                    k,
                    mode,
                    config.alpha(),
                    seed,
                    String.format(
                        Locale.ROOT,
                        "%s-%s-k%d-%s-s%d",
                        prefix,
                        datasetName(dataset),
                        k,
                        split,
                        seed)));
          }
        }
      }
    }
    return cells;
  }

  private CellResult runCell(Cell cell) {
    long start = System.nanoTime();
    ConfigMap map = config.cellBase().withOverrides(overrides(cell));
    RunPipelineJob.Config pipeline = RunPipelineJob.Config.from(map);
    JobContext cellCtx = new JobContext(spark, pipeline.evaluate().common());
    if (config.resume()
        && cellCtx.hasResult(EvaluateModelsJob.NAME)
        && cellCtx.hasResult(MergeVectorsJob.NAME)) {
      JobContext.PROGRESS.info("experiment cell {}: reusing existing results", cell.runId());
      return new CellResult(
          cell,
          cellCtx.readResult(EvaluateModelsJob.NAME, EvaluateModelsJob.Result.class),
          cellCtx.readResult(MergeVectorsJob.NAME, MergeVectorsJob.Result.class),
          0);
    }
    RunPipelineJob.Result result = new RunPipelineJob(spark, pipeline).run();
    if (cell.mode() == PartitionMode.BY_COLUMN) { // K is what the column gave
      cell =
          new Cell(
              cell.dataset(),
              result.merge().vectors().size(),
              cell.mode(),
              cell.alpha(),
              cell.seed(),
              cell.runId());
    }
    JobContext.PROGRESS.info(
        "experiment cell {} done in {} s",
        cell.runId(),
        String.format(Locale.ROOT, "%.0f", result.seconds()));
    LOG.debug(
        "experiment cell {} results:\n{}",
        cell.runId(),
        RunPipelineJob.table(result.evaluate().rows()));
    return new CellResult(
        cell, result.evaluate(), result.merge(), (System.nanoTime() - start) / 1e9);
  }

  private List<String> overrides(Cell cell) {
    return List.of(
        "run-id=" + cell.runId(),
        "data.path=" + HadoopFiles.qualify(ctx.hadoop(), dataPath(cell.dataset())),
        "partition.hospitals=" + Math.max(1, cell.hospitals()),
        "partition.shrink-to-fit=false", // a cell's K is the K it names, or it is refused
        "partition.mode=" + cell.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'),
        "partition.alpha=" + cell.alpha(),
        "partition.seed=" + cell.seed(),
        "model.seed=" + (1000 + cell.seed()),
        "pretrain.seed=" + cell.seed(),
        "finetune.seed=" + (100 + cell.seed()),
        "finetune.pooled=true",
        // cells share a base (same seed, same public pool) but not their hospitals
        "vectors.scope=run",
        "merge.controls=[mean, merged-no-bn-restore, random-vector]",
        "merge.strategies=" + config.strategies());
  }

  /** Whether an {@code experiment.datasets} entry is a source path rather than a MedMNIST name. */
  static boolean isPath(String dataset) {
    return dataset.contains("/") || dataset.contains(".");
  }

  /** The cell's data: DATA-DIR/NAME.npz, or the source path (relative to DATA-DIR). */
  private String dataPath(String dataset) {
    if (!isPath(dataset)) {
      return config.dataDir() + "/" + dataset + ".npz";
    }
    boolean absolute = dataset.startsWith("/") || dataset.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*");
    return absolute ? dataset : config.dataDir() + "/" + dataset;
  }

  /**
   * The name of a dataset in run ids and the report: a MedMNIST name as is; a source by its last
   * folder name (a table file by the folder holding it), in run-id characters.
   */
  static String datasetName(String dataset) {
    if (!isPath(dataset)) {
      return dataset;
    }
    String[] parts = dataset.replaceAll("/+$", "").split("/");
    String last = parts[parts.length - 1];
    boolean file = last.matches(".*\\.(csv|parquet|npz)$");
    String name =
        file && parts.length > 1
            ? parts[parts.length - 2]
            : file ? last.substring(0, last.lastIndexOf('.')) : last;
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  public static void main(String[] args) {
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new ExperimentJob(spark, config).run());
  }
}
