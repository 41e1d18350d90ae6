package io.medvec.jobs.bench;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Options of {@code bin/medvec bench}.
 *
 * @param groups benchmark groups to run, in order ({@code train}, {@code infer}, {@code merge},
 *     {@code spark}, {@code decode}, {@code predict}; {@code all} = every group but {@code
 *     merge-engines}, {@code merge-scaling} and {@code lambda-engines}; {@code merge} includes
 *     {@code merge-engines}, the local/Spark comparison alone)
 * @param json {@code --json FILE}: also write the figures as a JSON list
 * @param runs {@code --runs} timed runs per figure (5); the figure is their median
 * @param warmup {@code --warmup} untimed runs before them (1 for merge, spark, decode and predict)
 * @param modelWarmup untimed runs before the timed ones of train and infer: {@code --warmup} when
 *     given, else {@value #MODEL_WARMUP} (one run is 20 minibatches; DL4J's Java side needs about
 *     that many before the JIT has compiled it, PyTorch gets the same warm-up)
 * @param threads {@code --threads} thread counts for train/infer, scorer counts for predict ([1,
 *     2])
 * @param batchSize {@code --batch-size} training minibatch (64, the fine-tune default), and the
 *     scoring batch of predict
 * @param full {@code --size full}: merge K ∈ {4, 16, 64} × P ∈ {1e6, 1e7} (2.6 GB of Parquet);
 *     {@code quick} (default) stops P = 1e7 at K = 16; decode and predict: all 2,359 ISIC images
 *     instead of every 8th
 * @param data {@code --data} the MedMNIST .npz ($MEDVEC_DATA)
 * @param dir {@code --dir} working directory for generated vectors (target/bench), reused between
 *     runs
 * @param home the checkout (bench/torch_cnn.py)
 * @param python {@code --python} interpreter for the PyTorch peer (/usr/bin/python3)
 * @param mergeK {@code --merge-k} vector counts of the engine comparison ([16]; e.g. 16,256,1000)
 * @param mergeP {@code --merge-p} vector lengths of the engine comparison ([1e6]; e.g. 1e6,2.5e7)
 * @param arch {@code --arch} network of train and infer: {@code cnn} (default: the pipeline's
 *     default CNN), {@code resnet} (ResNet-18 layout) or {@code mobilenet} (MobileNetV1, 13 blocks)
 * @param imageSize {@code --image-size} side in px the images are upscaled to (nearest neighbour)
 *     for train and infer; 0 (default) keeps the data's
 * @param width {@code --width} the resnet's width multiplier or the mobilenet's α (0.25)
 * @param trainImages {@code --train-images} images per timed training run ({@value #TRAIN_IMAGES});
 *     also the number of test images scored per inference pass for resnet and mobilenet (the whole
 *     test split for the CNN)
 */
record BenchOptions(
    List<String> groups,
    Optional<Path> json,
    int runs,
    int warmup,
    int modelWarmup,
    List<Integer> threads,
    int batchSize,
    boolean full,
    Path data,
    Path dir,
    Path home,
    String python,
    List<Integer> mergeK,
    List<Long> mergeP,
    String arch,
    int imageSize,
    double width,
    int trainImages) {

  static final int MODEL_WARMUP = 8;

  /** Default of {@code --train-images}: 20 minibatches of 64. */
  static final int TRAIN_IMAGES = 1280;

  static final List<String> ARCHS = List.of("cnn", "resnet", "mobilenet");

  /** The options without the network ones (the CNN at the data's size). */
  BenchOptions(
      List<String> groups,
      Optional<Path> json,
      int runs,
      int warmup,
      int modelWarmup,
      List<Integer> threads,
      int batchSize,
      boolean full,
      Path data,
      Path dir,
      Path home,
      String python,
      List<Integer> mergeK,
      List<Long> mergeP) {
    this(
        groups,
        json,
        runs,
        warmup,
        modelWarmup,
        threads,
        batchSize,
        full,
        data,
        dir,
        home,
        python,
        mergeK,
        mergeP,
        "cnn",
        0,
        0.25,
        TRAIN_IMAGES);
  }

  static final List<String> GROUPS =
      List.of(
          "train",
          "infer",
          "merge",
          "merge-engines",
          "merge-scaling",
          "spark",
          "lambda-engines",
          "decode",
          "predict");
  private static final Set<String> FLAGS =
      Set.of(
          "json",
          "runs",
          "warmup",
          "threads",
          "batch-size",
          "size",
          "data",
          "dir",
          "python",
          "merge-k",
          "merge-p",
          "arch",
          "image-size",
          "width",
          "train-images");

  BenchOptions {
    for (String group : groups) {
      if (!GROUPS.contains(group)) {
        throw new ConfigException(
            "Cannot run bench: unknown group '" + group + "' (valid: " + GROUPS + ", all)");
      }
    }
    if (runs < 1
        || warmup < 0
        || modelWarmup < 0
        || batchSize < 1
        || threads.isEmpty()
        || threads.stream().anyMatch(t -> t < 1)) {
      throw new ConfigException(
          "Cannot run bench: need runs >= 1, warmup >= 0, batch-size >= 1, threads >= 1 ("
              + runs
              + ", "
              + warmup
              + ", "
              + batchSize
              + ", "
              + threads
              + ")");
    }
    if (mergeK.isEmpty()
        || mergeP.isEmpty()
        || mergeK.stream().anyMatch(k -> k < 1)
        || mergeP.stream().anyMatch(p -> p < 1 || p > Integer.MAX_VALUE)) {
      throw new ConfigException(
          "Cannot run bench: --merge-k and --merge-p need values >= 1, P < 2^31 ("
              + mergeK
              + ", "
              + mergeP
              + ")");
    }
    if (!ARCHS.contains(arch)) {
      throw new ConfigException(
          "Cannot run bench: unknown --arch '" + arch + "' (valid: " + ARCHS + ")");
    }
    if (imageSize < 0 || imageSize == 1 || !(width > 0) || trainImages < 1) {
      throw new ConfigException(
          "Cannot run bench: need --image-size 0 or >= 2, --width > 0, --train-images >= 1 ("
              + imageSize
              + ", "
              + width
              + ", "
              + trainImages
              + ")");
    }
    if (groups.stream().anyMatch(g -> !g.startsWith("merge")) && !Files.isRegularFile(data)) {
      throw new ConfigException(
          "Cannot run bench: data file not found (" + data + "); pass --data FILE.npz");
    }
  }

  static BenchOptions parse(String[] args) {
    CliArgs cli = CliArgs.parse(args);
    cli.rejectFlagsExcept(FLAGS);
    List<String> groups =
        cli.positional().isEmpty() || cli.positional().contains("all")
            ? GROUPS.stream()
                .filter(
                    g ->
                        !g.equals("merge-engines")
                            && !g.equals("merge-scaling")
                            && !g.equals("lambda-engines"))
                .toList()
            : List.copyOf(cli.positional());
    String size = cli.flag("size").orElse("quick");
    if (!size.equals("quick") && !size.equals("full")) {
      throw new ConfigException("Cannot run bench: --size must be quick or full (" + size + ")");
    }
    Path home =
        Path.of(
            System.getProperty("medvec.home", System.getenv().getOrDefault("MEDVEC_HOME", ".")));
    String data =
        cli.flag("data")
            .orElseGet(
                () ->
                    Optional.ofNullable(System.getenv("MEDVEC_DATA"))
                        .orElse(home.resolve("../shared/data/pneumoniamnist.npz").toString()));
    return new BenchOptions(
        groups,
        cli.flag("json").map(Path::of),
        integer(cli, "runs", 5),
        integer(cli, "warmup", 1),
        integer(cli, "warmup", MODEL_WARMUP),
        Arrays.stream(cli.flag("threads").orElse("1,2").split(","))
            .map(s -> Integer.parseInt(s.strip()))
            .toList(),
        integer(cli, "batch-size", 64),
        size.equals("full"),
        Path.of(data).toAbsolutePath().normalize(),
        Path.of(cli.flag("dir").orElse(home.resolve("target/bench").toString())).toAbsolutePath(),
        home.toAbsolutePath().normalize(),
        cli.flag("python").orElse("/usr/bin/python3"),
        list(cli, "merge-k", "16", s -> Integer.parseInt(s)),
        list(cli, "merge-p", "1e6", s -> (long) Double.parseDouble(s)),
        cli.flag("arch").orElse("cnn"),
        integer(cli, "image-size", 0),
        list(cli, "width", "0.25", Double::parseDouble).get(0),
        integer(cli, "train-images", TRAIN_IMAGES));
  }

  private static <T> List<T> list(
      CliArgs cli, String flag, String fallback, java.util.function.Function<String, T> parse) {
    String value = cli.flag(flag).orElse(fallback);
    try {
      return Arrays.stream(value.split(",")).map(v -> parse.apply(v.strip())).toList();
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "Cannot run bench: --" + flag + " must be a list of numbers (" + value + ")", e);
    }
  }

  private static int integer(CliArgs cli, String flag, int fallback) {
    String value = cli.flag(flag).orElse(Integer.toString(fallback));
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "Cannot run bench: --" + flag + " must be an integer (" + value + ")", e);
    }
  }
}
