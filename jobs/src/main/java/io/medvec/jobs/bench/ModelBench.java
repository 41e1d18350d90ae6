package io.medvec.jobs.bench;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.NpzReader;
import io.medvec.core.io.Json;
import io.medvec.core.model.FastPath;
import io.medvec.core.model.MobileNetSpec;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.ResNetSpec;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.jobs.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code bench train} and {@code bench infer}: images/s of a network ({@code --arch}: the project's
 * default CNN, or a ResNet-18-layout residual network or a MobileNetV1 at {@code --width}, images
 * upscaled by nearest neighbour to {@code --image-size}) in DL4J and in PyTorch, per thread count.
 * Each DL4J thread count runs in its own JVM ({@code OMP_NUM_THREADS} is read once when the native
 * library loads), through the same {@link Trainer} and {@link Predictor} the jobs use.
 */
final class ModelBench {

  /** Images per timed training run by default: 20 minibatches of 64. */
  static final int TRAIN_IMAGES = BenchOptions.TRAIN_IMAGES;

  /** The test split is scored this many times per timed inference run. */
  static final int INFER_REPEAT = 4;

  private final BenchOptions options;

  ModelBench(BenchOptions options) {
    this.options = options;
  }

  /** Runs DL4J (child JVMs) and PyTorch for every thread count; returns the figures. */
  List<BenchFigure> run(boolean train, boolean infer) {
    List<BenchFigure> figures = new ArrayList<>();
    for (int threads : options.threads()) {
      // train and infer each in fresh processes: PyTorch infers 2-5x faster at 2 threads right
      // after
      // training in the same process, and the evaluation job does not train first
      if (train) {
        WorkerResult dl4j = worker(threads, "train");
        TorchPeer.Result torch = new TorchPeer(options).run(threads, "train");
        add(figures, "train", threads, "", dl4j.train(), torch.train());
        add(figures, "train", threads, ".cold", dl4j.trainCold(), torch.trainCold());
        System.out.printf("  [threads=%d] DL4J layers: %s%n", threads, dl4j.layers());
      }
      if (infer) {
        WorkerResult dl4j = worker(threads, "infer");
        TorchPeer.Result torch = new TorchPeer(options).run(threads, "infer");
        add(figures, "infer", threads, "", dl4j.infer(), torch.infer());
        add(figures, "infer", threads, ".cold", dl4j.inferCold(), torch.inferCold());
        if (!train) {
          System.out.printf("  [threads=%d] DL4J layers: %s%n", threads, dl4j.layers());
        }
      }
    }
    if (train && options.arch().equals("cnn") && options.threads().stream().anyMatch(t -> t > 1)) {
      concurrentTraining(
          figures, options.threads().stream().mapToInt(Integer::intValue).max().getAsInt());
    }
    return figures;
  }

  /**
   * {@code train.*.tasks=N}: N trainings of one thread each at the same time (each its own
   * process), their images/s added up. That is how the pipeline uses N cores (one fine-tune per
   * Spark task, {@code OMP_NUM_THREADS=1}), whereas {@code threads=N} is one training on N threads.
   */
  private void concurrentTraining(List<BenchFigure> figures, int tasks) {
    List<Double> dl4j = concurrently(tasks, () -> worker(1, "train").train());
    List<TorchPeer.Result> torch =
        concurrently(tasks, () -> new TorchPeer(options).run(1, "train"));
    BenchFigure figure =
        BenchFigure.of(
            "train.dl4j.tasks=" + tasks,
            dl4j.stream().mapToDouble(Double::doubleValue).sum(),
            "img/s");
    if (torch.stream().allMatch(r -> r.train().isPresent())) {
      double total = torch.stream().mapToDouble(r -> r.train().getAsDouble()).sum();
      figures.add(figure.against(total));
      figures.add(BenchFigure.of("train.torch.tasks=" + tasks, total, "img/s"));
    } else {
      figures.add(figure);
    }
  }

  /**
   * Runs {@code n} copies of {@code task} at once, each on its own thread (not the common pool: one
   * thread on 2 cores).
   */
  private static <T> List<T> concurrently(int n, Supplier<T> task) {
    return concurrently(java.util.Collections.nCopies(n, task));
  }

  /** Runs every one of {@code tasks} at once, each on its own thread; results in task order. */
  static <T> List<T> concurrently(List<Supplier<T>> tasks) {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Supplier<T> task : tasks) {
        futures.add(pool.submit(task::get));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get());
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running concurrent benchmark workers", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * One DL4J worker JVM with {@code threads} OpenMP threads measuring {@code what} (train, infer).
   */
  private WorkerResult worker(int threads, String what) {
    return Json.read(
        ChildJvm.run(ModelBench.class, threadEnv(threads), workerArgs(what)),
        WorkerResult.class,
        "dl4j worker");
  }

  /** DL4J's figure (with its ratio to PyTorch's when torch ran), then PyTorch's. */
  private static void add(
      List<BenchFigure> figures,
      String group,
      int threads,
      String suffix,
      Double dl4j,
      java.util.OptionalDouble torch) {
    BenchFigure figure = BenchFigure.of(name(group, "dl4j", threads) + suffix, dl4j, "img/s");
    figures.add(torch.isPresent() ? figure.against(torch.getAsDouble()) : figure);
    torch.ifPresent(
        t -> figures.add(BenchFigure.of(name(group, "torch", threads) + suffix, t, "img/s")));
  }

