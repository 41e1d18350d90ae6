package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.source.Preprocessing.Channels;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodeBenchTest {

  @Test
  void benchDecodesEveryImageOnceAndItsChecksumIsTheSumOfThePreprocessedPixels() {
    ImageSource source =
        new ImageFolderSource(
            Sources.conf(),
            Sources.hadoop(Sources.ham()),
            new SplitRule(0, 0, 0),
            ImageDecoders.standard());
    List<Example> examples = source.examples().subList(0, 12);
    Preprocessing p = Preprocessing.unit(64, Channels.RGB);
    DecodeBench.Result result = DecodeBench.run(source, examples, p, 3);
    double expected = 0;
    try (ImageSource.Stream stream = source.open(examples)) {
      while (stream.hasNext()) {
        for (float v : p.apply(stream.next().image())) {
          expected += v;
        }
      }
    }
    assertThat(result.images()).isEqualTo(12);
    assertThat(result.checksum()).isCloseTo(expected, within(1e-6 * expected));
    assertThat(result.seconds()).isPositive();
    assertThat(result.imagesPerSecond()).isEqualTo(12 / result.seconds());
    assertThatThrownBy(() -> DecodeBench.run(source, List.of(), p, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot bench " + source.describe() + ": no examples");
  }
}
