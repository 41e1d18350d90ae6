package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.RealImages;
import io.medvec.core.TestData;
import io.medvec.core.config.ConfigException;
import io.medvec.core.data.ImageSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras import of the two real pre-trained models in ../shared/models, checked against an
 * independent PyTorch forward pass built from the same HDF5 weights ({@code bench/keras_peer.py},
 * Debian python3-torch and python3-h5py under /usr/bin/python3).
 */
class KerasImportTest {

  /** Largest |DL4J − PyTorch| difference of any output probability allowed. */
  static final double TOLERANCE = 1e-4;

  static final Path RESNET = TestData.sharedModels().resolve("resnet8-cifar10.h5");
  static final Path MOBILENET = TestData.sharedModels().resolve("mobilenet-v1-0.25-vww96.h5");

  @TempDir Path tmp;

  @Test
  void importsBothModelsWithTheirInputContracts() {
    KerasImport.Imported resnet = KerasImport.load(RESNET, PixelScale.BYTE);
    assertThat(resnet.contract())
        .isEqualTo(new KerasImport.InputContract(32, 32, 3, CNN2DFormat.NHWC, PixelScale.BYTE));
    assertThat(resnet.network().numParams()).isEqualTo(78_666);
    KerasImport.Imported mobilenet = KerasImport.load(MOBILENET, PixelScale.UNIT);
    assertThat(mobilenet.contract())
        .isEqualTo(new KerasImport.InputContract(96, 96, 3, CNN2DFormat.NHWC, PixelScale.UNIT));
    assertThat(mobilenet.network().numParams()).isEqualTo(221_794);
    assertThat(mobilenet.contract().fields())
        .containsEntry("layout", "NHWC")
        .containsEntry("scale", "unit")
        .containsEntry("height", 96);
  }

  @Test
  void resnetMatchesTheIndependentPyTorchForwardPass() {
    checkAgainstPeer(RESNET, PixelScale.BYTE);
  }

  @Test
  void mobilenetMatchesTheIndependentPyTorchForwardPass() {
    checkAgainstPeer(MOBILENET, PixelScale.UNIT);
  }

  /**
   * Real images and seeded noise through DL4J and the peer: equal to {@link #TOLERANCE}; and the
   * same comparison with one weight of the first convolution moved by 0.05 fails it.
   */
  private void checkAgainstPeer(Path model, PixelScale scale) {
    KerasImport.Imported imported = KerasImport.load(model, scale);
    KerasImport.InputContract c = imported.contract();
    INDArray input = inputs(c, 4, 2);
    float[] dl4j = Tensors.toFloats(imported.network().output(input));
    float[] peer = peer(model, input);
    assertThat(dl4j).hasSameSizeAs(peer);
    assertThat(maxDifference(dl4j, peer)).isLessThanOrEqualTo(TOLERANCE);
    for (int row = 0; row < input.size(0); row++) { // softmax rows: the comparison is not vacuous
      double sum = 0;
      for (int k = 0; k < dl4j.length / input.size(0); k++) {
        sum += dl4j[(int) (row * (dl4j.length / input.size(0)) + k)];
      }
      assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }

    Network perturbed = imported.network().copy();
    INDArray w = perturbed.getParam("conv2d_W").dup();
    w.putScalar(0, w.getDouble(0) + 0.05);
    perturbed.setParam("conv2d_W", w);
    float[] off = Tensors.toFloats(perturbed.output(input));
    assertThat(maxDifference(off, peer)).isGreaterThan(TOLERANCE);
  }

