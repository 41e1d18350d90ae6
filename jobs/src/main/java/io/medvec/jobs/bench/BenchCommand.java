package io.medvec.jobs.bench;

import io.medvec.core.io.Json;
import io.medvec.core.model.FastPath;
import io.medvec.jobs.ExitCode;
import io.medvec.jobs.JobMain;
import io.medvec.jobs.MedvecBuild;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/medvec bench [train] [infer] [merge] [spark] [decode] [predict] [--json FILE] [--runs
 * N] [--warmup N] [--threads 1,2] [--size quick|full] [--data FILE.npz] [--dir DIR] [--merge-k
 * 16,256] [--merge-p 1e6]}; {@code merge} also compares the merge engines ({@code merge-engines}
 * alone: local and Spark against a Spark scan; {@code merge-scaling}: the Spark merge on 1 and 2
 * local-cluster executors, not part of {@code all}), {@code spark} the candidate-scoring engines
 * ({@code lambda-engines} alone): prints each figure as the median of {@code --runs} timed runs
 * after {@code --warmup} untimed ones, with the ratio to its peer where one exists, and writes them
 * as a JSON list of {@code {name, value, unit, ratio}}. Throughput targets live here, never in
 * tests (see docs/performance.md "The bench" and docs/benchmarks.md).
 */
public final class BenchCommand {

  static final String USAGE =
      "usage: bin/medvec bench [all|train|infer|merge|merge-engines|merge-scaling|spark|lambda-engines|decode|predict]... [--json FILE] [--runs 5] [--warmup N (1; train, infer: 8)]"
          + " [--threads 1,2] [--batch-size 64] [--size quick|full] [--data FILE.npz] [--dir target/bench]"
          + " [--merge-k 16,256,1000] [--merge-p 1e6,2.5e7]";

  private BenchCommand() {}

  public static int run(String[] args) {
    try {
      BenchOptions options = BenchOptions.parse(args);
      FastPath.enable();
      System.out.println(header(options));
      List<BenchFigure> figures = new ArrayList<>();
      boolean train = options.groups().contains("train");
      boolean infer = options.groups().contains("infer");
      if (train || infer) {
        figures.addAll(report(new ModelBench(options).run(train, infer)));
      }
      if (options.groups().contains("merge")) {
        figures.addAll(report(new MergeBench(options).run()));
      }
      if (options.groups().contains("merge") || options.groups().contains("merge-engines")) {
        figures.addAll(report(new SparkMergeBench(options).run()));
      }
      if (options.groups().contains("merge-scaling")) {
        figures.addAll(report(new SparkMergeScaling(options).run()));
      }
      if (options.groups().contains("spark")) {
        figures.addAll(report(new SparkBench(options).run()));
      }
      if (options.groups().contains("spark") || options.groups().contains("lambda-engines")) {
        figures.addAll(report(new CandidateScoringBench(options).run()));
      }
      if (options.groups().contains("decode")) {
        figures.addAll(report(new DecodeBenchGroup(options).run()));
      }
      if (options.groups().contains("predict")) {
        figures.addAll(report(new PredictBenchGroup(options).run()));
      }
      options.json().ifPresent(file -> write(file, figures));
      return ExitCode.SUCCESS.code();
    } catch (RuntimeException e) {
      System.err.println("medvec bench: " + JobMain.describe(e) + "\n" + USAGE);
      return ExitCode.of(e).code();
    }
  }

  private static List<BenchFigure> report(List<BenchFigure> figures) {
    figures.forEach(f -> System.out.println(f.line()));
    return figures;
  }

  private static String header(BenchOptions options) {
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    return String.format(
        Locale.ROOT,
        "medvec bench %s: %s, %s, %d cores, load average %.2f, median of %d runs after %d warm-up (train, infer: %d),"
            + " DL4J layers: %s",
        options.groups(),
        cpuModel(),
        CpuIsa.describe(MedvecBuild.nd4jClassifier()),
        Runtime.getRuntime().availableProcessors(),
        load,
        options.runs(),
        options.warmup(),
        options.modelWarmup(),
        FastPath.describe());
  }

  /** The CPU model of /proc/cpuinfo (Linux), else the JVM's architecture. */
  static String cpuModel() {
    return CpuIsa.field(CpuIsa.CPUINFO, "model name").orElse(System.getProperty("os.arch"));
  }

  private static void write(Path file, List<BenchFigure> figures) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, Json.write(figures));
      System.out.println("wrote " + figures.size() + " figures to " + file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write benchmark results to " + file, e);
    }
  }
}
