package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.NpzReader;
import io.medvec.core.data.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NpzSource against NpzReader on the real MedMNIST files: the same pixels and labels. */
class NpzSourceTest {

  @Test
  void retinaMnistListsEverySplitWithTheReadersLabelsAndPixels() {
    check(TestData.sharedDir().resolve("retinamnist.npz"), 5, 3);
  }

  @Test
  void pneumoniaMnistListsEverySplitWithTheReadersLabelsAndPixels() {
    check(TestData.sharedDir().resolve("pneumoniamnist.npz"), 2, 1);
  }

  @Test
  void formatAutoRecognisesTheNpzAndBatchesItLikeAnyOtherSource() {
    Path file = TestData.sharedDir().resolve("pneumoniamnist.npz");
    assertThat(ImageSources.detect(Sources.conf(), Sources.hadoop(file)))
        .isEqualTo(SourceFormat.NPZ);
    ImageSource source =
        ImageSources.open(Sources.conf(), Sources.hadoop(file), SourceConfig.defaults());
    assertThat(source).isInstanceOf(NpzSource.class);
    Preprocessing same = Preprocessing.unit(28, Preprocessing.Channels.GREY);
    List<Example> test = source.examples(Split.TEST);
    SourceBatches batches = new SourceBatches(source, test, same, 100, false, 0, null);
    ImageSet reference = ((NpzSource) source).data().test();
    float[] first = batches.next().getFeatures().dup().data().asFloat();
    // 28x28 to 28x28 without augmentation: the reader's pixels unchanged
    assertThat(first).isEqualTo(Arrays.copyOf(reference.pixels(), 100 * 28 * 28));
  }

  private static void check(Path file, int classes, int channels) {
    MedMnist reference = NpzReader.read(file);
    NpzSource source = new NpzSource(Sources.conf(), Sources.hadoop(file));
    assertThat(source.describe()).isEqualTo("npz " + Sources.hadoop(file));
    assertThat(source.classes()).hasSize(classes).first().isEqualTo("0");
    int total = 0;
    for (Split split : Split.values()) {
      ImageSet set = reference.split(split);
      List<Example> examples = source.examples(split);
      assertThat(examples).hasSize(set.size());
      int[] labels = examples.stream().mapToInt(Example::label).toArray();
      assertThat(labels).isEqualTo(set.labels());
      assertThat(source.labelCounts(examples)).isEqualTo(set.labelCounts());
      assertThat(examples.get(0).id()).isEqualTo(split.id() + "/0");
      // every 37th image, requested out of order
      List<Example> wanted = new ArrayList<>();
      for (int i = examples.size() - 1; i >= 0; i -= 37) {
        wanted.add(examples.get(i));
      }
      try (ImageSource.Stream stream = source.open(wanted)) {
        for (Example e : wanted) {
          ImageSource.Loaded loaded = stream.next();
          assertThat(loaded.example()).isEqualTo(e);
          DecodedImage image = loaded.image();
          assertThat(image.channels()).isEqualTo(channels);
          assertThat(image.width()).isEqualTo(28);
          int index = Integer.parseInt(e.id().substring(e.id().indexOf('/') + 1));
          int size = set.imageSize();
          assertThat(image.pixels())
              .isEqualTo(Arrays.copyOfRange(set.pixels(), index * size, (index + 1) * size));
        }
        assertThat(stream.hasNext()).isFalse();
      }
      total += set.size();
    }
    assertThat(source.examples()).hasSize(total);
  }
}