  private static String name(String group, String engine, int threads) {
    return group + "." + engine + ".threads=" + threads;
  }

  private String[] workerArgs(String what) {
    return new String[] {
      options.data().toString(),
      Integer.toString(options.modelWarmup()),
      Integer.toString(options.runs()),
      Integer.toString(options.batchSize()),
      what,
      options.arch(),
      Integer.toString(options.imageSize()),
      Double.toString(options.width()),
      Integer.toString(options.trainImages())
    };
  }

  /**
   * What a worker JVM reports: medians in images/s after warm-up and the first (cold) run's, null
   * for what was not asked.
   */
  record WorkerResult(
      Double train, Double infer, Double trainCold, Double inferCold, int threads, String layers) {}

  /**
   * Worker JVM: args DATA WARMUP RUNS BATCH WHAT ARCH IMAGE-SIZE WIDTH TRAIN-IMAGES; prints one
   * JSON {@link WorkerResult}.
   */
  public static void main(String[] args) {
    FastPath.enable();
    MedMnist data = NpzReader.read(Path.of(args[0]));
    int warmup = Integer.parseInt(args[1]);
    int runs = Integer.parseInt(args[2]);
    int batch = Integer.parseInt(args[3]);
    String arch = args[5];
    int size = Integer.parseInt(args[6]) == 0 ? data.train().height() : Integer.parseInt(args[6]);
    double width = Double.parseDouble(args[7]);
    int trainImages = Integer.parseInt(args[8]);
    Network net = network(arch, data, size, width);
    Runs train = null;
    Runs infer = null;
    if (args[4].contains("train")) {
      int[] epochSeed = {0};
      ImageSet images =
          data.train().subset(firstN(data.train().size(), trainImages)).upscaled(size);
      train =
          measure(
              warmup,
              runs,
              () -> {
                TrainSettings settings = new TrainSettings(1, batch, 1e-3, 11 + epochSeed[0]++);
                return Trainer.fit(net, images, settings, e -> {}).get(0).examplesPerSecond();
              });
    }
    if (args[4].contains("infer")) {
      ImageSet test =
          arch.equals("cnn")
              ? data.test().upscaled(size)
              : data.test().subset(firstN(data.test().size(), trainImages)).upscaled(size);
      int evalBatch = 256;
      infer =
          measure(
              warmup,
              runs,
              () -> {
                long start = System.nanoTime();
                for (int r = 0; r < INFER_REPEAT; r++) {
                  Predictor.predict(net, test, evalBatch);
                }
                return INFER_REPEAT * test.size() / ((System.nanoTime() - start) / 1e9);
              });
    }
    WorkerResult result =
        new WorkerResult(
            train == null ? null : train.median(),
            infer == null ? null : infer.median(),
            train == null ? null : train.first(),
            infer == null ? null : infer.first(),
            Nd4j.getEnvironment().maxThreads(),
            FastPath.describe());
    // one line in the parent's own mapping (Json.read): the parent reads the line after the marker
    System.out.println(ChildJvm.RESULT_MARKER + Json.tree(result));
  }

  /** The benchmarked network: the default CNN, or the graph of {@code arch} at {@code size} px. */
  static Network network(String arch, MedMnist data, int size, double width) {
    int c = data.channels();
    int k = data.numClasses();
    return switch (arch) {
      case "cnn" -> {
        ModelConfig m = ModelConfig.from(ConfigMap.empty());
        yield Network.of(
            NetworkFactory.build(
                new NetworkSpec(
                    c,
                    size,
                    size,
                    k,
                    m.convFilters(),
                    m.kernel(),
                    m.batchNorm(),
                    m.denseUnits(),
                    1e-3,
                    m.seed())));
      }
      case "resnet" ->
          NetworkFactory.build(
              new ResNetSpec(c, size, size, k, ResNetSpec.RESNET18_BLOCKS, width, 1e-3, 42));
      case "mobilenet" ->
          NetworkFactory.build(new MobileNetSpec(c, size, size, k, width, 13, 1e-3, 42));
      default -> throw new IllegalArgumentException("Cannot bench: unknown arch " + arch);
    };
  }

  /** The median of the timed runs and the value of the very first (cold) run. */
  record Runs(double median, double first) {}

  static double median(int warmup, int runs, DoubleSupplier run) {
    return measure(warmup, runs, run).median();
  }

  /** Runs {@code warmup} untimed then {@code runs} timed repetitions. */
  static Runs measure(int warmup, int runs, DoubleSupplier run) {
    List<Double> values = new ArrayList<>();
    double first = Double.NaN;
    for (int i = 0; i < warmup + runs; i++) {
      double v = run.getAsDouble();
      if (i == 0) {
        first = v;
      }
      if (i >= warmup) {
        values.add(v);
      }
    }
    return new Runs(BenchFigure.median(values), first);
  }

  private static int[] firstN(int size, int n) {
    int[] idx = new int[Math.min(size, n)];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    return idx;
  }

  static Map<String, String> threadEnv(int threads) {
    return Map.of("OMP_NUM_THREADS", Integer.toString(threads));
  }
}
