package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a MedMNIST {@code .npz}: a ZIP (stored or deflated entries) of six {@code .npy} arrays,
 * {@code <split>_images} as uint8 (N, H, W) or (N, H, W, 3) and {@code <split>_labels} as
 * uint8/int32/int64 (N, 1) or (N,). Pixels become floats {@code value / 255} in NCHW order.
 *
 * <p>The dataset name is the file name without extension. For the datasets in {@link MedMnistInfo}
 * the channel count and label range are checked against the table; for other names the class count
 * is the largest label over all splits plus one.
 *
 * <p>Errors are {@link IllegalArgumentException}s naming the source and, where it applies, the key,
 * index and value. One limitation of streaming ZIP reading: a stored (uncompressed) entry written
 * with a data descriptor (only produced when numpy writes to a non-seekable stream) is refused with
 * the source named.
 */
public final class NpzReader {
  private static final Logger LOG = LoggerFactory.getLogger(NpzReader.class);
  private static final Set<String> IMAGE_DTYPES = Set.of("|u1");
  private static final Set<String> LABEL_DTYPES = Set.of("|u1", "<i4", "<i8");
  private static final float[] UNIT = unitTable();

  private NpzReader() {}

  /**
   * Bytes of array data one npz may declare, unless given: a sixth of the largest heap, since each
   * uint8 pixel becomes a 4-byte float next to its raw copy and reading briefly holds two copies. A
   * small, highly compressed archive declaring more is refused before anything is allocated.
   */
  public static long defaultMaxBytes() {
    return Runtime.getRuntime().maxMemory() / 6;
  }

