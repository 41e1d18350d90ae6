package io.medvec.core.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.core.source.DecodedImage;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageSource;
import io.medvec.core.source.ImageSources;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceConfig;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.ModelCard;
import io.medvec.core.store.OutputLayout;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java scoring API against the evaluate path: a merged model published in a real output tree
 * scores real PneumoniaMNIST test images, decoded through the npz image source, with exactly the
 * probabilities {@link Predictor} gives the evaluate job for the same images.
 */
class MergedModelTest {

  private static MultiLayerNetwork net;
  private static ImageSet test;

  private final Configuration conf = new Configuration();
  @TempDir java.nio.file.Path dir;
  private int published;

  @BeforeAll
  static void train() {
    ImageSet train = TestData.pneumonia().train().subset(TestData.first(256));
    test = TestData.pneumonia().test().subset(TestData.first(100));
    net = NetworkFactory.build(new NetworkSpec(1, 28, 28, 2, List.of(4, 8), 3, true, 16, 1e-3, 5));
    Trainer.fit(net, train, new TrainSettings(1, 32, 1e-3, 7), e -> {});
  }

  /** Publishes θ_pre and the merged model as the pipeline does; returns the merged directory. */
  private Path publish(Map<String, ?> baseFields) {
    OutputLayout layout =
        new OutputLayout(new Path(dir.resolve("out" + (++published)).toUri()), "r1");
    return new MergedModelStore(conf, layout).publishUnmerged(Network.of(net), baseFields);
  }

  private List<DecodedImage> testImages(ImageSource source) {
    List<Example> wanted =
        source.examples().stream().filter(e -> e.id().startsWith("test/")).limit(100).toList();
    List<DecodedImage> images = new ArrayList<>();
    try (ImageSource.Stream s = source.open(wanted)) {
      s.forEachRemaining(l -> images.add(l.image()));
    }
    return images;
  }

  @Test
  void scoresRealImagesAsTheEvaluatePathDoes() {
    MergedModel model = MergedModel.load(conf, publish(Map.of("dataset", "pneumoniamnist")));
    ImageSource source =
        ImageSources.open(
            conf,
            new Path(TestData.sharedDir().resolve("pneumoniamnist.npz").toUri()),
            SourceConfig.defaults());
    List<MergedModel.Prediction> predictions = model.predict(testImages(source));

    float[] expected = Predictor.predict(net, test, 32);
    assertThat(model.classes()).containsExactly("0", "1");
    assertThat(model.declaresPreprocessing()).isFalse();
    assertThat(model.fingerprint()).isEqualTo(Fingerprint.of(net));
    assertThat(predictions).hasSize(100);
    int disagreeWithLabel = 0;
    for (int i = 0; i < predictions.size(); i++) {
      float[] p = predictions.get(i).probabilities();
      assertThat(p[0]).isCloseTo(expected[2 * i], within(1e-6f));
      assertThat(p[1]).isCloseTo(expected[2 * i + 1], within(1e-6f));
      assertThat(p[0] + p[1]).isCloseTo(1f, within(1e-5f));
      int argmax = expected[2 * i + 1] > expected[2 * i] ? 1 : 0;
      assertThat(predictions.get(i).label()).isEqualTo(argmax);
      assertThat(predictions.get(i).className()).isEqualTo(Integer.toString(argmax));
      disagreeWithLabel += argmax == test.labels()[i] ? 0 : 1;
    }
    // trained for an epoch: better than always guessing one class would make it agree or not
    assertThat(disagreeWithLabel).isBetween(1, 60);
  }

