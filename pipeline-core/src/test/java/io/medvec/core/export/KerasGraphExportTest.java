package io.medvec.core.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.RealImages;
import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.Split;
import io.medvec.core.export.Safetensors.Tensor;
import io.medvec.core.model.KerasImport;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The graph export of channels-last (Keras) graphs against PyTorch: both pre-trained Keras models
 * in ../shared/models, imported with a new 9-class head (the isic-skin classes), and a small NHWC
 * graph holding what they lack (ZeroPadding2D, Same-mode convolution, depthwise convolution and max
 * pooling of odd sizes, ReLU6 and a capped ReLU, average and global pooling, a flatten of several
 * pixels into a dense layer). {@code python/medvec_torch.py} rebuilds each from the file alone,
 * takes the same NCHW [0, 1] pixels (real isic-skin images) and applies the recorded input
 * transform; its probabilities must equal DL4J's to 1e-4, and a changed tensor or a dropped
 * transform must move them.
 */
class KerasGraphExportTest {

  static final Path RESNET = TestData.sharedModels().resolve("resnet8-cifar10.h5");
  static final Path MOBILENET = TestData.sharedModels().resolve("mobilenet-v1-0.25-vww96.h5");

  /** The isic-skin classes: the new heads' width. */
  static final int CLASSES = 9;

  @TempDir Path dir;

  @Test
  void pytorchReproducesTheImportedResnetWithANewHead() throws Exception {
    Network net =
        KerasImport.withHead(
            KerasImport.load(RESNET, PixelScale.BYTE).network(), CLASSES, "", 1e-3, 11);
    Safetensors.Contents contents = roundTrip(net, RealImages.isic(1, 32));
    assertThat(contents.metadata())
        .containsEntry(TorchExport.INPUT_FACTOR_KEY, "[255.0,255.0,255.0]")
        .containsEntry(TorchExport.INPUT_OFFSET_KEY, "[0.0,0.0,0.0]");
    // the check can fail: without its input transform the module sees [0, 1], not [0, 255]
    Map<String, String> meta = new HashMap<>(contents.metadata());
    meta.remove(TorchExport.INPUT_FACTOR_KEY);
    meta.remove(TorchExport.INPUT_OFFSET_KEY);
    Path unscaled = dir.resolve("unscaled.safetensors");
    Files.write(unscaled, Safetensors.toBytes(contents.tensors(), meta));
    ImageSet images = RealImages.isic(1, 32);
    assertThat(
            TorchExportTest.maxAbsDiff(
                Predictor.predict(net, images, 16),
                TorchExportTest.torchProbabilities(dir, unscaled, images)))
        .isGreaterThan(1e-4);
  }

  @Test
  void aPerChannelStandardisationTravelsWithTheExport() throws Exception {
    PixelScale standard =
        PixelScale.meanStd(java.util.List.of(0.6, 0.5, 0.4), java.util.List.of(0.2, 0.25, 0.5));
    Network net =
        KerasImport.withHead(KerasImport.load(RESNET, standard).network(), CLASSES, "", 1e-3, 13);
    // PyTorch, given [0, 1] pixels, standardises each channel as DL4J does (within 1e-4)
    Safetensors.Contents contents = roundTrip(net, RealImages.isic(1, 32));
    assertThat(contents.metadata())
        .containsEntry(TorchExport.INPUT_FACTOR_KEY, "[5.0,4.0,2.0]")
        .containsEntry(TorchExport.INPUT_OFFSET_KEY, "[-3.0,-2.0,-0.8]");
  }

  @Test
  void pytorchReproducesTheImportedMobilenetWithANewHead() throws Exception {
    Network net =
        KerasImport.withHead(
            KerasImport.load(MOBILENET, PixelScale.SIGNED).network(), CLASSES, "", 1e-3, 12);
    Safetensors.Contents contents = roundTrip(net, RealImages.isic(1, 96));
    assertThat(contents.metadata())
        .containsEntry(TorchExport.INPUT_FACTOR_KEY, "[2.0,2.0,2.0]")
        .containsEntry(TorchExport.INPUT_OFFSET_KEY, "[-1.0,-1.0,-1.0]");
  }

