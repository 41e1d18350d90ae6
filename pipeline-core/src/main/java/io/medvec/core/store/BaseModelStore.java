package io.medvec.core.store;

import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.KerasImport;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.vector.VectorStore;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * θ_pre by fingerprint: {@code OUT/base/FINGERPRINT/{model.zip, manifest.json}}, published
 * atomically by the pretrain stage and read by every later stage, which checks that the model still
 * has the fingerprint it is filed under.
 */
public final class BaseModelStore {

  /** The pretrain stage's result record in a run ({@code OUT/runs/RUN/pretrain.json}). */
  public static final String STAGE = "pretrain";

  /**
   * Manifest field of an imported base: its {@link KerasImport.InputContract} ({@code height,
   * width, channels, layout, scale}).
   */
  public static final String INPUT_CONTRACT = "input_contract";

  private final Configuration conf;
  private final OutputLayout layout;

  public BaseModelStore(Configuration conf, OutputLayout layout) {
    this.conf = conf;
    this.layout = layout;
  }

  /** The model file of base {@code fingerprint}. */
  public Path modelFile(String fingerprint) {
    return new Path(layout.baseDir(fingerprint), OutputLayout.MODEL_FILE);
  }

  /**
   * Publishes {@code net} under its fingerprint with {@code fields} and the fingerprint as {@code
   * manifest.json}; returns the fingerprint.
   */
  public String publish(MultiLayerNetwork net, Map<String, ?> fields) {
    return publish(Network.of(net), fields);
  }

  /**
   * Publishes a multi-layer network or a graph under its fingerprint with {@code fields} and the
   * fingerprint as {@code manifest.json}; returns the fingerprint.
   */
  public String publish(Network net, Map<String, ?> fields) {
    String fingerprint = Fingerprint.of(net);
    Map<String, Object> manifest = new TreeMap<>(fields);
    manifest.put("fingerprint", fingerprint);
    try (AtomicDir out = AtomicDir.begin(conf, layout.baseDir(fingerprint))) {
      ModelIO.save(net, conf, new Path(out.tmp(), OutputLayout.MODEL_FILE));
      HadoopFiles.writeStringAtomically(
          conf, new Path(out.tmp(), VectorStore.MANIFEST_FILE), Json.write(manifest));
      out.commit();
    }
    return fingerprint;
  }

  /**
   * Loads θ_pre of either kind (a multi-layer network or a graph) by fingerprint and checks it
   * still has that fingerprint. It is fed pixels in the scale of the manifest's {@value
   * #INPUT_CONTRACT} ([0, 1] without one).
   */
  public Network load(String fingerprint) {
    String source = layout.baseDir(fingerprint).toString();
    return decode(bytes(fingerprint), fingerprint, source, inputScale(fingerprint));
  }

  /** The pixel scale recorded in base {@code fingerprint}'s input contract; unit without one. */
  public PixelScale inputScale(String fingerprint) {
    return inputScale(manifest(fingerprint), manifestFile(fingerprint));
  }

  /** Base {@code fingerprint}'s manifest. */
  public com.fasterxml.jackson.databind.JsonNode manifest(String fingerprint) {
    Path file = manifestFile(fingerprint);
    return Json.readTree(HadoopFiles.readString(conf, file), file.toString());
  }

  private Path manifestFile(String fingerprint) {
    return new Path(layout.baseDir(fingerprint), VectorStore.MANIFEST_FILE);
  }

  /**
   * The pixel scale of a base {@code manifest}'s (read from {@code file}) input contract; unit
   * without one.
   */
  public static PixelScale inputScale(com.fasterxml.jackson.databind.JsonNode manifest, Path file) {
    com.fasterxml.jackson.databind.JsonNode scale = manifest.path(INPUT_CONTRACT).path("scale");
    if (scale.isMissingNode()) {
      return PixelScale.UNIT;
    }
    try {
      return PixelScale.parse(
          scale.asText(),
          numbers(manifest.path(INPUT_CONTRACT).path("mean")),
          numbers(manifest.path(INPUT_CONTRACT).path("std")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot read base manifest "
              + file
              + ": "
              + INPUT_CONTRACT
              + ".scale must be unit, byte, signed, or mean-std with a mean and a std per channel ("
              + manifest.path(INPUT_CONTRACT)
              + "): "
              + e.getMessage(),
          e);
    }
  }

  private static List<Double> numbers(com.fasterxml.jackson.databind.JsonNode array) {
    List<Double> out = new java.util.ArrayList<>();
    array.forEach(v -> out.add(v.isNumber() ? v.asDouble() : Double.NaN));
    return out;
  }

  /**
   * The serialized model of base {@code fingerprint}, refused when its directory is not complete.
   */
  public byte[] bytes(String fingerprint) {
    Path dir = layout.baseDir(fingerprint);
    if (!AtomicDir.isComplete(conf, dir)) {
      throw new IllegalArgumentException(
          "Cannot find base model " + fingerprint + ": " + dir + " is missing or incomplete");
    }
    return ModelIO.readBytes(conf, modelFile(fingerprint));
  }

  /** The fingerprint this run's pretrain stage recorded in its result. */
  public String runFingerprint() {
    Path file = layout.result(STAGE);
    return Json.read(HadoopFiles.readString(conf, file), Published.class, file.toString())
        .fingerprint();
  }

  /**
   * Restores serialized θ_pre of either kind ({@code source} names it in errors), fed pixels in
   * {@code scale}, and checks its fingerprint.
   */
  public static Network decode(byte[] bytes, String fingerprint, String source, PixelScale scale) {
    Network net = ModelIO.networkFromBytes(bytes, source, scale);
    requireFingerprint(net, fingerprint, source);
    return net;
  }

  /** Refuses a model whose fingerprint is not {@code expected}. */
  public static void requireFingerprint(Network net, String expected, String source) {
    String actual = Fingerprint.of(net);
    if (!actual.equals(expected)) {
      throw new IllegalArgumentException(
          "Cannot use base model "
              + source
              + ": its fingerprint is "
              + actual
              + ", expected "
              + expected);
    }
  }

  /** The one field of the pretrain result that later stages read. */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  record Published(String fingerprint) {}
}