  @Test
  void refusesFilesItCannotImportNamingThem() throws IOException {
    Path missing = tmp.resolve("none.h5");
    assertThatThrownBy(() -> KerasImport.load(missing, PixelScale.UNIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot import Keras model: file does not exist or is a directory (" + missing + ")");
    assertThatThrownBy(() -> KerasImport.load(tmp, PixelScale.UNIT))
        .hasMessage(
            "Cannot import Keras model: file does not exist or is a directory (" + tmp + ")");
    Path notH5 = tmp.resolve("text.h5");
    write(notH5, new byte[] {1, 2, 3});
    byte[] real = Files.readAllBytes(RESNET);
    Path truncated = tmp.resolve("truncated.h5");
    write(truncated, java.util.Arrays.copyOf(real, real.length / 2));
    Path cutShort = tmp.resolve("cut-short.h5");
    write(cutShort, java.util.Arrays.copyOf(real, real.length - 1000));
    for (Path bad : new Path[] {notH5, truncated, cutShort}) {
      assertThatThrownBy(() -> KerasImport.load(bad, PixelScale.UNIT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "Cannot import Keras model: not a readable HDF5 file (corrupt, truncated or another"
                  + " format) ("
                  + bad
                  + ")");
    }
    Path weightsOnly = tmp.resolve("weights.h5");
    h5py(weightsOnly, "f.create_group('model_weights')");
    assertThatThrownBy(() -> KerasImport.load(weightsOnly, PixelScale.UNIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot import Keras model: the HDF5 file has no readable model_config attribute (a"
                + " whole model saved by Keras is needed, not only its weights) ("
                + weightsOnly
                + ")");
    Path flat = tmp.resolve("flat.h5");
    h5py(
        flat,
        "f.attrs['model_config'] = json.dumps({'class_name': 'Functional', 'config': {'layers':"
            + " [{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 10]}}]}})");
    assertThatThrownBy(() -> KerasImport.load(flat, PixelScale.UNIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot import Keras model: input shape [null,10] is not [batch, height, width,"
                + " channels] ("
                + flat
                + ")");
    Path unknownLayer = tmp.resolve("unknown-layer.h5");
    h5py(
        unknownLayer,
        "f.attrs['keras_version'] = '2.4.0'; f.attrs['backend'] = 'tensorflow';"
            + " f.attrs['model_config'] = json.dumps({'class_name': 'Functional', 'config':"
            + " {'name': 'm', 'layers': [{'class_name': 'InputLayer', 'name': 'input_1',"
            + " 'config': {'batch_input_shape': [None, 8, 8, 3], 'name': 'input_1'},"
            + " 'inbound_nodes': []}, {'class_name': 'NoSuchLayer', 'name': 'odd', 'config':"
            + " {'name': 'odd'}, 'inbound_nodes': [[['input_1', 0, 0, {}]]]}], 'input_layers':"
            + " [['input_1', 0, 0]], 'output_layers': [['odd', 0, 0]]}});"
            + " f.create_group('model_weights')");
    assertThatThrownBy(() -> KerasImport.load(unknownLayer, PixelScale.UNIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot import Keras model: DL4J cannot read it (" + unknownLayer + "): ");
    Path sequential = tmp.resolve("sequential.h5");
    h5py(
        sequential,
        "f.attrs['model_config'] = json.dumps({'class_name': 'Sequential', 'config': {'layers':"
            + " [{'class_name': 'Dense', 'config': {'units': 2}}]}})");
    assertThatThrownBy(() -> KerasImport.load(sequential, PixelScale.UNIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot import Keras model: it has no InputLayer (a functional model is needed) ("
                + sequential
                + ")");
  }

  @Test
  void refusesHeadsAndFreezingItCannotBuild() {
    Network net = KerasImport.load(RESNET, PixelScale.BYTE).network();
    assertThatThrownBy(() -> KerasImport.withHead(net, 9, "conv99", 1e-3, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "Cannot freeze layers: the imported model has no layer conv99 (set"
                + " pretrain.freeze-through to one of [conv2d, batch_normalization,");
    String classifier = net.outputLayer().name();
    assertThatThrownBy(() -> KerasImport.withHead(net, 9, classifier, 1e-3, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Cannot freeze layers: "
                + classifier
                + " is the classifier the new head replaces (set pretrain.freeze-through to a"
                + " layer before it, e.g. "
                + net.inputNameOf(classifier)
                + ")");
    assertThatThrownBy(() -> KerasImport.withHead(net, 1, "", 1e-3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot build a classification head: fewer than 2 classes (1)");
  }

  @Test
  void blockScopeSplitsTheGraphAtItsHeadInTopologicalOrder() {
    Network base =
        KerasImport.withHead(KerasImport.load(RESNET, PixelScale.BYTE).network(), 3, "", 1e-3, 1);
    assertThat(io.medvec.core.merge.SyntheticWeights.headLayers(base))
        .containsExactly(KerasImport.HEAD);
    io.medvec.core.vector.VectorLayout layout =
        io.medvec.core.vector.ParamVectors.layout(base, io.medvec.core.vector.ParamKind.TRAINABLE);
    float[] ones = new float[Math.toIntExact(layout.size())];
    java.util.Arrays.fill(ones, 1f);
    Network split =
        io.medvec.core.merge.SyntheticWeights.compose(
            base, layout, ones, 0.5, 0.0, io.medvec.core.merge.SyntheticWeights.headLayers(base));
    for (io.medvec.core.vector.TensorSpec t : layout.tensors()) {
      float[] before = base.getParam(t.name()).dup().reshape(-1).toFloatVector();
      float[] after = split.getParam(t.name()).dup().reshape(-1).toFloatVector();
      boolean head = t.name().startsWith(KerasImport.HEAD + "_");
      for (int i = 0; i < before.length; i++) {
        assertThat(after[i]).as(t.name()).isEqualTo(head ? before[i] : before[i] + 0.5f);
      }
    }
  }

  /** Writes an HDF5 file with h5py ({@code f} the open file, {@code json} imported). */
  private static void h5py(Path file, String body) {
    try {
      Process p =
          new ProcessBuilder(
                  "/usr/bin/python3",
                  "-c",
                  "import h5py, json, sys\nwith h5py.File(sys.argv[1], 'w') as f:\n    " + body,
                  file.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("h5py finished").isTrue();
      assertThat(p.exitValue()).as("h5py exit code; output:\n" + log).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code real} isic-skin images then {@code noise} seeded uniform images, NHWC, in scale. */
  static INDArray inputs(KerasImport.InputContract c, int real, int noise) {
    ImageSet images = RealImages.isic(1, c.height());
    int size = c.height() * c.width() * c.channels();
    float[] nchw = new float[(real + noise) * size];
    for (int i = 0; i < real; i++) {
      System.arraycopy(images.pixels(), i * 2 * size, nchw, i * size, size); // classes 0, 2, 4, 6
    }
    SplittableRandom random = new SplittableRandom(16);
    for (int i = real * size; i < nchw.length; i++) {
      nchw[i] = (float) random.nextDouble();
    }
    INDArray unit =
        Nd4j.create(nchw, new long[] {real + noise, c.channels(), c.height(), c.width()}, 'c');
    return c.scale().apply(unit).permute(0, 2, 3, 1).dup('c');
  }

  /** The peer's outputs for {@code input} (NHWC). */
  static float[] peer(Path model, INDArray input) {
    try {
      Path in = Files.createTempFile("keras-peer-in", ".f32");
      Path out = Files.createTempFile("keras-peer-out", ".f32");
      try {
        float[] values = Tensors.toFloats(input);
        ByteBuffer buf =
            ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        Files.write(in, buf.array());
        Process p =
            new ProcessBuilder(
                    "/usr/bin/python3",
                    TestData.repoFile("bench/keras_peer.py").toString(),
                    model.toString(),
                    in.toString(),
                    String.valueOf(input.size(0)),
                    out.toString())
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("peer finished").isTrue();
        assertThat(p.exitValue()).as("peer exit code; output:\n" + log).isZero();
        ByteBuffer result = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] floats = new float[result.remaining() / Float.BYTES];
        result.asFloatBuffer().get(floats);
        return floats;
      } finally {
        Files.deleteIfExists(in);
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static double maxDifference(float[] a, float[] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
    }
    return worst;
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
