package io.medvec.jobs;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigHelp;
import io.medvec.jobs.experiment.ExperimentJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command line of every {@code bin/medvec} command and {@code spark-submit --class} entry
 * point, parsed by picocli: each command's options, its help (with the config keys it reads,
 * rendered from their declarations) and "did you mean" suggestions.
 */
final class JobCli {

  /** Help section listing a command's config keys, just before the footer. */
  static final String CONFIG_KEYS_SECTION = "configKeys";

  /** One command: what it does, the config keys it reads and the options it takes. */
  record Info(String name, String summary, List<ConfigGroup> keys, Supplier<Parsed> options) {}

  /** Every command, in help order. */
  static final Map<String, Info> COMMANDS =
      commands(
          new Info(
              "demo",
              "PneumoniaMNIST, K=4 hospitals, end to end (defaults: conf/demo.yaml, --out medvec-demo)",
              RunPipelineJob.Config.KEYS,
              JobArgs::new),
          new Info(
              RunPipelineJob.NAME,
              "partition, pretrain, finetune, merge, evaluate in order (conf/pipeline.yaml)",
              RunPipelineJob.Config.KEYS,
              JobArgs::new),
          new Info(
              PartitionDataJob.NAME,
              "public pool + K hospitals, written as Parquet",
              PartitionDataJob.Config.KEYS,
              JobArgs::new),
          new Info(
              PretrainModelJob.NAME,
              "train or import theta_pre on the public pool",
              PretrainModelJob.Config.KEYS,
              JobArgs::new),
          new Info(
              FineTuneVectorsJob.NAME,
              "fine-tune every (or one) hospital of a partition, or with --hospital one hospital on"
                  + " its own data against a published base; publish data vectors",
              ConfigGroup.union(
                  FineTuneVectorsJob.Config.KEYS, List.of(PublishVectorJob.Config.HOSPITAL_KEYS)),
              FineTuneArgs::new),
          new Info(
              MergeVectorsJob.NAME,
              "theta_mix = theta_pre + lambda * sum(tau), restore batch norm",
              MergeVectorsJob.Config.KEYS,
              JobArgs::new),
          new Info(
              EvaluateModelsJob.NAME,
              "score pretrained / single_site / merged, append to the metrics table; with --site"
                  + " one site scores them on its own data and publishes aggregate metrics",
              ConfigGroup.union(
                  EvaluateModelsJob.Config.KEYS, List.of(SiteEvaluateJob.Config.SITE_KEYS)),
              EvaluateArgs::new),
          new Info(
              ModelCardJob.NAME,
              "rewrite a run's model card from the store, with the metrics sites have published",
              ModelCardJob.Config.KEYS,
              JobArgs::new),
          new Info(
              PredictJob.NAME,
              "score an image source with a merged model, one row per image in a Parquet table",
              PredictJob.Config.KEYS,
              PredictArgs::new),
          new Info(
              ExperimentJob.NAME,
              "a protocol (datasets x K x splits x seeds) with baselines, report in"
                  + " OUT/report/RUN/",
              ExperimentJob.Config.KEYS,
              JobArgs::new),
          new Info(
              QueryMetricsJob.NAME,
              "Spark SQL over the views metrics, vectors, merges, site_metrics",
              QueryMetricsJob.Config.KEYS,
              SqlArgs::new),
          new Info(
              "download",
              "fetch an official MedMNIST .npz and check its MD5",
              List.of(),
              DownloadArgs::new),
          new Info(
              "bench",
              "throughput figures (train, infer, merge, spark)",
              List.of(),
              BenchArgs::new));

  private JobCli() {}

  private static Map<String, Info> commands(Info... infos) {
    Map<String, Info> out = new LinkedHashMap<>();
    Arrays.stream(infos).forEach(i -> out.put(i.name(), i));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** What a parsed command line gives: the shared options and the job's own as {@link CliArgs}. */
  interface Parsed {
    Common common();

    /** The options in the form {@link JobMain#parseConfig} reads (flag names without dashes). */
    CliArgs cli();
  }

  /** What {@code --verbose} does, for the global option and every command's. */
  static final String VERBOSE_DOC =
      "Also log the effective configuration, every job's result record,"
          + " INFO messages, and stack traces of errors.";

  /** Options of every command. */
  static final class Common {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    boolean help;

    @Option(names = "--verbose", description = VERBOSE_DOC)
    boolean verbose;
  }

  /** A Spark job's options: the config file, overrides and their shorthands. */
  @Command(sortOptions = false)
  static class JobArgs implements Parsed {
    @Mixin Common common = new Common();

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "The job's YAML file (default: conf/JOB.yaml under MEDVEC_HOME, if present).")
    String config;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description =
            "Sets one config key over the file; repeatable, the last wins. An empty value resets the"
                + " key to its default.")
    List<String> overrides = new ArrayList<>();

