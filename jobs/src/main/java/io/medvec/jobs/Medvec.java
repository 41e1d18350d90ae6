package io.medvec.jobs;

import io.medvec.core.config.CliArgs;
import io.medvec.core.data.MedMnistDownloader;
import io.medvec.jobs.bench.BenchCommand;
import io.medvec.jobs.experiment.ExperimentJob;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * {@code bin/medvec [--verbose] COMMAND [options]}: one entry point for local use. Each Spark job
 * also has its own {@code main} for {@code spark-submit --class}, with the same options and help
 * ({@link JobCli}).
 */
public final class Medvec {

  /** The global options. */
  @Command(
      name = "medvec",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      description =
          "Data-vector model fusion for hospitals as a Spark batch pipeline, in local mode here;"
              + " on a cluster spark-submit runs the same jobs (io.medvec.jobs.*Job).",
      synopsisSubcommandLabel = "COMMAND")
  static final class Root {
    @Option(names = "--verbose", description = JobCli.VERBOSE_DOC)
    boolean verbose;
  }

  /** The version the jar's manifest names (the application jar's), else a development build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Medvec.class.getPackage().getImplementationVersion();
      return new String[] {"medvec " + (version == null ? "(development build)" : version)};
    }
  }

  /** How each command runs once its command line parsed: a job's main, the download, the bench. */
  static final Map<String, ToIntFunction<String[]>> ENTRY_POINTS =
      Map.ofEntries(
          Map.entry(
              "demo",
              args ->
                  exit(
                      () ->
                          JobMain.run(
                              demoArgs(args),
                              "demo",
                              RunPipelineJob.Config::from,
                              RunPipelineJob::runAndPrint))),
          Map.entry(RunPipelineJob.NAME, args -> exit(() -> RunPipelineJob.main(args))),
          Map.entry(PartitionDataJob.NAME, args -> exit(() -> PartitionDataJob.main(args))),
          Map.entry(PretrainModelJob.NAME, args -> exit(() -> PretrainModelJob.main(args))),
          Map.entry(FineTuneVectorsJob.NAME, args -> exit(() -> FineTuneVectorsJob.main(args))),
          Map.entry(MergeVectorsJob.NAME, args -> exit(() -> MergeVectorsJob.main(args))),
          Map.entry(EvaluateModelsJob.NAME, args -> exit(() -> EvaluateModelsJob.main(args))),
          Map.entry(ModelCardJob.NAME, args -> exit(() -> ModelCardJob.main(args))),
          Map.entry(ExperimentJob.NAME, args -> exit(() -> ExperimentJob.main(args))),
          Map.entry(QueryMetricsJob.NAME, QueryMetricsJob::execute),
          Map.entry(PredictJob.NAME, PredictJob::execute),
          Map.entry("download", Medvec::download),
          Map.entry("bench", BenchCommand::run));

