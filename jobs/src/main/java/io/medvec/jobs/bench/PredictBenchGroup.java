package io.medvec.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageDecoders;
import io.medvec.core.source.ImageFolderSource;
import io.medvec.core.source.ImageSource;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SplitRule;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.OutputLayout;
import io.medvec.jobs.JobMain;
import io.medvec.jobs.ModelConfig;
import io.medvec.jobs.PredictJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code bench predict}: end-to-end scoring of real images (read + decode + preprocess + infer),
 * images/s, through the Java API a hospital's service uses ({@link MergedModel}), against PyTorch
 * scoring the same files with the same weights ({@code bench/predict_torch.py}: the model's {@code
 * model.safetensors} in {@code python/medvec_torch.py}'s {@code MedvecNet}, Pillow decoding, float
 * resize, torch inference). The model is the default CNN ({@code model.*} defaults, seeded initial
 * weights: speed does not depend on them) for 64x64 RGB and the ISIC classes, published under
 * {@code --dir} as the pipeline publishes a merged model (θ_pre with its preprocessing and classes,
 * then the merged directory with {@code model.zip}, {@code model.safetensors} and its manifest) and
 * loaded back with {@link MergedModel#load(Path)}.
 *
 * <p>Images are the ISIC JPEGs (180x180 RGB) next to {@code --data} ({@code isic-skin/}): {@code
 * --size quick} every 8th (295), {@code full} all 2,359; batches of {@code --batch-size}. {@code
 * tasks=N} for each N of {@code --threads}: N scorers at once, each with its own model on its own
 * contiguous slice (medvec: threads of this JVM, ND4J on {@code OMP_NUM_THREADS} threads, 1 under
 * {@code bin/medvec}; PyTorch: N processes of one thread), images/s added up, as the predict job's
 * Spark tasks use N cores. PyTorch's rounds (fresh processes: one untimed pass, one timed)
 * alternate with medvec's timed runs, so the host's drift reaches both. The console also gives the
 * largest difference between medvec's and PyTorch's probabilities on the same images, and the share
 * of each scorer's time spent in the forward pass. Last, {@code spark-job.tasks=N}: the predict job
 * itself on the same images, in N partitions, against the Java API's {@code tasks=N}.
 */
final class PredictBenchGroup {

  static final String NAME = "predict.isic-jpeg-180-to-64-rgb";
  static final int SIZE = 64;
  static final String RUN_ID = "bench";

  /**
   * What the group measured besides its figures: the scored files, the model directory, medvec's
   * probabilities of the files (one thread, last timed run) and PyTorch's (null when it did not
   * run).
   */
  record Result(
      List<BenchFigure> figures, List<Path> files, Path model, float[][] medvec, float[][] torch) {}

  private final BenchOptions options;
  private final Path shared;
  private final int limit;
  private final SparkSession spark;

  /** The group; the predict job runs in a session of its own, stopped at the end. */
  PredictBenchGroup(BenchOptions options) {
    this(options, Integer.MAX_VALUE, null);
  }

  /**
   * The group on at most {@code limit} of the images {@code --size} selects; the predict job runs
   * in {@code spark} (left running), or in a session of its own when it is null.
   */
  PredictBenchGroup(BenchOptions options, int limit, SparkSession spark) {
    this.options = options;
    this.shared = options.data().getParent();
    this.limit = limit;
    this.spark = spark;
  }

  List<BenchFigure> run() {
    return measure().figures();
  }

  /** Measures every task count; empty figures when the shared images are absent. */
  Result measure() {
    Path root = shared.resolve("isic-skin");
    if (!Files.exists(root)) {
      // the default "all" includes this group: a machine without the shared images skips it
      System.out.println("  predict: " + root + " NOT MEASURED (not found next to --data)");
      return new Result(List.of(), List.of(), null, null, null);
    }
    ImageSource source = source(root);
    List<Example> all = source.examples();
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < all.size() && examples.size() < limit; i += options.full() ? 1 : 8) {
      examples.add(all.get(i));
    }
    List<Path> files =
        examples.stream().map(e -> Path.of(java.net.URI.create(e.location()))).toList();
    Path model = publish(source.classes());
    System.out.printf(
        "  %s: %d images from %s, batch %d, model %s, ND4J threads per scorer: %d%n",
        NAME,
        examples.size(),
        source.describe(),
        options.batchSize(),
        model,
        Nd4j.getEnvironment().maxThreads());
    List<BenchFigure> figures = new ArrayList<>();
    float[][] medvecProbabilities = null;
    float[][] torchProbabilities = null;
    Map<Integer, Double> api = new java.util.TreeMap<>();
    for (int tasks : options.threads()) {
      List<List<Example>> slices = slices(examples, tasks);
      // the peer's rounds alternate with medvec's timed runs, so the host's drift reaches both
      List<Peer> rounds = new ArrayList<>();
      boolean[] peerFailed = {false};
      Scored medvec =
          medvec(
              model,
              root,
              slices,
              () -> {
                if (!peerFailed[0]) {
                  Peer round = torch(model, files, slices, tasks, rounds.isEmpty());
                  peerFailed[0] = round == null;
                  if (round != null) {
                    rounds.add(round);
                  }
                }
              });
      Peer torch = peerFailed[0] || rounds.isEmpty() ? null : Peer.median(rounds);
      String suffix = ".tasks=" + tasks;
      api.put(tasks, medvec.imagesPerSecond);
      BenchFigure figure =
          BenchFigure.of(NAME + ".medvec" + suffix, medvec.imagesPerSecond, "images/s");
      figures.add(torch == null ? figure : figure.against(torch.imagesPerSecond));
      if (torch != null) {
        figures.add(BenchFigure.of(NAME + ".torch" + suffix, torch.imagesPerSecond, "images/s"));
      }
      System.out.printf(
          "  tasks=%d: forward pass %.0f %% of the time in medvec%s (the rest: read, decode,"
              + " preprocess)%n",
          tasks,
          100 * medvec.inferenceShare,
          torch == null ? "" : String.format(", %.0f %% in PyTorch", 100 * torch.inferenceShare));
      if (tasks == 1) {
        medvecProbabilities = medvec.probabilities;
        torchProbabilities = torch == null ? null : torch.probabilities;
      }
    }
    if (medvecProbabilities != null && torchProbabilities != null) {
      System.out.printf(
          "  %s: max |p_medvec - p_torch| = %.3g over %d images%n",
          NAME, maxAbsDiff(medvecProbabilities, torchProbabilities), files.size());
    }
    figures.addAll(job(model, source, examples, api));
    return new Result(figures, files, model, medvecProbabilities, torchProbabilities);
  }

  /**
   * The predict job ({@link PredictJob}, embedded local session, already up) on the same images,
   * listed in a CSV manifest, in as many partitions as each {@code --threads} value: images/s of
   * the whole {@code run()} (listing, checks, scoring, Parquet write and commit), against the Java
   * API's {@code tasks=N} figure.
   */
  private List<BenchFigure> job(
      Path model, ImageSource source, List<Example> examples, Map<Integer, Double> api) {
    Path manifest = options.dir().resolve("predict/images.csv");
    List<String> lines = new ArrayList<>(List.of("path,label"));
    for (Example e : examples) {
      lines.add(
          csv(Path.of(java.net.URI.create(e.location())).toString())
              + ","
              + csv(source.classes().get(e.label())));
    }
    try {
      Files.write(manifest, lines);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the predict job's manifest " + manifest, e);
    }
    long begin = System.nanoTime();
    SparkSession session = spark == null ? JobMain.session("bench") : spark;
    System.out.printf(
        "  predict job: embedded session %s up in %.1f s (not counted)%n",
        session.sparkContext().master(), (System.nanoTime() - begin) / 1e9);
    try {
      List<BenchFigure> figures = new ArrayList<>();
      for (int tasks : options.threads()) {
        PredictJob.Config config =
            PredictJob.Config.from(
                ConfigMap.empty()
                    .withOverrides(
                        List.of(
                            "predict.model=" + model,
                            "data.path=" + manifest,
                            "predict.out=" + options.dir().resolve("predict/table"),
                            "run-id=" + RUN_ID,
                            "predict.partitions=" + tasks,
                            "predict.batch-size=" + options.batchSize())));
        List<Double> runs = new ArrayList<>();
        for (int r = 0; r < options.warmup() + options.runs(); r++) {
          long start = System.nanoTime();
          PredictJob.Result result = new PredictJob(session, config).run();
          double seconds = (System.nanoTime() - start) / 1e9;
          if (result.images() != examples.size()) {
            throw new IllegalStateException(
                "Cannot bench the predict job: it scored "
                    + result.images()
                    + " images of "
                    + examples.size());
          }
          if (r >= options.warmup()) {
            runs.add(examples.size() / seconds);
          }
        }
        figures.add(
            BenchFigure.of(NAME + ".spark-job.tasks=" + tasks, BenchFigure.median(runs), "images/s")
                .against(api.get(tasks)));
      }
      return figures;
    } finally {
      if (spark == null) {
        session.stop();
      }
    }
  }

  /** One RFC 4180 CSV field. */
  private static String csv(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  private static ImageSource source(Path root) {
    return new ImageFolderSource(
        new Configuration(false),
        new org.apache.hadoop.fs.Path(root.toUri()),
        new SplitRule(0.1, 0.1, 0),
        ImageDecoders.standard());
  }

  /**
   * Publishes the default CNN for 64x64 RGB and {@code classes} as a merged model under {@code
   * --dir}: θ_pre with its preprocessing and classes, then the merged directory; returns it.
   */
  private Path publish(List<String> classes) {
    ModelConfig m = ModelConfig.from(ConfigMap.empty());
    MultiLayerNetwork net =
        NetworkFactory.build(
            new NetworkSpec(
                3,
                SIZE,
                SIZE,
                classes.size(),
                m.convFilters(),
                m.kernel(),
                m.batchNorm(),
                m.denseUnits(),
                1e-3,
                m.seed()));
    Configuration conf = new Configuration();
    OutputLayout layout =
        new OutputLayout(
            new org.apache.hadoop.fs.Path(options.dir().resolve("predict").toUri()), RUN_ID);
    Preprocessing preprocessing = Preprocessing.unit(SIZE, Preprocessing.Channels.RGB);
    return Path.of(
        new MergedModelStore(conf, layout)
            .publishUnmerged(Network.of(net), new BaseManifest(preprocessing, classes).fields())
            .toUri());
  }

  /** {@code n} contiguous slices of {@code examples}, as the predict job cuts its tasks. */
  static <T> List<List<T>> slices(List<T> examples, int n) {
    int parts = Math.max(1, Math.min(n, examples.size()));
    List<List<T>> out = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      out.add(
          examples.subList(
              (int) ((long) examples.size() * p / parts),
              (int) ((long) examples.size() * (p + 1) / parts)));
    }
    return out;
  }

  /**
   * Images/s (added up over the slices), the share of the wall time spent in the network's forward
   * pass (the rest: read, decode, preprocess) and the probabilities of all images, in order.
   */
  record Scored(double imagesPerSecond, double inferenceShare, float[][] probabilities) {}

  /**
   * One scorer per slice, each its own model and source, all at once; median over the runs. {@code
   * afterTimedRun} runs after each timed run, untimed.
   */
  private Scored medvec(Path model, Path root, List<List<Example>> slices, Runnable afterTimedRun) {
    List<MergedModel> models = new ArrayList<>();
    List<ImageSource> sources = new ArrayList<>();
    for (int i = 0; i < slices.size(); i++) {
      models.add(MergedModel.load(model));
      sources.add(source(root));
    }
    List<Double> runs = new ArrayList<>();
    List<Double> shares = new ArrayList<>();
    List<Scored> last = null;
    for (int r = 0; r < options.warmup() + options.runs(); r++) {
      List<java.util.function.Supplier<Scored>> scorers = new ArrayList<>();
      for (int i = 0; i < slices.size(); i++) {
        MergedModel m = models.get(i);
        ImageSource s = sources.get(i);
        List<Example> slice = slices.get(i);
        scorers.add(() -> score(m, s, slice, options.batchSize()));
      }
      List<Scored> done = ModelBench.concurrently(scorers);
      if (r >= options.warmup()) {
        runs.add(done.stream().mapToDouble(Scored::imagesPerSecond).sum());
        shares.add(done.stream().mapToDouble(Scored::inferenceShare).average().orElseThrow());
        last = done;
        afterTimedRun.run();
      }
    }
    List<float[]> rows = new ArrayList<>();
    last.forEach(s -> rows.addAll(List.of(s.probabilities)));
    return new Scored(
        BenchFigure.median(runs), BenchFigure.median(shares), rows.toArray(new float[0][]));
  }

  /**
   * Reads, decodes, preprocesses and scores {@code examples} in batches of {@code batch}, as the
   * predict job's tasks do; images/s of the whole pass.
   */
  static Scored score(MergedModel model, ImageSource source, List<Example> examples, int batch) {
    long start = System.nanoTime();
    long inference = 0;
    float[][] probabilities = new float[examples.size()][];
    int k = model.classes().size();
    int done = 0;
    try (ImageSource.Stream stream = source.open(examples)) {
      List<float[]> inputs = new ArrayList<>(batch);
      while (stream.hasNext()) {
        ImageSource.Loaded loaded = stream.next();
        inputs.add(model.input(loaded.example().id(), loaded.image()));
        if (inputs.size() == batch || !stream.hasNext()) {
          long before = System.nanoTime();
          float[] probs = model.scores(inputs.toArray(new float[0][]));
          inference += System.nanoTime() - before;
          for (int i = 0; i < inputs.size(); i++) {
            probabilities[done++] = java.util.Arrays.copyOfRange(probs, i * k, (i + 1) * k);
          }
          inputs.clear();
        }
      }
    }
    long wall = System.nanoTime() - start;
    return new Scored(examples.size() / (wall / 1e9), (double) inference / wall, probabilities);
  }

  /**
   * PyTorch's images/s (added up over the slices), its inference share (as {@link Scored}) and
   * probabilities of all images.
   */
  private record Peer(double imagesPerSecond, double inferenceShare, float[][] probabilities) {
    /** The medians of the rounds, with the last round's probabilities. */
    static Peer median(List<Peer> rounds) {
      return new Peer(
          BenchFigure.median(rounds.stream().map(Peer::imagesPerSecond).toList()),
          BenchFigure.median(rounds.stream().map(Peer::inferenceShare).toList()),
          rounds.get(rounds.size() - 1).probabilities());
    }
  }

  /**
   * One round of the PyTorch peer: one process of one thread per slice, all at once, each one timed
   * pass after (with {@code --warmup} > 0) one untimed; null (said on the console) when it cannot
   * run. {@code first} prints the versions.
   */
  private Peer torch(
      Path model, List<Path> files, List<List<Example>> slices, int tasks, boolean first) {
    Path script = options.home().resolve("bench/predict_torch.py");
    List<Process> processes = new ArrayList<>();
    List<Path> probs = new ArrayList<>();
    try {
      int from = 0;
      for (int i = 0; i < slices.size(); i++) {
        int to = from + slices.get(i).size();
        Path list = options.dir().resolve("predict/files.tasks=" + tasks + "." + i + ".txt");
        Path out = options.dir().resolve("predict/torch.tasks=" + tasks + "." + i + ".f32");
        Files.write(list, files.subList(from, to).stream().map(Path::toString).toList());
        Files.deleteIfExists(out);
        probs.add(out);
        from = to;
        ProcessBuilder builder =
            new ProcessBuilder(
                    options.python(),
                    script.toString(),
                    "--model",
                    model.resolve("model.safetensors").toString(),
                    "--files",
                    list.toString(),
                    "--size",
                    Integer.toString(SIZE),
                    "--batch",
                    Integer.toString(options.batchSize()),
                    "--threads",
                    "1",
                    "--runs",
                    "1",
                    "--warmup",
                    Integer.toString(Math.min(1, options.warmup())),
                    "--probs",
                    out.toString())
                .redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", "1");
        processes.add(builder.start());
      }
      double total = 0;
      double share = 0;
      String version = null;
      for (Process process : processes) {
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = process.waitFor();
        if (code != 0) {
          System.out.println(TorchPeer.notMeasured(options.python(), code, text));
          return null;
        }
        JsonNode node = new ObjectMapper().readTree(TorchPeer.lastLine(text));
        List<Double> values = new ArrayList<>();
        node.get("runs").forEach(v -> values.add(v.asDouble()));
        total += BenchFigure.median(values);
        share += node.path("inference_share").asDouble() / processes.size();
        version =
            "torch " + node.path("torch").asText() + ", Pillow " + node.path("pillow").asText();
      }
      if (first && tasks == options.threads().get(0)) {
        System.out.println("  peer: " + version);
      }
      List<float[]> rows = new ArrayList<>();
      for (int i = 0; i < probs.size(); i++) {
        rows.addAll(List.of(readProbabilities(probs.get(i), slices.get(i).size())));
      }
      return new Peer(total, share, rows.toArray(new float[0][]));
    } catch (IOException e) {
      System.out.println(
          "  PyTorch peer NOT MEASURED: cannot run "
              + options.python()
              + " ("
              + e.getMessage()
              + ")");
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running the PyTorch peer", e);
    } finally {
      processes.forEach(Process::destroy);
    }
  }

  /** {@code n} rows of little-endian float32 probabilities. */
  static float[][] readProbabilities(Path file, int n) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      float[] flat = new float[bytes.length / 4];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(flat);
      if (n == 0 || flat.length % n != 0) {
        throw new IllegalStateException(
            "Cannot read " + file + ": " + flat.length + " floats for " + n + " images");
      }
      int k = flat.length / n;
      float[][] rows = new float[n][];
      for (int i = 0; i < n; i++) {
        rows[i] = java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k);
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the PyTorch peer's probabilities " + file, e);
    }
  }

  /** The largest absolute difference between two equally shaped probability tables. */
  static double maxAbsDiff(float[][] a, float[][] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "Cannot compare probabilities of " + a.length + " and " + b.length + " images");
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i].length != b[i].length) {
        throw new IllegalArgumentException(
            "Cannot compare probabilities: image "
                + i
                + " has "
                + a[i].length
                + " and "
                + b[i].length
                + " classes");
      }
      for (int j = 0; j < a[i].length; j++) {
        max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return max;
  }
}
