package io.medvec.core.source;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.MedMnistInfo;
import io.medvec.core.data.Split;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image source materialized for the jobs: each split decoded and preprocessed (channels, aspect
 * rule and resize; values in [0, 1]) into one {@link ImageSet}, with the class names and the
 * preprocessing that produced it. A {@code mean-std} scaling is not applied here: it is the
 * network's input scale ({@link io.medvec.core.model.PixelScale#meanStd}), applied to every batch
 * in training and scoring alike.
 *
 * <p>The splits are held in the heap as floats: {@code images x channels x side x side x 4} bytes
 * (a few thousand images at 64x64x3 take a few hundred MB). {@link #load} refuses a source whose
 * splits need more than {@link #HEAP_SHARE} of the largest heap before it allocates them.
 *
 * <p>A MedMNIST {@code .npz} whose preprocessing keeps its own size and channels is returned as the
 * reader decoded it, bit for bit.
 *
 * @param description the source's location and kind, for logs and messages
 * @param data the three splits
 * @param classes class names in label order
 * @param preprocessing the preprocessing applied (augmentation is left to training)
 */
public record SourceData(
    String description, MedMnist data, List<String> classes, Preprocessing preprocessing) {

  private static final Logger LOG = LoggerFactory.getLogger(SourceData.class);

  /** Share of the largest heap the materialized splits may take. */
  public static final double HEAP_SHARE = 0.25;

  /** The largest side an image gets when {@code data.image.size} is left to the data. */
  public static final int DEFAULT_MAX_SIDE = 64;

  public SourceData {
    classes = List.copyOf(classes);
  }

  /**
   * Opens the source at {@code path} and materializes its splits with {@code declared} (the base
   * model's preprocessing), or, when null, with the preprocessing {@code config} resolves against
   * the data (see {@link #resolve}).
   */
  public static SourceData load(
      Configuration conf, Path path, SourceConfig config, Preprocessing declared) {
    return SourceListing.open(conf, path, config, declared).materialize();
  }

  /** Every split of {@code listing} decoded and preprocessed into memory. */
  static SourceData materialize(SourceListing listing) {
    ImageSource source = listing.source();
    Map<Split, List<Example>> splits = listing.splits();
    Preprocessing preprocessing = listing.preprocessing();
    List<String> classes = listing.classes();
    if (source instanceof NpzSource npz && keepsShape(preprocessing, npz.data())) {
      return new SourceData(source.describe(), npz.data(), classes, preprocessing);
    }
    String dataset = listing.dataset();
    requireFits(source, splits, preprocessing);
    Map<Split, ImageSet> sets = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      sets.put(
          split, materialize(source, dataset, split, splits.get(split), classes, preprocessing));
    }
    LOG.info(
        "Loaded {}: train {}, val {}, test {} images of {}x{}x{}, classes {}",
        source.describe(),
        sets.get(Split.TRAIN).size(),
        sets.get(Split.VAL).size(),
        sets.get(Split.TEST).size(),
        preprocessing.channels().count(),
        preprocessing.height(),
        preprocessing.width(),
        classes);
    return new SourceData(
        source.describe(),
        new MedMnist(dataset, sets.get(Split.TRAIN), sets.get(Split.VAL), sets.get(Split.TEST)),
        classes,
        preprocessing);
  }

  /**
   * The examples of each split. A source split by folders or by a split column that lacks val or
   * test gets it from its train examples by {@code rule} (stratified, seeded, patient-grouped).
   * Every job that indexes a split's examples (partition, fine-tune) lists them through this.
   */
  public static Map<Split, List<Example>> splits(ImageSource source, SplitRule rule) {
    Map<Split, List<Example>> out = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      out.put(split, source.examples(split));
    }
    boolean noVal = out.get(Split.VAL).isEmpty();
    boolean noTest = out.get(Split.TEST).isEmpty();
    if (source instanceof NpzSource || !(noVal || noTest) || out.get(Split.TRAIN).isEmpty()) {
      return out;
    }
    SplitRule carve =
        new SplitRule(
            noVal ? rule.valFraction() : 0, noTest ? rule.testFraction() : 0, rule.seed());
    List<Example> carved = carve.assign(out.get(Split.TRAIN));
    for (Split split : Split.values()) {
      if (split == Split.TRAIN
          || (split == Split.VAL && noVal)
          || (split == Split.TEST && noTest)) {
        out.put(split, carved.stream().filter(e -> e.split() == split).toList());
      }
    }
    LOG.info(
        "{} has no {} split: carved from train by {}",
        source.describe(),
        noVal && noTest ? "val or test" : noVal ? "val" : "test",
        carve);
    return out;
  }

  /**
   * The preprocessing {@code config} declares, completed from the first train image: its shorter
   * side (at most {@link #DEFAULT_MAX_SIDE}) where {@code data.image.size} is 0, its channels where
   * {@code data.image.channels} is {@code auto}. Logs what it took from the data.
   */
  public static Preprocessing resolve(
      SourceConfig config, ImageSource source, List<Example> train) {
    if (train.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot resolve preprocessing of " + source.describe() + ": no train images");
    }
    DecodedImage first;
    try (ImageSource.Stream stream = source.open(List.of(train.get(0)))) {
      first = stream.next().image();
    }
    int side = Math.min(DEFAULT_MAX_SIDE, Math.min(first.width(), first.height()));
    Preprocessing.Channels channels =
        first.channels() == 1 ? Preprocessing.Channels.GREY : Preprocessing.Channels.RGB;
    Preprocessing p = config.preprocessing(side, channels);
    LOG.info(
        "Preprocessing of {}: {}x{} {} ({}, from the first image {}, {}x{}x{}), {}, {}",
        source.describe(),
        p.width(),
        p.height(),
        Preprocessing.kebab(p.channels()),
        config.size() > 0 ? "data.image.size" : "size from the data, at most " + DEFAULT_MAX_SIDE,
        train.get(0).id(),
        first.width(),
        first.height(),
        first.channels(),
        Preprocessing.kebab(p.aspect()),
        Preprocessing.kebab(p.interpolation()));
    return p;
  }

  /** Class names: a known MedMNIST dataset's names, else the source's own. */
  static List<String> classNames(ImageSource source) {
    if (source instanceof NpzSource npz) {
      return MedMnistInfo.find(npz.data().dataset())
          .filter(i -> i.numClasses() == npz.data().numClasses())
          .map(MedMnistInfo::classNames)
          .orElse(source.classes());
    }
    return source.classes();
  }

  private static boolean keepsShape(Preprocessing p, MedMnist data) {
    return p.width() == data.width()
        && p.height() == data.height()
        && p.channels().count() == data.channels()
        && p.scaling() == Preprocessing.Scaling.UNIT;
  }

  static void requireFits(ImageSource source, Map<Split, List<Example>> splits, Preprocessing p) {
    long images = splits.values().stream().mapToLong(List::size).sum();
    long bytes = images * p.imageSize() * Float.BYTES;
    long limit = (long) (Runtime.getRuntime().maxMemory() * HEAP_SHARE);
    LOG.info(
        "Materializing {}: {} images of {}x{}x{} take {} MiB of the heap (limit {} MiB)",
        source.describe(),
        images,
        p.channels().count(),
        p.height(),
        p.width(),
        bytes >> 20,
        limit >> 20);
    if (bytes > limit) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "Cannot load %s: %d images of %dx%dx%d need %d MiB as floats, more than %.0f%% of"
                  + " the largest heap (%d MiB); lower data.image.size or raise the heap (-Xmx)",
              source.describe(),
              images,
              p.channels().count(),
              p.height(),
              p.width(),
              bytes >> 20,
              HEAP_SHARE * 100,
              Runtime.getRuntime().maxMemory() >> 20));
    }
  }

  static ImageSet materialize(
      ImageSource source,
      String dataset,
      Split split,
      List<Example> examples,
      List<String> classes,
      Preprocessing p) {
    int size = p.imageSize();
    float[] pixels = new float[Math.multiplyExact(examples.size(), size)];
    int[] labels = new int[examples.size()];
    if (!examples.isEmpty()) {
      try (ImageSource.Stream stream = source.open(examples)) {
        for (int i = 0; stream.hasNext(); i++) {
          ImageSource.Loaded loaded = stream.next();
          float[] px = p.resized(loaded.image());
          for (int k = 0; k < size; k++) {
            // resampling weights sum to 1 up to rounding; ImageSet holds [0, 1] exactly
            pixels[i * size + k] = Math.min(1f, Math.max(0f, px[k]));
          }
          labels[i] = loaded.example().label();
        }
      }
    }
    return new ImageSet(
        dataset,
        split,
        p.channels().count(),
        p.height(),
        p.width(),
        classes.size(),
        pixels,
        labels);
  }

  static String name(Path path) {
    // a Path made from a URI keeps a directory's trailing slash, and getName() is then empty
    String p = path.toUri().getPath().replaceAll("/+$", "");
    String name = p.substring(p.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    // the name manifests accept: letters, digits, '.', '_', '-', starting with a letter or digit
    String base = (dot > 0 ? name.substring(0, dot) : name).replaceAll("[^A-Za-z0-9._-]", "-");
    base = base.replaceFirst("^[^A-Za-z0-9]+", "");
    return base.isEmpty() ? "images" : base.substring(0, Math.min(100, base.length()));
  }
}
