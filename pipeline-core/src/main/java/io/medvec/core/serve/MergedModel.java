package io.medvec.core.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.data.MedMnistInfo;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Tensors;
import io.medvec.core.source.DecodedImage;
import io.medvec.core.source.ImageDecoders;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.ModelCard;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A merged model ready to score images, for a JVM service: the network of {@code model.zip} with
 * the class names and preprocessing its directory records. Thread-safe (scoring is serialised).
 *
 * <pre>{@code
 * MergedModel model = MergedModel.load(java.nio.file.Path.of("medvec-demo/runs/demo/merged"));
 * MergedModel.Prediction p = model.predict(java.nio.file.Path.of("xray.png"));
 * System.out.println(p.className() + " " + p.probability("1"));
 * }</pre>
 *
 * <p>The class names and preprocessing are read, first found wins, from the directory's {@code
 * model-card.json}, its {@code manifest.json}, and the manifest of the base model it was merged on
 * ({@code OUT/base/FP/manifest.json}, when the directory is still in its output tree). Without a
 * recorded preprocessing the model takes MedMNIST input as the pipeline trains on it: square images
 * of its input size in [0, 1], of its channel count, unresized ({@link #declaresPreprocessing()} is
 * false, and an image of another size or channel count is refused); without recorded classes the
 * names are the label indices {@code "0".."K-1"}, as a MedMNIST {@code .npz} names them.
 */
public final class MergedModel {

  /** The side of MedMNIST images, the pipeline's input size when nothing else is recorded. */
  static final int MEDMNIST_SIDE = 28;

  /** Images per forward pass of {@link #predict(List)}. */
  static final int BATCH = 64;

  /**
   * What a merged model is, apart from its weights: small, JSON-serialisable, so a Spark job can
   * ship it to tasks beside the model bytes.
   *
   * @param source where the model was loaded from, for messages
   * @param fingerprint the network's SHA-256 fingerprint
   * @param baseFingerprint θ_pre's fingerprint, or null when the manifest names none
   * @param runId the run that merged it, or null
   * @param classes class names in label order
   * @param preprocessing {@link Preprocessing#toJson()} of the input preprocessing
   * @param declared whether the preprocessing was recorded (else the MedMNIST default)
   * @param inputScale the pixel range the network is fed (from θ_pre's input contract)
   */
  public record Spec(
      String source,
      String fingerprint,
      String baseFingerprint,
      String runId,
      List<String> classes,
      String preprocessing,
      boolean declared,
      PixelScale inputScale) {
    public Spec {
      classes = List.copyOf(classes);
      inputScale = inputScale == null ? PixelScale.UNIT : inputScale;
    }
  }

  /**
   * One image's scores.
   *
   * @param label the predicted class index
   * @param className the predicted class name
   * @param probabilities one per class, in label order, summing to 1
   */
  public record Prediction(
      int label, String className, List<String> classes, float[] probabilities) {
    /** The probability of class {@code name}. */
    public float probability(String name) {
      int i = classes.indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException(
            "Cannot read probability: unknown class (" + name + "), classes: " + classes);
      }
      return probabilities[i];
    }
  }

  private final Spec spec;
  private final Network net;
  private final Preprocessing preprocessing;

  private MergedModel(Spec spec, Network net) {
    this.spec = spec;
    this.net = net;
    this.preprocessing = Preprocessing.fromJson(spec.preprocessing(), spec.source());
    int outputs = net.numOutputs();
    if (outputs != spec.classes().size()) {
      throw refuse(
          spec.source(),
          "the network has " + outputs + " outputs but " + spec.classes().size() + " classes",
          spec.classes().toString());
    }
    try {
      net.output(
          net.input(
              Nd4j.zeros(
                  1,
                  preprocessing.channels().count(),
                  preprocessing.height(),
                  preprocessing.width())));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot load merged model "
              + spec.source()
              + ": the network does not accept its "
              + shape(preprocessing)
              + " input ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  /** Loads the merged model directory {@code dir} on the local file system. */
  public static MergedModel load(java.nio.file.Path dir) {
    // toUri() of an existing directory ends in '/', whose parent Hadoop's Path takes to be the
    // directory itself: the base manifest two levels up would then not be found
    return load(
        new Configuration(), new Path("file", null, dir.toAbsolutePath().normalize().toString()));
  }

  /**
   * Loads a merged model directory ({@code OUT/runs/RUN/merged}, or a copy of it) on any Hadoop
   * file system: {@code model.zip}, {@code manifest.json} and, when present, {@code
   * model-card.json}. Refuses a directory without model or manifest, a model whose fingerprint is
   * not the one its manifest records, and classes that do not match the network's outputs.
   */
  public static MergedModel load(Configuration conf, Path dir) {
    Path modelFile = new Path(dir, OutputLayout.MODEL_FILE);
    Path manifestFile = new Path(dir, VectorStore.MANIFEST_FILE);
    if (!HadoopFiles.exists(conf, modelFile)) {
      throw refuse(dir.toString(), "it has no " + OutputLayout.MODEL_FILE, modelFile.toString());
    }
    if (!HadoopFiles.exists(conf, manifestFile)) {
      throw refuse(
          dir.toString(),
          "it has no "
              + VectorStore.MANIFEST_FILE
              + ", so its fingerprint, classes and base are unknown",
          manifestFile.toString());
    }
    byte[] bytes = ModelIO.readBytes(conf, modelFile);
    JsonNode manifest =
        Json.readTree(HadoopFiles.readString(conf, manifestFile), manifestFile.toString());
    Network net =
        ModelIO.networkFromBytes(
            bytes, modelFile.toString(), BaseModelStore.inputScale(manifest, manifestFile));
    String fingerprint = Fingerprint.of(net);
    String recorded = text(manifest, "merged_fingerprint");
    if (recorded != null && !recorded.equals(fingerprint)) {
      throw refuse(
          dir.toString(),
          "the fingerprint of "
              + OutputLayout.MODEL_FILE
              + " is "
              + fingerprint
              + ", but "
              + manifestFile
              + " records",
          recorded);
    }
    String base = text(manifest, "base_fingerprint");
    List<JsonNode> described = new ArrayList<>();
    Path card = new Path(dir, ModelCard.JSON_FILE);
    if (HadoopFiles.exists(conf, card)) {
      described.add(Json.readTree(HadoopFiles.readString(conf, card), card.toString()));
    }
    described.add(manifest);
    Path baseManifest = baseManifest(dir, base);
    if (baseManifest != null && HadoopFiles.exists(conf, baseManifest)) {
      described.add(
          Json.readTree(HadoopFiles.readString(conf, baseManifest), baseManifest.toString()));
    }
    Spec spec =
        describe(dir.toString(), fingerprint, base, text(manifest, "run_id"), net, described);
    return new MergedModel(spec, net);
  }

  /** A model from its serialized network and {@link #spec()} (as a Spark task rebuilds it). */
  public static MergedModel of(Spec spec, byte[] model) {
    Network net = ModelIO.networkFromBytes(model, spec.source(), spec.inputScale());
    String fingerprint = Fingerprint.of(net);
    if (!fingerprint.equals(spec.fingerprint())) {
      throw refuse(
          spec.source(),
          "the network's fingerprint is " + fingerprint + ", expected",
          spec.fingerprint());
    }
    return new MergedModel(spec, net);
  }

  /** OUT/base/FP/manifest.json of a directory OUT/runs/RUN/merged, or null. */
  private static Path baseManifest(Path dir, String base) {
    Path runs = dir.getParent() == null ? null : dir.getParent().getParent();
    if (base == null
        || runs == null
        || runs.getParent() == null
        || !runs.getName().equals("runs")) {
      return null;
    }
    return new Path(new Path(new Path(runs.getParent(), "base"), base), VectorStore.MANIFEST_FILE);
  }

  private static Spec describe(
      String source,
      String fingerprint,
      String base,
      String runId,
      Network net,
      List<JsonNode> described) {
    int outputs = net.numOutputs();
    List<String> classes = IntStream.range(0, outputs).mapToObj(Integer::toString).toList();
    for (JsonNode n : described) {
      JsonNode c = n.get("classes");
      if (c != null && c.isArray() && !c.isEmpty()) {
        List<String> names = new ArrayList<>();
        c.forEach(v -> names.add(v.asText()));
        classes = names;
        break;
      }
    }
    for (JsonNode n : described) {
      JsonNode p = n.get("preprocessing");
      if (p != null && (p.isObject() || p.isTextual())) {
        String json = p.isTextual() ? p.asText() : p.toString();
        return new Spec(
            source,
            fingerprint,
            base,
            runId,
            classes,
            Preprocessing.fromJson(json, source).toJson(),
            true,
            net.inputScale());
      }
    }
    int channels = net.inputChannels();
    for (JsonNode n : described) {
      String dataset = text(n, "dataset");
      if (dataset != null && MedMnistInfo.find(dataset).isPresent()) {
        channels = MedMnistInfo.find(dataset).get().channels();
        break;
      }
    }
    Preprocessing.Channels c =
        channels == 3 ? Preprocessing.Channels.RGB : Preprocessing.Channels.GREY;
    return new Spec(
        source,
        fingerprint,
        base,
        runId,
        classes,
        Preprocessing.unit(MEDMNIST_SIDE, c).toJson(),
        false,
        net.inputScale());
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** What the model is: fingerprint, classes, preprocessing. */
  public Spec spec() {
    return spec;
  }

  /** Class names in label order. */
  public List<String> classes() {
    return spec.classes();
  }

  /** The network's fingerprint. */
  public String fingerprint() {
    return spec.fingerprint();
  }

  /** How images become network input. */
  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /** Whether the preprocessing is recorded with the model (else the MedMNIST default). */
  public boolean declaresPreprocessing() {
    return spec.declared();
  }

  /** Scores the image file {@code file} (PNG, JPEG, DICOM, … as the standard decoders read). */
  public Prediction predict(java.nio.file.Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read image " + file, e);
    }
    return predict(
        file.toString(), ImageDecoders.standard().decode(bytes, file.getFileName().toString()));
  }

  /** Scores one decoded image. */
  public Prediction predict(DecodedImage image) {
    return predict("image", image);
  }

  /** Scores one decoded image; {@code id} names it in errors. */
  public Prediction predict(String id, DecodedImage image) {
    return predict(List.of(id), List.of(image)).get(0);
  }

  /** Scores a batch of decoded images, in order. */
  public List<Prediction> predict(List<DecodedImage> images) {
    return predict(IntStream.range(0, images.size()).mapToObj(i -> "image " + i).toList(), images);
  }

  /** Scores {@code images}, named by {@code ids} in errors, in order. */
  public List<Prediction> predict(List<String> ids, List<DecodedImage> images) {
    List<Prediction> out = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += BATCH) {
      int to = Math.min(images.size(), from + BATCH);
      float[][] inputs = new float[to - from][];
      for (int i = from; i < to; i++) {
        inputs[i - from] = input(ids.get(i), images.get(i));
      }
      float[] probs = scores(inputs);
      int k = classes().size();
      for (int i = 0; i < inputs.length; i++) {
        float[] row = new float[k];
        System.arraycopy(probs, i * k, row, 0, k);
        out.add(prediction(row));
      }
    }
    return out;
  }

  /**
   * The network input of {@code image}: preprocessed as recorded, or checked against the default
   * input shape when nothing is recorded.
   */
  public float[] input(String id, DecodedImage image) {
    if (!spec.declared()
        && (image.width() != preprocessing.width()
            || image.height() != preprocessing.height()
            || image.channels() != preprocessing.channels().count())) {
      throw new IllegalArgumentException(
          "Cannot score image "
              + id
              + ": the model "
              + spec.source()
              + " takes "
              + shape(preprocessing)
              + " images and records no preprocessing to convert others ("
              + image.width()
              + "x"
              + image.height()
              + "x"
              + image.channels()
              + ")");
    }
    // values in [0, 1]: the network's input scale (e.g. a mean-std standardisation) applies in
    // scores, as in training
    return preprocessing.resized(image);
  }

  /** Class probabilities of preprocessed inputs ({@link #input}), row-major. */
  public synchronized float[] scores(float[][] inputs) {
    int size = preprocessing.imageSize();
    float[] features = new float[inputs.length * size];
    for (int i = 0; i < inputs.length; i++) {
      System.arraycopy(inputs[i], 0, features, i * size, size);
    }
    long[] shape = {
      inputs.length, preprocessing.channels().count(), preprocessing.height(), preprocessing.width()
    };
    INDArray out = net.output(net.input(Nd4j.create(features, shape, 'c')));
    return Tensors.toFloats(out);
  }

  /** The prediction of one row of class probabilities. */
  public Prediction prediction(float[] probabilities) {
    int best = 0;
    for (int i = 1; i < probabilities.length; i++) {
      if (probabilities[i] > probabilities[best]) {
        best = i;
      }
    }
    return new Prediction(best, classes().get(best), classes(), probabilities);
  }

  private static String shape(Preprocessing p) {
    return p.width() + "x" + p.height() + "x" + p.channels().count();
  }

  private static IllegalArgumentException refuse(String dir, String why, String value) {
    return new IllegalArgumentException(
        "Cannot load merged model " + dir + ": " + why + " (" + value + ")");
  }
}