  @Test
  void pytorchReproducesAChannelsLastGraphWithEveryKerasLayerKind() throws Exception {
    Safetensors.Contents contents = channelsLast(Variant.FLATTEN_IN_LAYER);
    Map<String, Map<String, Object>> byName = byName(contents);
    assertThat(byName.get("pad").get("padding")).isEqualTo(List.of(0, 1, 1, 0));
    assertThat(byName.get("c1").get("padding")).isEqualTo("same");
    assertThat(byName.get("c2").get("padding")).isEqualTo(List.of(0, 0));
    assertThat(byName.get("r6")).containsEntry("activation", "relu_capped");
    assertThat(byName.get("cap").get("relu_max")).isEqualTo(3.0);
    assertThat(byName.get("d1")).containsEntry("flatten", true);
  }

  @Test
  void pytorchReproducesAChannelsLastFlattenVertexIntoADenseLayer() throws Exception {
    Map<String, Map<String, Object>> byName = byName(channelsLast(Variant.FLATTEN_VERTEX));
    assertThat(byName.get("flat")).containsEntry("type", "flatten");
    assertThat(byName.get("d1")).doesNotContainKey("flatten");
  }

  /**
   * The round trip of {@link #kerasLike}, and that the same file with the dense layer's weight
   * merely transposed (DL4J's NHWC row order, not permuted) fails it.
   */
  private Safetensors.Contents channelsLast(Variant variant) throws Exception {
    Network net = Network.of(seeded(kerasLike(variant)), PixelScale.UNIT);
    ImageSet images = noise(21);
    Safetensors.Contents contents = roundTrip(net, images);
    INDArray w = net.graph().getLayer("d1").getParam("W");
    List<Tensor> unpermuted =
        contents.tensors().stream()
            .map(
                t ->
                    t.name().equals("nodes.d1.weight")
                        ? Tensor.f32(t.name(), t.shape(), TorchExport.floats(w.transpose()))
                        : t)
            .toList();
    Path bad = dir.resolve("unpermuted.safetensors");
    Files.write(bad, Safetensors.toBytes(unpermuted, contents.metadata()));
    assertThat(
            TorchExportTest.maxAbsDiff(
                Predictor.predict(net, images, 16),
                TorchExportTest.torchProbabilities(dir, bad, images)))
        .isGreaterThan(1e-4);
    return contents;
  }

