package io.medvec.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.NpzReader;
import io.medvec.core.model.Network;
import io.medvec.jobs.SparkTests;
import org.junit.jupiter.api.Test;

/** The bench's network options and the networks and images they give the DL4J worker. */
class ModelBenchTest {

  static final String DATA = SparkTests.sharedData().resolve("pneumoniamnist.npz").toString();

  @Test
  void archImageSizeAndWidthAreParsedAndChecked() {
    BenchOptions defaults = BenchOptions.parse(new String[] {"train", "--data", DATA});
    assertThat(defaults.arch()).isEqualTo("cnn");
    assertThat(defaults.imageSize()).isZero();
    assertThat(defaults.trainImages()).isEqualTo(BenchOptions.TRAIN_IMAGES);
    BenchOptions resnet =
        BenchOptions.parse(
            new String[] {
              "train",
              "--data",
              DATA,
              "--arch",
              "resnet",
              "--image-size",
              "64",
              "--width",
              "0.5",
              "--train-images",
              "128"
            });
    assertThat(resnet.arch()).isEqualTo("resnet");
    assertThat(resnet.imageSize()).isEqualTo(64);
    assertThat(resnet.width()).isEqualTo(0.5);
    assertThat(resnet.trainImages()).isEqualTo(128);
    assertThatThrownBy(
            () -> BenchOptions.parse(new String[] {"train", "--data", DATA, "--arch", "vgg"}))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Cannot run bench: unknown --arch 'vgg' (valid: [cnn, resnet, mobilenet])");
    assertThatThrownBy(
            () -> BenchOptions.parse(new String[] {"train", "--data", DATA, "--width", "0"}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--width > 0");
  }

  @Test
  void workerNetworksTakeTheUpscaledImages() {
    MedMnist data = NpzReader.read(java.nio.file.Path.of(DATA));
    ImageSet two = data.train().subset(new int[] {0, 1});
    ImageSet big = two.upscaled(64);
    assertThat(big.height()).isEqualTo(64);
    // nearest neighbour: output pixel (y, x) is source pixel (y·28/64, x·28/64)
    assertThat(big.pixels()[64 * 64 + 63 * 64 + 5]).isEqualTo(two.pixels()[28 * 28 + 27 * 28 + 2]);
    assertThat(two.upscaled(28)).isSameAs(two);
    for (String arch : new String[] {"cnn", "resnet", "mobilenet"}) {
      Network net = ModelBench.network(arch, data, 64, 0.125);
      assertThat(net.output(net.features(big, new int[] {0, 1}, 0, 2)).shape())
          .as(arch)
          .containsExactly(2, 2);
    }
  }
}