  /** Reads {@code file}; the dataset name is its file name without extension. */
  public static MedMnist read(Path file) {
    checkNotNull(file, "Cannot read npz: file is null");
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return read(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          String.format("Cannot read npz: file does not exist (%s)", file), e);
    } catch (IOException e) {
      throw new UncheckedIOException(String.format("Cannot read npz: I/O error (%s)", file), e);
    }
  }

  /**
   * Reads an npz from {@code in}, which stays open (the caller owns it).
   *
   * @param source human-readable name (path or URI) used in every error message; its last path
   *     segment without extension is the dataset name
   */
  public static MedMnist read(InputStream in, String source) {
    return read(in, source, defaultMaxBytes());
  }

  /**
   * Reads an npz from {@code in} as {@link #read(InputStream, String)}, refusing one whose arrays
   * declare more than {@code maxBytes} bytes of data in all.
   */
  public static MedMnist read(InputStream in, String source, long maxBytes) {
    checkNotNull(in, "Cannot read npz %s: input stream is null", source);
    checkArgument(
        source != null && !source.isBlank(), "Cannot read npz: blank source (%s)", source);
    long start = System.nanoTime();
    String dataset = datasetName(source);
    Map<String, NpyArray> arrays = readEntries(in, source, maxBytes);
    MedMnist result = assemble(dataset, arrays, source);
    LOG.info(
        "Read {} from {} in {} ms: train/val/test {}/{}/{}, {}x{}x{}, {} classes",
        dataset,
        source,
        (System.nanoTime() - start) / 1_000_000,
        result.train().size(),
        result.val().size(),
        result.test().size(),
        result.channels(),
        result.height(),
        result.width(),
        result.numClasses());
    return result;
  }

  /** Last path segment of {@code source} without query, fragment and extension. */
  static String datasetName(String source) {
    String path = source.replaceFirst("[?#].*$", "");
    String name = path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    int dot = name.lastIndexOf('.');
    String dataset = dot > 0 ? name.substring(0, dot) : name;
    checkArgument(!dataset.isBlank(), "Cannot read npz: no dataset name in source (%s)", source);
    return dataset;
  }

  private static Map<String, NpyArray> readEntries(InputStream in, String source, long maxBytes) {
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    long left = maxBytes;
    List<String> found = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new NonClosing(in))) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        String key = entry.getName().replaceFirst("\\.npy$", "");
        found.add(key);
        Set<String> dtypes = key.endsWith("_images") ? IMAGE_DTYPES : LABEL_DTYPES;
        if (!requiredKeys().contains(key)) {
          LOG.debug("Skipping entry {} of {}", entry.getName(), source);
        } else {
          NpyArray array =
              NpyArray.read(
                  zip,
                  source + " key " + key,
                  dtypes,
                  new NpyArray.Limit(entry.getName(), entry.getSize(), left));
          left -= array.data().length;
          if (arrays.put(key, array) != null) {
            throw new IllegalArgumentException(
                String.format("Cannot read %s: duplicate key (%s)", source, key));
          }
        }
      }
    } catch (ZipException | EOFException e) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot read %s: corrupt or truncated npz archive (%s)", source, e.getMessage()),
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(String.format("Cannot read %s: I/O error", source), e);
    }
    checkArgument(!found.isEmpty(), "Cannot read %s: not a ZIP archive or no entries", source);
    List<String> missing = new ArrayList<>(requiredKeys());
    missing.removeAll(arrays.keySet());
    checkArgument(
        missing.isEmpty(),
        "Cannot read %s: missing keys %s (found keys %s)",
        source,
        missing,
        found);
    return arrays;
  }

  private static List<String> requiredKeys() {
    List<String> keys = new ArrayList<>();
    for (Split split : Split.values()) {
      keys.add(split.imagesKey());
      keys.add(split.labelsKey());
    }
    return keys;
  }

  private static MedMnist assemble(String dataset, Map<String, NpyArray> arrays, String source) {
    Map<Split, int[]> labels = new EnumMap<>(Split.class);
    Map<Split, long[]> shapes = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      NpyArray images = arrays.get(split.imagesKey());
      long[] shape = imageShape(images);
      int[] splitLabels = labels(arrays.get(split.labelsKey()));
      checkArgument(
          splitLabels.length == shape[0],
          "Cannot read %s: %s has %s labels but %s has %s images",
          source,
          split.labelsKey(),
          splitLabels.length,
          split.imagesKey(),
          shape[0]);
      checkSameShape(source, split, shape, shapes.get(Split.TRAIN));
      shapes.put(split, shape);
      labels.put(split, splitLabels);
    }
    long[] shape = shapes.get(Split.TRAIN);
    int numClasses = numClasses(dataset, source, (int) shape[3], labels);
    Map<Split, ImageSet> sets = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      float[] pixels = toChw(arrays.get(split.imagesKey()).data(), shape);
      sets.put(
          split,
          new ImageSet(
              dataset,
              split,
              (int) shape[3],
              (int) shape[1],
              (int) shape[2],
              numClasses,
              pixels,
              labels.get(split)));
    }
    return new MedMnist(dataset, sets.get(Split.TRAIN), sets.get(Split.VAL), sets.get(Split.TEST));
  }

  /** Shape as (N, H, W, C); grey (N, H, W) arrays get C = 1. */
  private static long[] imageShape(NpyArray images) {
    long[] shape = images.shape();
    checkArgument(
        shape.length == 3 || shape.length == 4 && shape[3] == 3,
        "Cannot read %s: images must have shape (N, H, W) or (N, H, W, 3) (%s)",
        images.context(),
        images.shapeString());
    checkArgument(
        shape[1] >= 1 && shape[2] >= 1,
        "Cannot read %s: image height and width must be >= 1 (%s)",
        images.context(),
        images.shapeString());
    return shape.length == 4 ? shape : new long[] {shape[0], shape[1], shape[2], 1};
  }

  private static void checkSameShape(String source, Split split, long[] shape, long[] train) {
    if (train != null) {
      checkArgument(
          shape[1] == train[1] && shape[2] == train[2] && shape[3] == train[3],
          "Cannot read %s: %s are %sx%sx%s (HxWxC) but train_images are %sx%sx%s",
          source,
          split.imagesKey(),
          shape[1],
          shape[2],
          shape[3],
          train[1],
          train[2],
          train[3]);
    }
  }

  private static int[] labels(NpyArray array) {
    long[] shape = array.shape();
    checkArgument(
        shape.length == 1 || shape.length == 2 && shape[1] == 1,
        "Cannot read %s: labels must have shape (N, 1) or (N,) (%s)",
        array.context(),
        array.shapeString());
    int[] labels = new int[(int) shape[0]];
    for (int i = 0; i < labels.length; i++) {
      long value = array.longAt(i);
      if (value < 0 || value > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read %s: label at index %s must be in [0, %s] (%s)",
                array.context(), i, Integer.MAX_VALUE, value));
      }
      labels[i] = (int) value;
    }
    return labels;
  }

  private static int numClasses(
      String dataset, String source, int channels, Map<Split, int[]> labels) {
    Optional<MedMnistInfo> known = MedMnistInfo.find(dataset);
    if (known.isEmpty()) {
      int max = labels.values().stream().flatMapToInt(Arrays::stream).max().orElse(0);
      LOG.warn(
          "Unknown dataset {} in {}: using {} classes (largest label + 1)",
          dataset,
          source,
          max + 1);
      return max + 1;
    }
    MedMnistInfo info = known.get();
    checkArgument(
        channels == info.channels(),
        "Cannot read %s: dataset %s must have %s channels (%s)",
        source,
        dataset,
        info.channels(),
        channels);
    for (Map.Entry<Split, int[]> entry : labels.entrySet()) {
      int[] splitLabels = entry.getValue();
      for (int i = 0; i < splitLabels.length; i++) {
        if (splitLabels[i] >= info.numClasses()) {
          throw new IllegalArgumentException(
              String.format(
                  "Cannot read %s: key %s label at index %s must be < %s for dataset %s (%s)",
                  source,
                  entry.getKey().labelsKey(),
                  i,
                  info.numClasses(),
                  dataset,
                  splitLabels[i]));
        }
      }
    }
    return info.numClasses();
  }

  /** uint8 (N, H, W, C) to float (N, C, H, W) in [0, 1]. */
  static float[] toChw(byte[] hwc, long[] shape) {
    int channels = (int) shape[3];
    int plane = (int) (shape[1] * shape[2]);
    float[] chw = new float[hwc.length];
    if (channels == 1) {
      for (int i = 0; i < hwc.length; i++) {
        chw[i] = UNIT[hwc[i] & 0xff];
      }
      return chw;
    }
    int imageSize = plane * channels;
    for (int base = 0; base < hwc.length; base += imageSize) {
      for (int p = 0; p < plane; p++) {
        for (int c = 0; c < channels; c++) {
          chw[base + c * plane + p] = UNIT[hwc[base + p * channels + c] & 0xff];
        }
      }
    }
    return chw;
  }

  private static float[] unitTable() {
    float[] table = new float[256];
    for (int v = 0; v < table.length; v++) {
      table[v] = v / 255f;
    }
    return table;
  }

  /** Lets the ZIP stream (and its inflater) be closed without closing the caller's stream. */
  private static final class NonClosing extends FilterInputStream {
    NonClosing(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