  @Test
  void aVertexWithoutAPyTorchCounterpartIsRefusedNamingIt() {
    Network concat = Network.of(seeded(kerasLike(Variant.CONCAT)), PixelScale.UNIT);
    assertThatThrownBy(() -> TorchExport.convert(concat))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("Cannot export vertex cat (MergeVertex) to PyTorch: unsupported vertex");
    ComputationGraph samePool =
        graph(
            new ComputationGraphConfiguration.GraphBuilder(new NeuralNetConfiguration.Builder())
                .addInputs("in")
                .addLayer(
                    "ap",
                    new SubsamplingLayer.Builder(
                            SubsamplingLayer.PoolingType.AVG, new int[] {2, 2}, new int[] {2, 2})
                        .convolutionMode(ConvolutionMode.Same)
                        .dataFormat(CNN2DFormat.NHWC)
                        .build(),
                    "in")
                .addLayer("out", output(CLASSES), "ap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(9, 9, 3, CNN2DFormat.NHWC)));
    assertThatThrownBy(() -> TorchExport.convert(Network.of(samePool)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage(
            "Cannot export vertex ap (SubsamplingLayer) to PyTorch: unsupported pooling AVG in"
                + " Same");
  }

  /**
   * Nine seeded uniform RGB images of side {@code size} (the random graph barely tells real ones
   * apart).
   */
  private static ImageSet noise(int size) {
    SplittableRandom random = new SplittableRandom(21);
    float[] pixels = new float[CLASSES * 3 * size * size];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
    }
    int[] labels = new int[CLASSES];
    java.util.Arrays.setAll(labels, i -> i);
    return new ImageSet("noise", Split.TEST, 3, size, size, CLASSES, pixels, labels);
  }

  /**
   * Exports {@code net}, checks PyTorch against DL4J on real images of side {@code size}, and that
   * a perturbed first convolution moves PyTorch's answer; the file's contents.
   */
  private Safetensors.Contents roundTrip(Network net, ImageSet images) throws Exception {
    float[] dl4j = Predictor.predict(net, images, 16);
    float spread = 0; // the largest range of one class's probability over the images
    for (int k = 0; k < CLASSES; k++) {
      float min = 1;
      float max = 0;
      for (int i = k; i < dl4j.length; i += CLASSES) {
        min = Math.min(min, dl4j[i]);
        max = Math.max(max, dl4j[i]);
      }
      spread = Math.max(spread, max - min);
    }
    assertThat(spread).as("spread of a class's probability over the images").isGreaterThan(1e-3f);
    Path file = dir.resolve("model.safetensors");
    TorchExport.write(
        new Configuration(),
        new org.apache.hadoop.fs.Path(file.toUri()),
        TorchExport.convert(net),
        Map.of());
    float[] torch = TorchExportTest.torchProbabilities(dir, file, images);
    double diff = TorchExportTest.maxAbsDiff(dl4j, torch);
    System.out.printf(
        "%s: max |p_dl4j - p_torch| = %.3g over %d images%n", net, diff, images.size());
    assertThat(diff).as("max |p_dl4j - p_torch|").isLessThan(1e-4);

    Safetensors.Contents contents;
    try (var in = Files.newInputStream(file)) {
      contents = Safetensors.read(in, file.toString());
    }
    assertThat(contents.metadata()).containsEntry(TorchExport.FORMAT_KEY, TorchExport.GRAPH_FORMAT);
    Path bad = TorchExportTest.perturbed(dir, contents, 2);
    assertThat(
            TorchExportTest.maxAbsDiff(dl4j, TorchExportTest.torchProbabilities(dir, bad, images)))
        .isGreaterThan(1e-4);
    return contents;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> byName(Safetensors.Contents contents)
      throws Exception {
    List<Map<String, Object>> arch =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(contents.metadata().get(TorchExport.ARCHITECTURE_KEY), List.class);
    Map<String, Map<String, Object>> byName = new HashMap<>();
    arch.forEach(e -> byName.put((String) e.get("name"), e));
    return byName;
  }

  /**
   * 21×21×3 NHWC: zero padding to 22, 3×3/2 Same convolution (11, the odd pixel of padding at the
   * bottom and right), batch norm, ReLU6, 2×2/2 Same max pooling (6), 3×3/2 Same depthwise
   * convolution (3), batch norm (variance; the first keeps log10 std, DL4J's default), ReLU capped
   * at 3, a 1×1 convolution added back, then two heads summed: 2×2/1 average pooling flattened
   * (2·2·6) into a dense layer, and global average pooling into another.
   */
  private static ComputationGraph kerasLike(Variant variant) {
    CNN2DFormat f = CNN2DFormat.NHWC;
    var b =
        new ComputationGraphConfiguration.GraphBuilder(new NeuralNetConfiguration.Builder().seed(3))
            .addInputs("in")
            .addLayer("pad", new ZeroPaddingLayer.Builder(0, 1, 1, 0).dataFormat(f).build(), "in")
            .addLayer(
                "c1",
                new ConvolutionLayer.Builder(3, 3)
                    .stride(2, 2)
                    .nOut(6)
                    .convolutionMode(ConvolutionMode.Same)
                    .dataFormat(f)
                    .activation(Activation.IDENTITY)
                    .build(),
                "pad")
            .addLayer("bn1", new BatchNormalization.Builder().dataFormat(f).build(), "c1")
            .addLayer(
                "r6",
                new ActivationLayer.Builder().activation(new ActivationReLU6()).build(),
                "bn1")
            .addLayer(
                "mp",
                new SubsamplingLayer.Builder(
                        SubsamplingLayer.PoolingType.MAX, new int[] {2, 2}, new int[] {2, 2})
                    .convolutionMode(ConvolutionMode.Same)
                    .dataFormat(f)
                    .build(),
                "r6")
            .addLayer(
                "dw",
                new DepthwiseConvolution2D.Builder(3, 3)
                    .stride(2, 2)
                    .depthMultiplier(1)
                    .convolutionMode(ConvolutionMode.Same)
                    .dataFormat(f)
                    .activation(Activation.IDENTITY)
                    .build(),
                "mp")
            .addLayer(
                "bn2",
                new BatchNormalization.Builder().useLogStd(false).dataFormat(f).build(),
                "dw")
            .addLayer(
                "cap",
                new ActivationLayer.Builder().activation(new ActivationReLU(3.0, 0.0, 0.0)).build(),
                "bn2")
            .addLayer(
                "c2",
                new ConvolutionLayer.Builder(1, 1)
                    .nOut(6)
                    .convolutionMode(ConvolutionMode.Same)
                    .dataFormat(f)
                    .activation(Activation.IDENTITY)
                    .build(),
                "cap")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "cap", "c2")
            .addLayer(
                "ap",
                new SubsamplingLayer.Builder(
                        SubsamplingLayer.PoolingType.AVG, new int[] {2, 2}, new int[] {1, 1})
                    .dataFormat(f)
                    .build(),
                "add")
            .addLayer(
                "gp",
                new GlobalPoolingLayer.Builder(PoolingType.AVG).poolingDimensions(1, 2).build(),
                "add")
            .addLayer(
                "d2",
                new DenseLayer.Builder().nOut(5).activation(Activation.IDENTITY).build(),
                "gp");
    String flat = "ap";
    if (variant == Variant.FLATTEN_VERTEX) { // as Keras's Flatten imports
      b.addVertex(
          "flat", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(2, 2, 6, f)), "ap");
      flat = "flat";
    }
    b.addLayer(
        "d1", new DenseLayer.Builder().nOut(5).activation(Activation.IDENTITY).build(), flat);
    if (variant == Variant.CONCAT) {
      b.addVertex("cat", new MergeVertex(), "d1", "d2").addLayer("out", output(CLASSES), "cat");
    } else {
      b.addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "d1", "d2")
          .addLayer("out", output(CLASSES), "sum");
    }
    return graph(b.setOutputs("out").setInputTypes(InputType.convolutional(21, 21, 3, f)));
  }

  /** How {@link #kerasLike} flattens into its dense layer, or joins its heads. */
  private enum Variant {
    /** The dense layer's own input preprocessor (DL4J adds it from the input types). */
    FLATTEN_IN_LAYER,
    /** A {@link PreprocessorVertex} before the dense layer. */
    FLATTEN_VERTEX,
    /** The heads joined by a {@link MergeVertex} (concatenation) instead of a sum. */
    CONCAT
  }

  private static OutputLayer output(int classes) {
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nOut(classes)
        .activation(Activation.SOFTMAX)
        .build();
  }

  private static ComputationGraph graph(ComputationGraphConfiguration.GraphBuilder builder) {
    ComputationGraph g = new ComputationGraph(builder.build());
    g.init();
    return g;
  }

  /** {@code g} with seeded weights and batch-norm statistics away from their initial values. */
  private static ComputationGraph seeded(ComputationGraph g) {
    SplittableRandom random = new SplittableRandom(5);
    for (var e : g.paramTable().entrySet()) {
      INDArray p = e.getValue();
      float[] v = new float[Math.toIntExact(p.length())];
      // positive variance and scale, and a positive shift so the capped ReLUs stay in range
      String key = e.getKey();
      double from =
          key.endsWith("_var") || key.endsWith("_gamma") ? 0.5 : key.endsWith("_beta") ? 0 : -0.5;
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (from + random.nextDouble());
      }
      g.setParam(e.getKey(), Nd4j.create(v, p.shape(), 'c'));
    }
    return g;
  }
}
