package io.medvec.jobs;

import io.medvec.core.config.CliArgs;
import io.medvec.core.data.MedMnistDownloader;
import io.medvec.jobs.bench.BenchCommand;
import io.medvec.jobs.experiment.ExperimentJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code bin/medvec COMMAND [options]}: one entry point for local use. Each Spark job also has its
 * own {@code main} for {@code spark-submit --class}.
 */
public final class Medvec {

  static final String USAGE = String.join("\n",
      "usage: bin/medvec COMMAND [--config FILE] [--set key=value]... [--data FILE.npz] [--out DIR] [--run-id ID]",
      "commands:",
      "  demo        PneumoniaMNIST, K=4 hospitals, end to end (defaults: conf/demo.yaml, --out medvec-demo)",
      "  pipeline    partition, pretrain, finetune, merge, evaluate in order (conf/pipeline.yaml)",
      "  partition   public pool + K hospitals, written as Parquet",
      "  pretrain    train or import theta_pre on the public pool",
      "  finetune    fine-tune every (or one) hospital, publish data vectors",
      "  merge       theta_mix = theta_pre + lambda * sum(tau), restore batch norm",
      "  evaluate    score pretrained / single_site / merged, append to the metrics table",
      "  experiment  a protocol (datasets x K x splits x seeds) with baselines, report in OUT/report/RUN/",
      "  sql         \"QUERY\" [--out DIR] [--limit N]: Spark SQL over the views metrics, vectors, merges",
      "  download    --dataset NAME --to DIR: fetch an official MedMNIST .npz and check its MD5",
      "  bench       [train|infer|merge|spark|all] [--json FILE] [--size quick|full]: throughput figures",
      "exit codes: 0 ok, 1 runtime failure, 2 bad config, 3 bad input, 4 incompatible vectors");

  private Medvec() {}

  public static void main(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      System.out.println(USAGE);
      System.exit(args.length == 0 ? ExitCode.BAD_CONFIG.code() : 0);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "demo" -> RunPipelineJob.main(demoArgs(rest));
      case "pipeline" -> RunPipelineJob.main(rest);
      case "partition" -> PartitionDataJob.main(rest);
      case "pretrain" -> PretrainModelJob.main(rest);
      case "finetune" -> FineTuneVectorsJob.main(rest);
      case "merge" -> MergeVectorsJob.main(rest);
      case "evaluate" -> EvaluateModelsJob.main(rest);
      case "experiment" -> ExperimentJob.main(rest);
      case "sql" -> QueryMetricsJob.main(rest);
      case "download" -> System.exit(download(rest));
      case "bench" -> System.exit(BenchCommand.run(rest));
      default -> {
        System.err.println("medvec: unknown command '" + args[0] + "'\n" + USAGE);
        System.exit(ExitCode.BAD_CONFIG.code());
      }
    }
  }

  /** Demo defaults: conf/demo.yaml, and the shared PneumoniaMNIST file unless told otherwise. */
  static String[] demoArgs(String[] args) {
    List<String> out = new ArrayList<>(Arrays.asList(args));
    CliArgs cli = CliArgs.parse(args);
    String home = System.getProperty("medvec.home", System.getenv().getOrDefault("MEDVEC_HOME", "."));
    if (cli.config().isEmpty()) {
      out.addAll(List.of("--config", Path.of(home, "conf", "demo.yaml").toString()));
    }
    boolean dataGiven = cli.flags().containsKey("data") || System.getenv("MEDVEC_DATA") != null
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
    return new MedMnistDownloader(MedMnistDownloader.DEFAULT_BASE_URL).download("pneumoniamnist", cache);
  }

  static int download(String[] args) {
    try {
      CliArgs cli = CliArgs.parse(args);
      cli.rejectFlagsExcept(Set.of("dataset", "to", "base-url"));
      Map<String, String> flags = cli.flags();
      String dataset = flags.getOrDefault("dataset", "pneumoniamnist");
      Path dir = Path.of(flags.getOrDefault("to", Path.of(System.getProperty("user.home"), ".medvec", "data").toString()));
      Path file = new MedMnistDownloader(flags.getOrDefault("base-url", MedMnistDownloader.DEFAULT_BASE_URL))
          .download(dataset, dir);
      System.out.println(file);
      return 0;
    } catch (RuntimeException e) {
      System.err.println("medvec download: " + JobMain.describe(e));
      return ExitCode.of(e).code();
    }
  }
}
