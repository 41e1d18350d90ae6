package io.medvec.core.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.export.Safetensors.Tensor;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safetensors export against PyTorch: {@code python/medvec_torch.py} (PyTorch from Debian's
 * python3-torch, under /usr/bin/python3) loads the file into its module and scores the same real
 * PneumoniaMNIST images; its probabilities must equal medvec's to 1e-4. The networks are trained
 * for an epoch first, so weights and batch-norm statistics are not their initial values.
 */
class TorchExportTest {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path dir;

  static MultiLayerNetwork trained(NetworkSpec spec, ImageSet train) {
    MultiLayerNetwork net = NetworkFactory.build(spec);
    Trainer.fit(net, train, new TrainSettings(1, 32, 1e-3, 7), e -> {});
    return net;
  }

  /** PyTorch's probabilities for {@code images} under the exported {@code model}. */
  float[] torchProbabilities(Path model, ImageSet images) throws Exception {
    return torchProbabilities(dir, model, images);
  }

  /** PyTorch's probabilities for {@code images} under {@code model}, files in {@code dir}. */
  static float[] torchProbabilities(Path dir, Path model, ImageSet images) throws Exception {
    Path in = dir.resolve("images.f32");
    Path out = dir.resolve("probs.f32");
    ByteBuffer buf = ByteBuffer.allocate(images.pixels().length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(images.pixels());
    Files.write(in, buf.array());
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                REPO.resolve("python/medvec_torch.py").toString(),
                "predict",
                model.toString(),
                in.toString(),
                String.valueOf(images.size()),
                String.valueOf(images.channels()),
                String.valueOf(images.height()),
                String.valueOf(images.width()),
                out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    byte[] bytes = Files.readAllBytes(out);
    float[] probs = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(probs);
    return probs;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  void roundTrip(NetworkSpec spec) throws Exception {
    var data = TestData.pneumonia();
    ImageSet train = data.train().subset(TestData.first(512));
    ImageSet test = data.test().subset(TestData.first(200));
    MultiLayerNetwork net = trained(spec, train);
    float[] medvec = Predictor.predict(net, test, 64);

    Path file = dir.resolve("model.safetensors");
    TorchExport.write(
        new Configuration(),
        new org.apache.hadoop.fs.Path(file.toUri()),
        net,
        Map.of("medvec.classes", "[\"normal\", \"pneumonia\"]"));
    float[] torch = torchProbabilities(file, test);
    double diff = maxAbsDiff(medvec, torch);
    System.out.printf(
        "%s: max |p_medvec - p_torch| = %.3g over %d images%n", spec, diff, test.size());
    assertThat(diff).as("max |p_medvec - p_torch|").isLessThan(1e-4);

    // the check can fail: one perturbed weight moves PyTorch's probabilities
    Safetensors.Contents contents;
    try (var in = Files.newInputStream(file)) {
      contents = Safetensors.read(in, file.toString());
    }
    Path bad = perturbed(dir, contents, Integer.MAX_VALUE);
    assertThat(maxAbsDiff(medvec, torchProbabilities(bad, test))).isGreaterThan(1e-4);
  }

  @Test
  void pytorchReproducesTheBatchNormCnnsProbabilitiesOnRealImages() throws Exception {
    roundTrip(new NetworkSpec(1, 28, 28, 2, List.of(8, 16), 3, true, 32, 1e-3, 42));
  }

  @Test
  void pytorchReproducesAThreeBlockCnnWithOddPoolingSizes() throws Exception {
    // 28 -> 14 -> 7 -> 4: the last 2x2 pooling in Same mode covers a padded row and column
    roundTrip(new NetworkSpec(1, 28, 28, 2, List.of(4, 8, 8), 5, true, 16, 1e-3, 3));
  }

  @Test
  void pytorchReproducesACnnWithoutBatchNorm() throws Exception {
    roundTrip(new NetworkSpec(1, 28, 28, 2, List.of(6), 3, false, 8, 1e-3, 5));
  }

  @Test
  void tensorNamesAreTheTorchModulesStateDictKeys() {
    MultiLayerNetwork net =
        NetworkFactory.build(new NetworkSpec(1, 28, 28, 3, List.of(4), 3, true, 8, 1e-3, 1));
    TorchExport.Export export = TorchExport.convert(net);
    assertThat(export.tensors().stream().map(Tensor::name))
        .containsExactly(
            "layers.0.weight",
            "layers.0.bias",
            "layers.1.weight",
            "layers.1.bias",
            "layers.1.running_mean",
            "layers.1.running_var",
            "layers.1.num_batches_tracked",
            "layers.5.weight",
            "layers.5.bias",
            "layers.7.weight",
            "layers.7.bias");
    assertThat(export.architecture().stream().map(e -> e.get("type")))
        .containsExactly(
            "conv2d",
            "batchnorm2d",
            "relu",
            "maxpool2d",
            "flatten",
            "linear",
            "relu",
            "linear",
            "softmax");
    // DL4J's dense [in, out] is PyTorch's [out, in]
    assertThat(export.tensors().get(7).shape()).containsExactly(8, 4 * 14 * 14);
  }

  @Test
  void safetensorsHeaderIsAlignedAndTheReaderRefusesBrokenFiles() throws Exception {
    List<Tensor> tensors =
        List.of(
            Tensor.f32("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
            Tensor.i64Scalar("n", 7));
    byte[] bytes = Safetensors.toBytes(tensors, Map.of("k", "v"));
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLen % 8).isZero();
    assertThat(bytes.length).isEqualTo(8 + headerLen + 6 * 4 + 8);
    Safetensors.Contents back = Safetensors.read(new ByteArrayInputStream(bytes), "t");
    assertThat(back.tensor("a").floats()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(back.tensor("n").shape()).isEmpty();
    assertThat(back.metadata()).containsEntry("k", "v");

    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(truncated), "cut.st"))
        .hasMessage("Cannot read safetensors cut.st: truncated in the tensor n");
    byte[] extra = Arrays.copyOf(bytes, bytes.length + 4);
    assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(extra), "x.st"))
        .hasMessageContaining("bytes after the last tensor");
    byte[] huge = bytes.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
    assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(huge), "h.st"))
        .hasMessageContaining("header length");
  }

  /**
   * {@code contents} with 0.5 added to every {@code stride}-th value of its first tensor, written
   * to {@code dir/perturbed.safetensors}.
   */
  static Path perturbed(Path dir, Safetensors.Contents contents, int stride) throws IOException {
    Tensor first = contents.tensors().get(0);
    float[] w = first.floats();
    for (int i = 0; i < w.length; i += stride) {
      w[i] += 0.5f;
    }
    List<Tensor> tensors =
        contents.tensors().stream()
            .map(t -> t == first ? Tensor.f32(t.name(), t.shape(), w) : t)
            .toList();
    Path bad = dir.resolve("perturbed.safetensors");
    Files.write(bad, Safetensors.toBytes(tensors, contents.metadata()));
    return bad;
  }
}
