package io.medvec.core.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.export.Safetensors.Tensor;
import io.medvec.core.model.MobileNetSpec;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.ResNetSpec;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph export against PyTorch: {@code python/medvec_torch.py} rebuilds the residual and
 * MobileNet graphs from the file alone and scores the same real PneumoniaMNIST images (upscaled by
 * nearest neighbour where the network takes more than 28 px); its probabilities must equal DL4J's
 * to 1e-4. Each network is trained for an epoch first, so weights and batch-norm statistics are not
 * their initial values, and one perturbed weight must move PyTorch's answer.
 */
@SuppressWarnings("unchecked")
class GraphExportTest {

  @TempDir Path dir;

  void roundTrip(Network net, int size, boolean perturb) throws Exception {
    var data = TestData.pneumonia();
    ImageSet train = data.train().subset(TestData.first(96)).upscaled(size);
    ImageSet test = data.test().subset(TestData.first(32)).upscaled(size);
    Trainer.fit(net, train, new TrainSettings(1, 32, 1e-3, 7), e -> {});
    float[] dl4j = Predictor.predict(net, test, 16);
    float min = 1;
    float max = 0;
    for (int i = 0; i < dl4j.length; i += 2) {
      min = Math.min(min, dl4j[i]);
      max = Math.max(max, dl4j[i]);
    }
    assertThat(max - min).as("spread of p(normal) over the images").isGreaterThan(1e-3f);

    Path file = dir.resolve("model.safetensors");
    TorchExport.write(
        new Configuration(),
        new org.apache.hadoop.fs.Path(file.toUri()),
        TorchExport.convert(net),
        Map.of("medvec.classes", "[\"normal\", \"pneumonia\"]"));
    float[] torch = TorchExportTest.torchProbabilities(dir, file, test);
    double diff = TorchExportTest.maxAbsDiff(dl4j, torch);
    System.out.printf("%s: max |p_dl4j - p_torch| = %.3g over %d images%n", net, diff, test.size());
    assertThat(diff).as("max |p_dl4j - p_torch|").isLessThan(1e-4);
    if (!perturb) {
      return;
    }

    Safetensors.Contents contents;
    try (var in = Files.newInputStream(file)) {
      contents = Safetensors.read(in, file.toString());
    }
    assertThat(contents.metadata()).containsEntry(TorchExport.FORMAT_KEY, TorchExport.GRAPH_FORMAT);
    // the check can fail: a perturbed first convolution moves PyTorch's probabilities
    Path bad = TorchExportTest.perturbed(dir, contents, 2);
    assertThat(TorchExportTest.maxAbsDiff(dl4j, TorchExportTest.torchProbabilities(dir, bad, test)))
        .isGreaterThan(1e-4);
  }

  @Test
  void pytorchReproducesASmallResnetWithProjectionShortcuts() throws Exception {
    roundTrip(
        NetworkFactory.build(new ResNetSpec(1, 32, 32, 2, List.of(1, 1, 1, 1), 0.125, 1e-3, 5)),
        32,
        true);
  }

  @Test
  void pytorchReproducesTheImagenetStemWithItsMaxPool() throws Exception {
    roundTrip(
        NetworkFactory.build(new ResNetSpec(1, 112, 112, 2, List.of(1), 0.125, 1e-3, 6)),
        112,
        false);
  }

  @Test
  void pytorchReproducesASmallMobilenetWithDepthwiseConvolutions() throws Exception {
    // 64 px: the stride-2 stem; six blocks cover both depthwise strides
    roundTrip(NetworkFactory.build(new MobileNetSpec(1, 64, 64, 2, 0.25, 6, 1e-3, 8)), 64, true);
  }

  @Test
  void theArchitectureNamesEveryVertexItsInputsAndTheResidualAdds() {
    Network net = NetworkFactory.build(new ResNetSpec(1, 16, 16, 3, List.of(1, 1), 0.125, 1e-3, 1));
    TorchExport.Export export = TorchExport.convert(net);
    assertThat(export.format()).isEqualTo(TorchExport.GRAPH_FORMAT);
    Map<String, Map<String, Object>> byName = new java.util.LinkedHashMap<>();
    export.architecture().forEach(e -> byName.put((String) e.get("name"), e));
    assertThat(byName.get("input").get("type")).isEqualTo("input");
    assertThat(byName.get("s1_b1_add").get("type")).isEqualTo("add");
    assertThat((List<Object>) byName.get("s1_b1_add").get("inputs"))
        .containsExactlyInAnyOrder("s1_b1_bn2", "stem_relu");
    assertThat((List<Object>) byName.get("s2_b1_add").get("inputs"))
        .containsExactlyInAnyOrder("s2_b1_bn2", "s2_b1_proj_bn");
    assertThat(byName.get("output")).containsEntry("graph_output", true);
    assertThat(byName.get("output")).containsEntry("activation", "softmax");
    assertThat(export.tensors().stream().map(Tensor::name))
        .contains(
            "nodes.stem_conv.weight",
            "nodes.s2_b1_proj_bn.running_var",
            "nodes.output.weight",
            "nodes.output.bias")
        .doesNotContain("nodes.stem_conv.bias");
    // a depthwise weight, DL4J's [kH, kW, C, 1], is PyTorch's [C, 1, kH, kW]
    Network mobilenet = NetworkFactory.build(new MobileNetSpec(1, 16, 16, 2, 0.25, 1, 1e-3, 1));
    Tensor dw =
        TorchExport.convert(mobilenet).tensors().stream()
            .filter(t -> t.name().equals("nodes.b1_dw.weight"))
            .findFirst()
            .orElseThrow();
    assertThat(dw.shape()).containsExactly(8, 1, 3, 3);
  }
}
