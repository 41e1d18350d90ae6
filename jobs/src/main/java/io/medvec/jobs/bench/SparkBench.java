package io.medvec.jobs.bench;

import io.medvec.core.config.CliArgs;
import io.medvec.jobs.FineTuneVectorsJob;
import io.medvec.jobs.JobMain;
import io.medvec.jobs.PartitionDataJob;
import io.medvec.jobs.PretrainModelJob;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench spark}: the fine-tune job for one hospital through Spark (local mode, session
 * already up) against the same {@code HospitalFineTune} called directly in the driver on the same
 * data, both publishing the same vector, run alternately (up to 5 timed pairs after the warm-up
 * pairs). Session start-up is reported on its own: the target is the overhead beyond it. Partition
 * and θ_pre (one epoch) are prepared once, untimed.
 */
final class SparkBench {

  private final BenchOptions options;

  SparkBench(BenchOptions options) {
    this.options = options;
  }

  List<BenchFigure> run() {
    String out = options.dir().resolve("spark").toString();
    String[] common = {"--data", options.data().toString(), "--out", out, "--run-id", "bench"};
    long start = System.nanoTime();
    SparkSession spark = JobMain.session("bench");
    double startup = (System.nanoTime() - start) / 1e9;
    try {
      new PartitionDataJob(
              spark, JobMain.parseConfig(args(common), "partition", PartitionDataJob.Config::from))
          .run();
      new PretrainModelJob(
              spark,
              JobMain.parseConfig(
                  args(common, "--set", "pretrain.epochs=1"),
                  "pretrain",
                  PretrainModelJob.Config::from))
          .run();
      FineTuneVectorsJob.Config config =
          JobMain.parseConfig(
              args(common, "--set", "finetune.hospitals=[h0]", "--set", "finetune.epochs=2"),
              "finetune",
              FineTuneVectorsJob.Config::from);
      // direct and job alternate, so the host's drift over the minute reaches both alike
      List<Double> direct = new ArrayList<>();
      List<Double> job = new ArrayList<>();
      int runs = Math.min(options.runs(), 5);
      for (int i = 0; i < options.warmup() + runs; i++) {
        double d = seconds(() -> new FineTuneVectorsJob(spark, config).runDirect());
        double j = seconds(() -> new FineTuneVectorsJob(spark, config).run());
        if (i >= options.warmup()) {
          direct.add(d);
          job.add(j);
        }
      }
      List<BenchFigure> figures = new ArrayList<>();
      figures.add(BenchFigure.of("spark.session-startup", startup, "s"));
      double directMedian = BenchFigure.median(direct);
      figures.add(BenchFigure.of("spark.finetune.direct", directMedian, "s"));
      figures.add(
          BenchFigure.of("spark.finetune.job", BenchFigure.median(job), "s").against(directMedian));
      return figures;
    } finally {
      spark.stop();
    }
  }

  private static CliArgs args(String[] common, String... more) {
    List<String> all = new ArrayList<>(List.of(common));
    all.addAll(List.of(more));
    return CliArgs.parse(all.toArray(String[]::new));
  }

  private static double seconds(Runnable body) {
    long start = System.nanoTime();
    body.run();
    return (System.nanoTime() - start) / 1e9;
  }
}