  private Medvec() {}

  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true),
            ENTRY_POINTS));
  }

  /**
   * Parses the global options and the command with its options; prints help or the one-line error,
   * else hands the command's arguments to its entry point and returns its exit code.
   */
  static int run(
      String[] args,
      PrintWriter out,
      PrintWriter err,
      Map<String, ToIntFunction<String[]>> entries) {
    CommandLine root = root();
    ParseResult parsed;
    try {
      parsed = root.parseArgs(args);
    } catch (ParameterException e) {
      String where = e.getCommandLine().getCommandSpec().qualifiedName();
      err.println(
          where
              + ": "
              + JobCli.describe(e)
              + " ("
              + where
              + " --help lists "
              + (e.getCommandLine() == root ? "the commands" : "the options")
              + "; exit 2: "
              + ExitCode.BAD_CONFIG.meaning()
              + ")");
      err.flush();
      return ExitCode.BAD_CONFIG.code();
    }
    if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
      if (parsed.isUsageHelpRequested()) {
        root.usage(out);
      } else {
        root.printVersionHelp(out);
      }
      out.flush();
      return ExitCode.SUCCESS.code();
    }
    if (!parsed.hasSubcommand()) {
      root.usage(err);
      err.flush();
      return ExitCode.BAD_CONFIG.code();
    }
    ParseResult sub = parsed.subcommand();
    if (sub.commandSpec().userObject() instanceof CommandLine.HelpCommand) {
      return help(
          root, Arrays.asList(args).subList(firstIndexOf(args, "help") + 1, args.length), out, err);
    }
    if (sub.isUsageHelpRequested()) {
      sub.commandSpec().commandLine().usage(out);
      out.flush();
      return ExitCode.SUCCESS.code();
    }
    String name = sub.commandSpec().name();
    List<String> rest =
        new ArrayList<>(Arrays.asList(args).subList(firstIndexOf(args, name) + 1, args.length));
    if (((Root) root.getCommand()).verbose
        || ((JobCli.Parsed) sub.commandSpec().userObject()).common().verbose) {
      System.setProperty(Verbosity.PROPERTY, "true");
      rest.remove("--verbose");
    }
    return entries.get(name).applyAsInt(rest.toArray(String[]::new));
  }

  /** {@code medvec help [COMMAND]}: the usage of medvec or of that command. */
  private static int help(CommandLine root, List<String> topic, PrintWriter out, PrintWriter err) {
    CommandLine command = topic.isEmpty() ? root : root.getSubcommands().get(topic.get(0));
    if (command == null) {
      String hint =
          JobCli.nearestCommand(topic.get(0)).map(c -> "; did you mean '" + c + "'?").orElse("");
      err.println(
          "medvec help: Unknown command '"
              + topic.get(0)
              + "'"
              + hint
              + " (exit 2: "
              + ExitCode.BAD_CONFIG.meaning()
              + ")");
      err.flush();
      return ExitCode.BAD_CONFIG.code();
    }
    command.usage(out);
    out.flush();
    return ExitCode.SUCCESS.code();
  }

  /** {@code medvec} with every command of {@link JobCli#COMMANDS} as a subcommand. */
  static CommandLine root() {
    CommandLine root = new CommandLine(new Root());
    JobCli.COMMANDS.keySet().forEach(name -> root.addSubcommand(name, JobCli.command(name, name)));
    root.addSubcommand("help", new CommandLine.HelpCommand());
    root.getCommandSpec()
        .usageMessage()
        .footer(
            "%nmedvec COMMAND --help lists the command's options and config keys.%n"
                + JobCli.exitCodes());
    return root;
  }

  /** The command token: the first argument that is not a global option. */
  private static int firstIndexOf(String[] args, String name) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("Cannot find command " + name + " in " + Arrays.toString(args));
  }

  private static int exit(Runnable main) {
    main.run(); // a job's main exits the JVM with its code
    return ExitCode.SUCCESS.code();
  }

  /** Demo defaults: conf/demo.yaml, and the shared PneumoniaMNIST file unless told otherwise. */
  static String[] demoArgs(String[] args) {
    List<String> out = new ArrayList<>(Arrays.asList(args));
    Optional<JobCli.Parsed> parsed = JobCli.parse("demo", args, new PrintWriter(System.out, true));
    if (parsed.isEmpty()) {
      return args; // help: the job prints it again
    }
    CliArgs cli = parsed.get().cli();
    String home =
        System.getProperty("medvec.home", System.getenv().getOrDefault("MEDVEC_HOME", "."));
    if (cli.config().isEmpty()) {
      out.addAll(List.of("--config", Path.of(home, "conf", "demo.yaml").toString()));
    }
    boolean dataGiven =
        cli.flags().containsKey("data")
            || System.getenv("MEDVEC_DATA") != null
            || cli.overrides().stream().anyMatch(o -> o.startsWith("data.path="));
    if (!dataGiven) {
      out.addAll(List.of("--data", demoData(Path.of(home)).toString()));
    }
    return out.toArray(String[]::new);
  }

  /** ../shared/data next to the checkout, else ~/.medvec/data, downloading there if missing. */
  static Path demoData(Path home) {
    Path shared = home.resolve("../shared/data/pneumoniamnist.npz").normalize();
    if (Files.isRegularFile(shared)) {
      return shared;
    }
    Path cache = Path.of(System.getProperty("user.home"), ".medvec", "data");
    System.err.println("medvec demo: " + shared + " not found; using " + cache);
    return new MedMnistDownloader(MedMnistDownloader.DEFAULT_BASE_URL)
        .download("pneumoniamnist", cache);
  }

  static int download(String[] args) {
    try {
      Optional<JobCli.Parsed> parsed =
          JobCli.parse("download", args, new PrintWriter(System.out, true));
      if (parsed.isEmpty()) {
        return ExitCode.SUCCESS.code();
      }
      Map<String, String> flags = parsed.get().cli().flags();
      String dataset = flags.get("dataset");
      Path dir =
          Path.of(
              flags.getOrDefault(
                  "to", Path.of(System.getProperty("user.home"), ".medvec", "data").toString()));
      Path file =
          new MedMnistDownloader(
                  flags.getOrDefault("base-url", MedMnistDownloader.DEFAULT_BASE_URL))
              .download(dataset, dir);
      System.out.println(file);
      return ExitCode.SUCCESS.code();
    } catch (ParameterException e) {
      JobMain.report("download", ExitCode.BAD_CONFIG, JobCli.describe(e), e, false);
      return ExitCode.BAD_CONFIG.code();
    } catch (RuntimeException e) {
      ExitCode code = ExitCode.of(e);
      JobMain.report("download", code, JobMain.describe(e), e, Verbosity.requested());
      return code.code();
    }
  }
}
