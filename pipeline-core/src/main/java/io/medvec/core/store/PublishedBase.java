package io.medvec.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.config.ConfigException;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.Split;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.source.SourceListing;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * θ_pre as a hospital receives it: one published base directory {@code STORE/base/FINGERPRINT} (any
 * Hadoop URI) with its {@code model.zip} and {@code manifest.json}, read without the coordinator's
 * run records, partition or data. The store is the directory two levels up, where the hospital's
 * vector is filed by default ({@code STORE/vectors/base=FP/hospital=ID/}).
 *
 * @param dir the base directory
 * @param store the store holding it
 * @param fingerprint θ_pre's SHA-256 fingerprint, the directory's name
 * @param manifest the base's manifest
 */
public record PublishedBase(Path dir, Path store, String fingerprint, JsonNode manifest) {

  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

  /** The folder of published bases in a store, as {@link OutputLayout#baseDir} names it. */
  private static final String BASE_DIR = "base";

  /** Manifest field naming the dataset θ_pre was trained for; vectors of this base carry it. */
  public static final String DATASET = "dataset";

  /** Manifest field listing the class names in label order, when the coordinator recorded them. */
  public static final String CLASSES = "classes";

  /**
   * The base at {@code pathOrFingerprint}: a directory {@code STORE/base/FP}, or a bare fingerprint
   * of a base in {@code store} (null: not allowed).
   *
   * @throws ConfigException when the value names no base directory (exit 2)
   * @throws IllegalArgumentException when the directory is missing, incomplete or has no manifest
   *     (exit 3)
   */
  public static PublishedBase at(
      Configuration conf, String key, String pathOrFingerprint, Path store) {
    Path dir;
    if (FINGERPRINT.matcher(pathOrFingerprint).matches() && store != null) {
      dir = new OutputLayout(store, "default").baseDir(pathOrFingerprint);
    } else if (pathOrFingerprint.isBlank()) {
      throw new ConfigException(
          "Missing config key '"
              + key
              + "': name the published base to fine-tune, STORE/base/FINGERPRINT (--base)");
    } else {
      dir = HadoopFiles.qualify(conf, pathOrFingerprint);
    }
    String name = dir.getName();
    Path parent = dir.getParent();
    if (!FINGERPRINT.matcher(name).matches()
        || parent == null
        || !parent.getName().equals(BASE_DIR)
        || parent.getParent() == null) {
      throw new ConfigException(
          "Invalid config key '"
              + key
              + "': expected a published base directory STORE/"
              + BASE_DIR
              + "/FINGERPRINT (64 hex digits) or, with a store, a fingerprint ("
              + pathOrFingerprint
              + ")");
    }
    if (!AtomicDir.isComplete(conf, dir)) {
      throw new IllegalArgumentException(
          "Cannot find base model " + name + ": " + dir + " is missing or incomplete");
    }
    Path manifestFile = new Path(dir, VectorStore.MANIFEST_FILE);
    JsonNode manifest =
        Json.readTree(HadoopFiles.readString(conf, manifestFile), manifestFile.toString());
    return new PublishedBase(dir, parent.getParent(), name, manifest);
  }

  /** θ_pre (a multi-layer network or a graph), checked against its fingerprint. */
  public Network load(Configuration conf) {
    return BaseModelStore.decode(bytes(conf), fingerprint, dir.toString(), inputScale());
  }

  /** The pixel range θ_pre is fed, from its manifest's input contract ([0, 1] without one). */
  public PixelScale inputScale() {
    return BaseModelStore.inputScale(manifest, new Path(dir, VectorStore.MANIFEST_FILE));
  }

  /** θ_pre's serialized bytes. */
  public byte[] bytes(Configuration conf) {
    return new BaseModelStore(conf, new OutputLayout(store, "default")).bytes(fingerprint);
  }

  /** The dataset the base names, or {@code fallback} when its manifest has none. */
  public String dataset(String fallback) {
    JsonNode d = manifest.get(DATASET);
    return d != null && d.isTextual() && !d.asText().isBlank() ? d.asText() : fallback;
  }

