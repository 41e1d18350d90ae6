package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain.import=FILE.h5}: the pre-trained Keras ResNet-8 of ../shared/models becomes θ_pre
 * with a new head for the data's classes, published as a graph with its input contract and frozen
 * layers in the base manifest; images of another size and channel count adopt the model's input,
 * and the whole pipeline (fine-tune, merge, evaluate, the merged model's predictions) runs on the
 * graph; a configured size the model does not take is refused before anything is written.
 */
class KerasBaseIT {

  @TempDir static Path tmp;
  static Path grey28;
  static Path rgb32;

  static final Path RESNET =
      SparkTests.sharedData().getParent().resolve("models/resnet8-cifar10.h5");

  @BeforeAll
  static void data() throws IOException {
    Files.createDirectories(tmp.resolve("retina28"));
    grey28 = SparkTests.subset("pneumoniamnist", tmp, 120, 40, 40);
    Path retina = SparkTests.subset("retinamnist", tmp.resolve("retina28"), 120, 40, 40);
    rgb32 = rgb32(retina, tmp.resolve("rgb32/retinamnist.npz"));
  }

  static ConfigMap config(Path data, Path out, String... overrides) {
    List<String> all =
        new java.util.ArrayList<>(
            List.of(
                "run-id=keras",
                "out=" + out,
                "data.path=" + data,
                "partition.public-fraction=0.2",
                "partition.hospitals=2",
                "partition.seed=3",
                "pretrain.import=" + RESNET,
                "pretrain.input-scale=byte",
                "pretrain.freeze-through=batch_normalization"));
    all.addAll(List.of(overrides));
    return ConfigMap.empty().withOverrides(all);
  }

  @Test
  void anImportedKerasModelIsPublishedAsAGraphWithItsContractAndFrozenLayers() throws IOException {
    Path out = tmp.resolve("out-rgb");
    ConfigMap map = config(rgb32, out);
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    PretrainModelJob.Result result =
        new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(map)).run();
    assertThat(result.epochs()).isEmpty();

    Configuration conf = new Configuration();
    BaseModelStore bases =
        new BaseModelStore(
            conf, new OutputLayout(new org.apache.hadoop.fs.Path(out.toUri()), "keras"));
    Network base = bases.load(result.fingerprint());
    assertThat(base.isGraph()).isTrue();
    assertThat(base.inputScale()).isEqualTo(PixelScale.BYTE);
    assertThat(Fingerprint.of(base)).isEqualTo(result.fingerprint());
    // the imported 10-way head (64 x 10 + 10) replaced by RetinaMNIST's 5-way one (64 x 5 + 5)
    assertThat(result.parameters()).isEqualTo(78_666 - 650 + 325);
    assertThat(base.getParam("medvec_head_W").shape()).containsExactly(64L, 5L);

    JsonNode manifest =
        Json.readTree(
            Files.readString(out.resolve("base/" + result.fingerprint() + "/manifest.json")),
            "manifest");
    JsonNode contract = manifest.get(BaseModelStore.INPUT_CONTRACT);
    assertThat(contract.get("height").asInt()).isEqualTo(32);
    assertThat(contract.get("width").asInt()).isEqualTo(32);
    assertThat(contract.get("channels").asInt()).isEqualTo(3);
    assertThat(contract.get("layout").asText()).isEqualTo("NHWC");
    assertThat(contract.get("scale").asText()).isEqualTo("byte");
    assertThat(manifest.get("frozen_through").asText()).isEqualTo("batch_normalization");
    assertThat(manifest.get("frozen_layers").toString())
        .isEqualTo("[\"conv2d\",\"batch_normalization\"]");
    assertThat(manifest.get("source").asText()).isEqualTo(RESNET.toString());
  }

  @Test
  void greyImagesOfAnotherSizeAdoptTheModelsInputAndTheWholePipelineRunsOnTheGraph()
      throws IOException {
    Path out = tmp.resolve("out-grey");
    ConfigMap map =
        config(
            grey28,
            out,
            "finetune.epochs=1",
            "merge.lambda-grid=[0.5, 1.0]",
            "evaluate.partitions=2");
    RunPipelineJob.Result result =
        new RunPipelineJob(SparkTests.spark(), RunPipelineJob.Config.from(map)).run();
    String fingerprint = result.pretrain().fingerprint();
    Configuration conf = new Configuration();
    // PneumoniaMNIST is 28x28 grey: the base takes the model's 32x32 RGB with no data.image key
    BaseManifest manifest =
        BaseManifest.read(
            conf, HadoopFiles.qualify(conf, out.resolve("base").resolve(fingerprint).toString()));
    assertThat(manifest.preprocessing().width()).isEqualTo(32);
    assertThat(manifest.preprocessing().height()).isEqualTo(32);
    assertThat(manifest.preprocessing().channels()).isEqualTo(Preprocessing.Channels.RGB);

    // two hospitals fine-tuned the graph; their vectors leave the frozen layers out
    Network base =
        new BaseModelStore(
                conf, new OutputLayout(new org.apache.hadoop.fs.Path(out.toUri()), "keras"))
            .load(fingerprint);
    long trainable = ParamVectors.layout(base, ParamKind.TRAINABLE).size();
    assertThat(ParamVectors.layout(base, ParamKind.FROZEN).size()).isPositive();
    assertThat(result.finetune().hospitals()).hasSize(2);
    List<StoredVector> vectors =
        new VectorStore(
                conf, HadoopFiles.qualify(conf, out.resolve("vectors").toAbsolutePath().toString()))
            .list(fingerprint);
    assertThat(vectors).hasSize(2);
    for (StoredVector v : vectors) {
      assertThat(v.manifest().layout().size()).as(v.dir().toString()).isEqualTo(trainable);
    }

    // the merged graph is published with θ_pre's input contract, loads and predicts as a graph
    MergedModel merged =
        MergedModel.load(out.resolve("runs/keras/merged").toAbsolutePath().normalize());
    assertThat(merged.spec().inputScale()).isEqualTo(PixelScale.BYTE);
    assertThat(merged.classes()).isEqualTo(manifest.classes());
    // the imported graph's PyTorch export beside it (KerasGraphExportTest compares its outputs)
    assertThat(out.resolve("runs/keras/merged/model.safetensors")).exists();
    Network mergedNet =
        ModelIO.loadNetwork(
            conf,
            HadoopFiles.qualify(conf, out.resolve("runs/keras/merged/model.zip").toString()),
            PixelScale.BYTE);
    assertThat(mergedNet.isGraph()).isTrue();
    // the frozen layers are θ_pre's, bit for bit, in the merged model
    for (Network.LayerRef layer : base.layers()) {
      if (layer.frozen()) {
        for (String param : layer.runtime().paramTable().keySet()) {
          assertThat(mergedNet.getParam(layer.key(param)).dup().reshape(-1).toFloatVector())
              .as(layer.key(param))
              .containsExactly(base.getParam(layer.key(param)).dup().reshape(-1).toFloatVector());
        }
      }
    }
    // the predictions of the merged model are the network's on the same preprocessed image
    ImageSet test = JobContext.loadData(conf, dataSpec(grey28, manifest)).data().test();
    float[] expected = Predictor.predict(mergedNet, test.subset(new int[] {0}), 1);
    float[] input = new float[test.imageSize()];
    System.arraycopy(test.pixels(), 0, input, 0, input.length);
    assertThat(merged.scores(new float[][] {input})).containsExactly(expected);

    // evaluated: θ_pre, two single sites and the merged model on val and test
    assertThat(RunPipelineJob.table(result.evaluate().rows()))
        .contains("pretrained")
        .contains("single_site")
        .contains("merged");
  }

  @Test
  void aBuiltInResNetIsPretrainedMergedAndExportedAsAGraph() {
    Path out = tmp.resolve("out-resnet");
    ConfigMap map =
        ConfigMap.empty()
            .withOverrides(
                List.of(
                    "run-id=resnet",
                    "out=" + out,
                    "data.path=" + grey28,
                    "partition.public-fraction=0.2",
                    "partition.hospitals=2",
                    "partition.seed=3",
                    "model.arch=resnet",
                    "model.resnet.blocks=[1, 1]",
                    "model.resnet.width=0.125",
                    "pretrain.epochs=1",
                    "finetune.epochs=1",
                    "merge.lambda-grid=[0.5, 1.0]",
                    "merge.lambda-scope=block",
                    "evaluate.partitions=2"));
    RunPipelineJob.Result result =
        new RunPipelineJob(SparkTests.spark(), RunPipelineJob.Config.from(map)).run();
    Configuration conf = new Configuration();
    Network base =
        new BaseModelStore(
                conf, new OutputLayout(new org.apache.hadoop.fs.Path(out.toUri()), "resnet"))
            .load(result.pretrain().fingerprint());
    assertThat(base.isGraph()).isTrue();
    assertThat(result.pretrain().epochs()).hasSize(1);
    assertThat(result.finetune().hospitals()).hasSize(2);
    // block scope split the graph: λ and λ_head both chosen on validation
    assertThat(result.merge().lambdaHead()).isNotNull();
    Path merged = out.resolve("runs/resnet/merged");
    assertThat(merged.resolve("model.safetensors")).exists();
    assertThat(MergedModel.load(merged.toAbsolutePath().normalize()).classes()).hasSize(2);
    assertThat(RunPipelineJob.table(result.evaluate().rows())).contains("merged");
  }

  @Test
  void aConfiguredSizeThatTheModelDoesNotTakeIsRefusedBeforeAnythingIsWritten() {
    Path out = tmp.resolve("out-size");
    ConfigMap map = config(grey28, out, "data.image.size=28");
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(map)).run();
    PretrainModelJob.Config config = PretrainModelJob.Config.from(map);
    assertThatThrownBy(() -> new PretrainModelJob(SparkTests.spark(), config).run())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG))
        .hasMessageContaining("Cannot use config key 'data.image.size' = 28")
        .hasMessageContaining("resnet8-cifar10.h5")
        .hasMessageContaining("takes 32x32 images");
    assertThat(out.resolve("base")).doesNotExist();
  }

  private static io.medvec.jobs.spark.DataSpec dataSpec(Path data, BaseManifest manifest) {
    return new io.medvec.jobs.spark.DataSpec(
        data.toString(), io.medvec.core.source.SourceConfig.defaults(), manifest.preprocessing());
  }

  /**
   * The RGB (N, 28, 28, 3) npz at {@code rgb28} with every image padded to 32×32 by repeating its
   * edge pixels (N, 32, 32, 3).
   */
  static Path rgb32(Path rgb28, Path file) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(rgb28))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
      Files.createDirectories(file.getParent());
      try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          byte[] value = e.getValue();
          if (e.getKey().endsWith("_images.npy")) {
            byte[] pixels = RobustFixture.npyData(value);
            int n = pixels.length / (28 * 28 * 3);
            byte[] rgb = new byte[n * 32 * 32 * 3];
            for (int i = 0; i < n; i++) {
              for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                  int sy = Math.min(27, Math.max(0, y - 2));
                  int sx = Math.min(27, Math.max(0, x - 2));
                  for (int c = 0; c < 3; c++) {
                    rgb[((i * 32 + y) * 32 + x) * 3 + c] =
                        pixels[((i * 28 + sy) * 28 + sx) * 3 + c];
                  }
                }
              }
            }
            value = RobustFixture.npyU1(rgb, n, 32, 32, 3);
          }
          zip.putNextEntry(new ZipEntry(e.getKey()));
          zip.write(value);
          zip.closeEntry();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