    @Option(
        names = "--data",
        paramLabel = "SOURCE",
        description =
            "Shorthand for --set data.path=SOURCE: an image folder, a manifest CSV or Parquet,"
                + " a binaryFile table or a MedMNIST .npz.")
    String data;

    @Option(names = "--out", paramLabel = "DIR", description = "Shorthand for --set out=DIR.")
    String out;

    @Option(names = "--run-id", paramLabel = "ID", description = "Shorthand for --set run-id=ID.")
    String runId;

    @Option(
        names = "--base",
        paramLabel = "FINGERPRINT",
        description = "Shorthand for --set base=FINGERPRINT.")
    String base;

    @Override
    public Common common() {
      return common;
    }

    @Override
    public CliArgs cli() {
      Map<String, String> flags = new LinkedHashMap<>();
      put(flags, "data", data);
      put(flags, "out", out);
      put(flags, "run-id", runId);
      put(flags, "base", base);
      return CliArgs.of(config, overrides, flags, List.of());
    }
  }

  /**
   * {@code finetune}: a Spark job's options, plus hospital mode's ({@link PublishVectorJob}): with
   * {@code --hospital} the command fine-tunes one hospital on its own data.
   */
  @Command(sortOptions = false)
  static final class FineTuneArgs extends JobArgs {
    @Option(
        names = "--hospital",
        paramLabel = "NAME",
        description =
            "Hospital mode: fine-tune as hospital NAME on --data (this hospital's own images)"
                + " against --base STORE/base/FINGERPRINT, and publish its vector. Shorthand for"
                + " --set hospital.id=NAME.")
    String hospital;

    @Option(
        names = "--publish",
        paramLabel = "STORE",
        description =
            "Hospital mode: the consortium's store to publish to (default: the store holding"
                + " --base). Shorthand for --set hospital.publish=STORE.")
    String publish;

    @Option(
        names = "--score-base",
        description =
            "Hospital mode: first score theta_pre on this hospital's data (printed, and kept in"
                + " --out, never in the store).")
    boolean scoreBase;

    @Override
    public CliArgs cli() {
      CliArgs job = super.cli();
      Map<String, String> flags = new LinkedHashMap<>(job.flags());
      put(flags, "hospital", hospital);
      put(flags, "publish", publish);
      put(flags, "score-base", scoreBase ? "true" : null);
      return CliArgs.of(job.config().orElse(null), job.overrides(), flags, job.positional());
    }
  }

  /**
   * {@code evaluate}: a Spark job's options, plus site mode's ({@link SiteEvaluateJob}): with
   * {@code --site} one site scores the models of a run on its own data.
   */
  @Command(sortOptions = false)
  static final class EvaluateArgs extends JobArgs {
    @Option(
        names = "--site",
        paramLabel = "NAME",
        description =
            "Site mode: score run --run's merged model, theta_pre and this site's own model on"
                + " --data (this site's own images) and publish only aggregate metrics to --publish."
                + " Shorthand for --set site.id=NAME.")
    String site;

    @Option(
        names = "--publish",
        paramLabel = "STORE",
        description =
            "Site mode: the consortium's store holding runs/RUN/merged; the metrics go to its"
                + " site-metrics/. Shorthand for --set site.publish=STORE.")
    String publish;

    @Option(
        names = "--run",
        paramLabel = "RUN",
        description =
            "Site mode: the coordinator's run to evaluate. Shorthand for --set run-id=RUN.")
    String run;

    @Override
    public CliArgs cli() {
      CliArgs job = super.cli();
      Map<String, String> flags = new LinkedHashMap<>(job.flags());
      put(flags, "site", site);
      put(flags, "publish", publish);
      put(flags, "run", run);
      return CliArgs.of(job.config().orElse(null), job.overrides(), flags, job.positional());
    }
  }

  /** {@code predict}: a merged model, an image source and the predictions table. */
  @Command(sortOptions = false)
  static final class PredictArgs implements Parsed {
    @Mixin Common common = new Common();

    @Option(
        names = "--model",
        paramLabel = "DIR",
        description = "Shorthand for --set predict.model=DIR: the merged model directory.")
    String model;

    @Option(
        names = "--data",
        paramLabel = "SOURCE",
        description =
            "Shorthand for --set data.path=SOURCE: an .npz, a folder of class folders, a manifest or"
                + " an image table.")
    String data;

    @Option(
        names = "--out",
        paramLabel = "TABLE",
        description = "Shorthand for --set predict.out=TABLE: the predictions table's directory.")
    String out;

    @Option(names = "--run-id", paramLabel = "ID", description = "Shorthand for --set run-id=ID.")
    String runId;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "The job's YAML file (default: conf/predict.yaml under MEDVEC_HOME, if present).")
    String config;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description = "Sets one config key over the file; repeatable, the last wins.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Common common() {
      return common;
    }

    @Override
    public CliArgs cli() {
      Map<String, String> flags = new LinkedHashMap<>();
      put(flags, "model", model);
      put(flags, "data", data);
      put(flags, "out", out);
      put(flags, "run-id", runId);
      return CliArgs.of(config, overrides, flags, List.of());
    }
  }

  /** {@code sql}: a query over one output root. */
  @Command(sortOptions = false)
  static final class SqlArgs implements Parsed {
    @Mixin Common common = new Common();

    @Parameters(
        paramLabel = "QUERY",
        arity = "0..*",
        description =
            "The query, e.g. \"SELECT * FROM metrics\" (several words are joined by spaces).")
    List<String> query = new ArrayList<>();

    @Option(
        names = "--out",
        paramLabel = "DIR",
        description = "Shorthand for --set out=DIR: the output root.")
    String out;

    @Option(names = "--limit", paramLabel = "N", description = "Shorthand for --set sql.limit=N.")
    String limit;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "A YAML file with out and sql.limit.")
    String config;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description = "Sets one config key; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Common common() {
      return common;
    }

    @Override
    public CliArgs cli() {
      Map<String, String> flags = new LinkedHashMap<>();
      put(flags, "out", out);
      put(flags, "limit", limit);
      return CliArgs.of(config, overrides, flags, query);
    }
  }

  /** {@code download}: one MedMNIST file. */
  @Command(sortOptions = false)
  static final class DownloadArgs implements Parsed {
    @Mixin Common common = new Common();

    @Option(
        names = "--dataset",
        paramLabel = "NAME",
        defaultValue = "pneumoniamnist",
        description = "The MedMNIST dataset (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(
        names = "--to",
        paramLabel = "DIR",
        description = "Where to put NAME.npz (default: ~/.medvec/data).")
    String to;

    @Option(
        names = "--base-url",
        paramLabel = "URL",
        description = "Where the files are served from.")
    String baseUrl;

    @Override
    public Common common() {
      return common;
    }

    @Override
    public CliArgs cli() {
      Map<String, String> flags = new LinkedHashMap<>();
      put(flags, "dataset", dataset);
      put(flags, "to", to);
      put(flags, "base-url", baseUrl);
      return CliArgs.of(null, List.of(), flags, List.of());
    }
  }

  /** {@code bench}: see {@link BenchOptions} for what each option means. */
  @Command(sortOptions = false)
  static final class BenchArgs implements Parsed {
    @Mixin Common common = new Common();

    @Parameters(
        paramLabel = "GROUP",
        arity = "0..*",
        description = "Groups to run: all (default), train, infer, merge, spark.")
    List<String> groups = new ArrayList<>();

    @Option(
        names = "--json",
        paramLabel = "FILE",
        description = "Also write the figures as a JSON list.")
    String json;

    @Option(
        names = "--runs",
        paramLabel = "N",
        description = "Timed runs per figure, which is their median (5).")
    String runs;

    @Option(
        names = "--warmup",
        paramLabel = "N",
        description = "Untimed runs first (1; train, infer: 8).")
    String warmup;

    @Option(
        names = "--threads",
        paramLabel = "LIST",
        description = "Thread counts of train and infer (1,2).")
    String threads;

    @Option(names = "--batch-size", paramLabel = "N", description = "Training minibatch (64).")
    String batchSize;

    @Option(names = "--size", paramLabel = "quick|full", description = "Merge sizes (quick).")
    String size;

    @Option(
        names = "--data",
        paramLabel = "FILE.npz",
        description = "The MedMNIST .npz ($MEDVEC_DATA).")
    String data;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description = "Working directory for generated vectors (target/bench).")
    String dir;

    @Option(
        names = "--python",
        paramLabel = "PATH",
        description = "Interpreter of the PyTorch peer.")
    String python;

    @Option(
        names = "--merge-k",
        paramLabel = "LIST",
        description = "Vector counts of the merge engine comparison (16).")
    String mergeK;

    @Option(
        names = "--merge-p",
        paramLabel = "LIST",
        description = "Vector lengths of the merge engine comparison (1e6).")
    String mergeP;

    @Option(
        names = "--arch",
        paramLabel = "cnn|resnet|mobilenet",
        description = "Network of train and infer (cnn).")
    String arch;

    @Option(
        names = "--image-size",
        paramLabel = "N",
        description = "Train and infer on images upscaled to N×N px (the data's size).")
    String imageSize;

    @Option(
        names = "--width",
        paramLabel = "X",
        description = "Width multiplier of resnet, α of mobilenet (0.25).")
    String width;

    @Option(
        names = "--train-images",
        paramLabel = "N",
        description = "Images per timed training run; resnet/mobilenet: also test images (1280).")
    String trainImages;

    @Override
    public Common common() {
      return common;
    }

    @Override
    public CliArgs cli() {
      Map<String, String> flags = new LinkedHashMap<>();
      put(flags, "json", json);
      put(flags, "runs", runs);
      put(flags, "warmup", warmup);
      put(flags, "threads", threads);
      put(flags, "batch-size", batchSize);
      put(flags, "size", size);
      put(flags, "data", data);
      put(flags, "dir", dir);
      put(flags, "python", python);
      put(flags, "merge-k", mergeK);
      put(flags, "merge-p", mergeP);
      put(flags, "arch", arch);
      put(flags, "image-size", imageSize);
      put(flags, "width", width);
      put(flags, "train-images", trainImages);
      return CliArgs.of(null, List.of(), flags, groups);
    }
  }

  private static void put(Map<String, String> flags, String name, String value) {
    if (value != null) {
      flags.put(name, value);
    }
  }

  /**
   * The command {@code name} with its options and help; a name without an entry in {@link
   * #COMMANDS} (a test's) gets a Spark job's options and no config keys.
   */
  static CommandLine command(String name, String qualifiedName) {
    Info info = COMMANDS.getOrDefault(name, new Info(name, "", List.of(), JobArgs::new));
    CommandLine cmd = new CommandLine(info.options().get());
    cmd.getCommandSpec().name(qualifiedName);
    cmd.getCommandSpec().usageMessage().description(info.summary()).abbreviateSynopsis(false);
    if (!info.keys().isEmpty()) {
      String keys =
          "%nConfig keys (KEY: default, then its meaning and accepted values), set in the --config file"
              + "%nor with --set KEY=VALUE:%n";
      cmd.getHelpSectionMap()
          .put(CONFIG_KEYS_SECTION, help -> String.format(keys) + ConfigHelp.render(info.keys()));
      List<String> sections = new ArrayList<>(cmd.getHelpSectionKeys());
      sections.add(
          sections.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING),
          CONFIG_KEYS_SECTION);
      cmd.setHelpSectionKeys(sections);
    }
    cmd.getCommandSpec().usageMessage().footer("%n" + exitCodes());
    return cmd;
  }

  /** The exit codes, one line, as help shows them. */
  static String exitCodes() {
    return Arrays.stream(ExitCode.values())
        .map(c -> c.code() + " " + c.meaning())
        .collect(Collectors.joining(", ", "Exit codes: ", "."));
  }

  /**
   * Parses {@code args} of command {@code name}; prints help to {@code out} when asked (empty
   * result) and throws {@link ParameterException} on a bad command line.
   */
  static Optional<Parsed> parse(String name, String[] args, PrintWriter out) {
    CommandLine cmd = command(name, "medvec " + name);
    cmd.parseArgs(args);
    if (cmd.isUsageHelpRequested()) {
      cmd.usage(out);
      out.flush();
      return Optional.empty();
    }
    return Optional.of(cmd.getCommand());
  }

  /** The command nearest a misspelt name, if it is close enough to be a typo. */
  static Optional<String> nearestCommand(String typed) {
    return ConfigHelp.nearest(typed, COMMANDS.keySet());
  }

  /**
   * A bad command line as one sentence: the unknown command or option with the nearest known one
   * ("Unknown option '--outt'; did you mean '--out'?"), else picocli's message.
   */
  static String describe(ParameterException e) {
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().get(0);
      String what =
          u.isUnknownOption()
              ? "option"
              : u.getCommandLine().getSubcommands().isEmpty() ? "argument" : "command";
      List<String> suggestions = u.getSuggestions();
      String hint = suggestions.isEmpty() ? "" : "; did you mean '" + suggestions.get(0) + "'?";
      return "Unknown " + what + " '" + arg + "'" + hint;
    }
    return e.getMessage();
  }
}