  /** The class names the base's manifest lists, in label order; empty when it lists none. */
  public List<String> classes() {
    JsonNode c = manifest.get(CLASSES);
    List<String> out = new ArrayList<>();
    if (c != null && c.isArray()) {
      c.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /**
   * {@code data} as the base's own: filed under the base's dataset name (a vector never carries the
   * name of a hospital's file) and with the base's class count. Refuses data whose images the base
   * does not accept (size, channels), whose labels exceed the base's classes, or whose class names
   * ({@code dataClasses}, empty when the source has none) differ from the base's.
   *
   * @param what names the data in messages (e.g. {@code "the data of hospital X"})
   */
  public ImageSet conform(Network net, ImageSet data, List<String> dataClasses, String what) {
    int outputs = outputs(net, data, what);
    List<String> classes = classes();
    requireSameClasses(dataClasses, what);
    if (data.numClasses() > outputs) {
      throw new IllegalArgumentException(
          "Cannot fine-tune base "
              + fingerprint
              + " on "
              + what
              + ": the data has labels up to "
              + (data.numClasses() - 1)
              + ", the base has "
              + outputs
              + " classes ("
              + (classes.isEmpty() ? "" : classes + ", ")
              + data.numClasses()
              + " > "
              + outputs
              + ")");
    }
    return new ImageSet(
        dataset(data.dataset()),
        data.split(),
        data.channels(),
        data.height(),
        data.width(),
        outputs,
        data.pixels(),
        data.labels());
  }

  /**
   * As {@link #conform(Network, ImageSet, List, String)} for images streamed from {@code listing}:
   * refuses class names that differ from the base's, a class count that is not the base's, and
   * images the base does not accept (one train image is decoded and passed forward), before any
   * training. Returns the dataset name the hospital's vector is filed under (the base's).
   */
  public String conform(Network net, SourceListing listing, String what) {
    if (listing.examples(Split.TRAIN).isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot fine-tune base " + fingerprint + " on " + what + ": no training images");
    }
    requireSameClasses(listing.classes(), what);
    int outputs =
        outputs(net, listing, Split.TRAIN, "Cannot fine-tune base " + fingerprint + " on " + what);
    if (outputs != listing.classes().size()) {
      throw new IllegalArgumentException(
          "Cannot fine-tune base "
              + fingerprint
              + " on "
              + what
              + ": the base has "
              + outputs
              + " classes, the data "
              + listing.classes().size()
              + " "
              + listing.classes());
    }
    return dataset(listing.dataset());
  }

  private void requireSameClasses(List<String> dataClasses, String what) {
    List<String> classes = classes();
    if (!classes.isEmpty() && !dataClasses.isEmpty() && !classes.equals(dataClasses)) {
      throw new IllegalArgumentException(
          "Cannot fine-tune base "
              + fingerprint
              + " on "
              + what
              + ": its classes are "
              + classes
              + ", the data's "
              + dataClasses);
    }
  }

  /**
   * The number of outputs of {@code net}, from a forward pass of the first image of {@code split}
   * of {@code listing}, decoded and preprocessed as the listing declares.
   *
   * @param cannot what a refusal starts with ({@code "Cannot fine-tune base FP on DATA"})
   * @throws IllegalArgumentException when the network does not accept the image, with its shape
   */
  public static int outputs(Network net, SourceListing listing, Split split, String cannot) {
    try {
      INDArray features =
          listing.batches(listing.examples(split).subList(0, 1), 1, false, 0).next().getFeatures();
      return (int) net.output(net.input(features)).size(1);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          cannot
              + ": the base does not accept its images ("
              + listing.preprocessing().channels().count()
              + "x"
              + listing.preprocessing().height()
              + "x"
              + listing.preprocessing().width()
              + ")",
          e);
    }
  }

  /** The base's class count, from a forward pass of one image; refuses images it cannot take. */
  private int outputs(Network net, ImageSet data, String what) {
    if (data.size() == 0) {
      throw new IllegalArgumentException(
          "Cannot fine-tune base " + fingerprint + " on " + what + ": no training images");
    }
    try {
      return (int) net.output(net.features(data, new int[] {0}, 0, 1)).size(1);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot fine-tune base "
              + fingerprint
              + " on "
              + what
              + ": the base does not accept its images ("
              + data.channels()
              + "x"
              + data.height()
              + "x"
              + data.width()
              + ")",
          e);
    }
  }
}
