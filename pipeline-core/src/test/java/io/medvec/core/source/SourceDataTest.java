package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.Split;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** Materializing real sources into the splits the jobs train and score on. */
class SourceDataTest {

  private static final Configuration CONF = new Configuration();

  private static Path shared(String name) {
    return new Path(TestData.sharedDir().resolve(name).toUri());
  }

  @Test
  void anNpzWithItsOwnShapeIsTheReadersDataBitForBitWithMedMnistClassNames() {
    SourceData loaded =
        SourceData.load(CONF, shared("pneumoniamnist.npz"), SourceConfig.defaults(), null);
    MedMnist expected = TestData.pneumonia();
    assertThat(loaded.data()).isEqualTo(expected);
    assertThat(loaded.classes()).containsExactly("normal", "pneumonia");
    assertThat(loaded.preprocessing())
        .isEqualTo(Preprocessing.unit(28, Preprocessing.Channels.GREY));
  }

  @Test
  void aClassFolderIsSplitStratifiedAndSizedFromTheDataAtMost64() {
    SourceData loaded =
        SourceData.load(CONF, shared("ham10000_sample70"), SourceConfig.defaults(), null);
    MedMnist data = loaded.data();
    assertThat(loaded.classes()).containsExactly("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc");
    // 600x450 JPEGs: the side defaults to 64, channels to the first image's (RGB)
    assertThat(loaded.preprocessing().width()).isEqualTo(SourceData.DEFAULT_MAX_SIDE);
    assertThat(loaded.preprocessing().channels()).isEqualTo(Preprocessing.Channels.RGB);
    assertThat(data.channels()).isEqualTo(3);
    assertThat(data.height()).isEqualTo(64);
    // 10 per class, 0.1 / 0.1 of each class: one val and one test image per class
    assertThat(data.val().labelCounts()).containsOnly(1L);
    assertThat(data.test().labelCounts()).containsOnly(1L);
    assertThat(data.train().labelCounts()).containsOnly(8L);
    assertThat(data.dataset()).isEqualTo("ham10000_sample70");
    // the pixels are decoded images, not blanks
    assertThat(variance(data.train())).isGreaterThan(1e-3);
    SourceData again =
        SourceData.load(CONF, shared("ham10000_sample70"), SourceConfig.defaults(), null);
    assertThat(again.data()).isEqualTo(data);
  }

  @Test
  void splitFoldersWithoutValGetValCarvedFromTrainAndADeclaredPreprocessingIsApplied() {
    Preprocessing declared = Preprocessing.unit(16, Preprocessing.Channels.GREY);
    SourceConfig config =
        SourceConfig.from(ConfigMap.empty().withOverrides(List.of("data.split.val-fraction=0.2")));
    SourceData loaded = SourceData.load(CONF, shared("isic-skin"), config, declared);
    MedMnist data = loaded.data();
    assertThat(loaded.classes()).hasSize(9).startsWith("actinic_keratosis");
    assertThat(data.channels()).isEqualTo(1);
    assertThat(data.width()).isEqualTo(16);
    // val is a fifth of the train folder, class by class; the test folder stays as it is
    long trainFiles = files("isic-skin/train");
    assertThat(data.test().size()).isEqualTo(files("isic-skin/test"));
    assertThat(data.train().size() + data.val().size()).isEqualTo(trainFiles);
    assertThat((double) data.val().size() / trainFiles).isBetween(0.19, 0.21);
    assertThat(loaded.preprocessing()).isEqualTo(declared);
  }

  @Test
  void meanStdScalingKeepsUnitPixelsAndRecordsTheStandardisationForTheNetwork() {
    SourceConfig config =
        SourceConfig.from(
            ConfigMap.empty()
                .withOverrides(
                    List.of(
                        "data.image.size=16",
                        "data.image.scaling=mean-std",
                        "data.image.channels=grey",
                        "data.image.mean=[0.5]",
                        "data.image.std=[0.25]")));
    SourceData standardised = SourceData.load(CONF, shared("ham10000_sample70"), config, null);
    SourceData unit =
        SourceData.load(
            CONF,
            shared("ham10000_sample70"),
            SourceConfig.from(
                ConfigMap.empty()
                    .withOverrides(List.of("data.image.size=16", "data.image.channels=grey"))),
            null);
    assertThat(standardised.preprocessing().scaling()).isEqualTo(Preprocessing.Scaling.MEAN_STD);
    assertThat(standardised.preprocessing().mean()).containsExactly(0.5);
    // the same [0, 1] pixels: the standardisation is the network's input scale
    assertThat(standardised.data().train().pixels()).isEqualTo(unit.data().train().pixels());
  }

  @Test
  void splitsThatDoNotFitAQuarterOfTheHeapAreRefusedBeforeTheyAreAllocated() {
    Preprocessing huge = Preprocessing.unit(4096, Preprocessing.Channels.RGB);
    assertThatThrownBy(
            () -> SourceData.load(CONF, shared("ham10000_sample70"), SourceConfig.defaults(), huge))
        .hasMessageContaining("Cannot load image folder")
        .hasMessageContaining("70 images of 3x4096x4096 need 13440 MiB as floats")
        .hasMessageContaining("lower data.image.size");
  }

  private static long files(String dir) {
    try (java.util.stream.Stream<java.nio.file.Path> walk =
        java.nio.file.Files.walk(TestData.sharedDir().resolve(dir))) {
      return walk.filter(p -> p.toString().endsWith(".jpg")).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static double variance(ImageSet set) {
    double sum = 0;
    double sq = 0;
    for (float p : set.pixels()) {
      sum += p;
      sq += (double) p * p;
    }
    double mean = sum / set.pixels().length;
    return sq / set.pixels().length - mean * mean;
  }

  @Test
  void everySplitIsListed() {
    SourceData loaded =
        SourceData.load(CONF, shared("ham10000_sample70"), SourceConfig.defaults(), null);
    for (Split split : Split.values()) {
      assertThat(loaded.data().split(split).size()).isPositive();
    }
  }
}