  @Test
  void readsClassesAndPreprocessingFromTheBaseManifestAndScoresAnImageFile() throws Exception {
    Preprocessing recorded =
        new Preprocessing(
            28,
            28,
            Preprocessing.Aspect.PAD,
            Preprocessing.Interpolation.AREA,
            Preprocessing.Channels.GREY,
            Preprocessing.Scaling.UNIT,
            List.of(),
            List.of(),
            io.medvec.core.source.Augmentation.NONE);
    Path merged =
        publish(
            Map.of(
                "dataset", "pneumoniamnist",
                "classes", List.of("normal", "pneumonia"),
                "preprocessing", recorded.canonical()));
    MergedModel model = MergedModel.load(conf, merged);
    assertThat(model.classes()).containsExactly("normal", "pneumonia");
    assertThat(model.declaresPreprocessing()).isTrue();
    assertThat(model.preprocessing()).isEqualTo(recorded);

    // a real 600x450 RGB JPEG: preprocessed as recorded (grey, padded, area-resized)
    java.nio.file.Path jpeg;
    try (var files = Files.walk(TestData.sharedDir().resolve("ham10000_sample70"))) {
      jpeg = files.filter(f -> f.toString().endsWith(".jpg")).sorted().findFirst().orElseThrow();
    }
    MergedModel.Prediction p = model.predict(jpeg);
    DecodedImage decoded =
        io.medvec.core.source.ImageDecoders.standard()
            .decode(Files.readAllBytes(jpeg), jpeg.getFileName().toString());
    float[] direct = model.scores(new float[][] {recorded.apply(decoded)});
    assertThat(p.probabilities()).containsExactly(direct);
    assertThat(p.probability("normal") + p.probability("pneumonia")).isCloseTo(1f, within(1e-5f));
    assertThatThrownBy(() -> p.probability("covid"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown class (covid)");
  }

  @Test
  void aModelCardOverridesTheManifests() {
    Path merged = publish(Map.of("dataset", "pneumoniamnist", "classes", List.of("a", "b")));
    HadoopFiles.writeStringAtomically(
        conf,
        new Path(merged, ModelCard.JSON_FILE),
        Json.write(Map.of("classes", List.of("normal", "pneumonia"))));
    assertThat(MergedModel.load(conf, merged).classes()).containsExactly("normal", "pneumonia");
  }

  @Test
  void refusesAnImageOfAnotherSizeWithoutRecordedPreprocessing() {
    MergedModel model = MergedModel.load(conf, publish(Map.of("dataset", "pneumoniamnist")));
    DecodedImage rgb = new DecodedImage(32, 32, 3, new float[32 * 32 * 3]);
    assertThatThrownBy(() -> model.predict("x.png", rgb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot score image x.png")
        .hasMessageContaining("takes 28x28x1 images and records no preprocessing")
        .hasMessageEndingWith("(32x32x3)");
  }

  @Test
  void refusesADirectoryWithoutManifestOrModel() throws Exception {
    Path merged = publish(Map.of());
    Files.delete(java.nio.file.Path.of(new Path(merged, "manifest.json").toUri()));
    assertThatThrownBy(() -> MergedModel.load(conf, merged))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot load merged model " + merged + ": it has no manifest.json");
    Path empty = new Path(dir.resolve("empty").toUri());
    assertThatThrownBy(() -> MergedModel.load(conf, empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(": it has no model.zip");
  }

  @Test
  void refusesClassesThatDoNotMatchTheOutputsAndAModelWithAnotherFingerprint() {
    Path merged = publish(Map.of("classes", List.of("a", "b", "c")));
    assertThatThrownBy(() -> MergedModel.load(conf, merged))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the network has 2 outputs but 3 classes ([a, b, c])");
    MergedModel.Spec spec = MergedModel.load(conf, publish(Map.of())).spec();
    MergedModel.Spec other =
        new MergedModel.Spec(
            spec.source(),
            "0".repeat(64),
            null,
            null,
            spec.classes(),
            spec.preprocessing(),
            false,
            null);
    assertThatThrownBy(() -> MergedModel.of(other, io.medvec.core.model.ModelIO.toBytes(net)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected (" + "0".repeat(64) + ")");
  }
}
