package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PixelScaleTest {

  private static final PixelScale STANDARD =
      PixelScale.meanStd(List.of(0.2, 0.5, 0.8), List.of(0.1, 0.25, 0.5));

  /** A [2, 3, 4, 5] NCHW batch of seeded [0, 1] pixels. */
  private static float[] pixels() {
    SplittableRandom random = new SplittableRandom(7);
    float[] px = new float[2 * 3 * 4 * 5];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) random.nextDouble();
    }
    return px;
  }

  private static float[] applied(PixelScale scale, float[] px) {
    INDArray in = Nd4j.create(px, new long[] {2, 3, 4, 5}, 'c');
    float[] out = Tensors.toFloats(scale.apply(in));
    assertThat(Tensors.toFloats(in)).as("the input is left as it was").containsExactly(px);
    return out;
  }

  @Test
  void meanStdStandardisesEachChannelOfAnNchwBatch() {
    float[] px = pixels();
    float[] out = applied(STANDARD, px);
    float[] mean = {0.2f, 0.5f, 0.8f};
    float[] std = {0.1f, 0.25f, 0.5f};
    for (int i = 0; i < px.length; i++) {
      int c = (i / 20) % 3;
      assertThat(out[i])
          .as("value %s (channel %s)", i, c)
          .isCloseTo((px[i] - mean[c]) / std[c], within(1e-6f));
    }
  }

  @Test
  void factorsAndOffsetsDescribeWhatApplyDoes() {
    float[] px = pixels();
    for (PixelScale scale :
        List.of(PixelScale.UNIT, PixelScale.BYTE, PixelScale.SIGNED, STANDARD)) {
      float[] f = scale.factors(3);
      float[] o = scale.offsets(3);
      float[] out = applied(scale, px);
      for (int i = 0; i < px.length; i++) {
        int c = (i / 20) % 3;
        assertThat(out[i])
            .as("%s value %s", scale, i)
            .isCloseTo(f[c] * px[i] + o[c], within(1e-5f));
      }
    }
    assertThat(PixelScale.SIGNED.factors(2)).containsExactly(2f, 2f);
    assertThat(PixelScale.SIGNED.offsets(2)).containsExactly(-1f, -1f);
  }

  @Test
  void manifestFieldsParseBackToTheSameScale() {
    for (PixelScale scale :
        List.of(PixelScale.UNIT, PixelScale.BYTE, PixelScale.SIGNED, STANDARD)) {
      Map<String, Object> f = scale.fields();
      @SuppressWarnings("unchecked")
      List<Number> mean = (List<Number>) f.getOrDefault("mean", List.of());
      @SuppressWarnings("unchecked")
      List<Number> std = (List<Number>) f.getOrDefault("std", List.of());
      assertThat(PixelScale.parse((String) f.get("scale"), mean, std)).isEqualTo(scale);
    }
    assertThat(STANDARD.fields()).containsEntry("scale", "mean-std");
    assertThat(PixelScale.parse("SIGNED", List.of(), List.of())).isSameAs(PixelScale.SIGNED);
  }

  @Test
  void jsonRoundTripsEveryScaleAndReadsARangesName() {
    for (PixelScale scale :
        List.of(PixelScale.UNIT, PixelScale.BYTE, PixelScale.SIGNED, STANDARD)) {
      String json = io.medvec.core.io.Json.write(scale);
      assertThat(io.medvec.core.io.Json.read(json, PixelScale.class, "test")).isEqualTo(scale);
    }
    assertThat(io.medvec.core.io.Json.write(STANDARD)).contains("\"scale\" : \"mean-std\"");
    assertThat(io.medvec.core.io.Json.read("\"signed\"", PixelScale.class, "test"))
        .isSameAs(PixelScale.SIGNED);
  }

  @Test
  void fingerprintTextsAreStableAndTellStandardisationsApart() {
    assertThat(PixelScale.BYTE.id()).isEqualTo("BYTE");
    assertThat(PixelScale.SIGNED.id()).isEqualTo("SIGNED");
    PixelScale other = PixelScale.meanStd(List.of(0.2, 0.5, 0.8), List.of(0.1, 0.25, 0.51));
    assertThat(STANDARD.id()).startsWith("MEAN_STD[").isNotEqualTo(other.id());
    assertThat(STANDARD).isNotEqualTo(other);
    assertThat(PixelScale.meanStd(List.of(0.2, 0.5, 0.8), List.of(0.1, 0.25, 0.5)))
        .isEqualTo(STANDARD)
        .hasSameHashCodeAs(STANDARD);
  }

  @Test
  void badValuesAreRefusedNamingThem() {
    assertThatThrownBy(() -> PixelScale.meanStd(List.of(0.5), List.of(0.0)))
        .hasMessageContaining("channel 0")
        .hasMessageContaining("std 0.0");
    assertThatThrownBy(() -> PixelScale.meanStd(List.of(0.5, 0.5), List.of(0.2)))
        .hasMessageContaining("one value per channel");
    assertThatThrownBy(() -> PixelScale.parse("percent", List.of(), List.of()))
        .hasMessageContaining("'percent'");
    assertThatThrownBy(() -> STANDARD.apply(Nd4j.zeros(1, 1, 2, 2)))
        .hasMessageContaining("1-channel pixels with 3 means");
  }

  @Test
  void serializedScalesComeBackEqualAndNamedRangesAsTheirConstants() throws Exception {
    for (PixelScale scale : List.of(PixelScale.UNIT, PixelScale.SIGNED, STANDARD)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(scale);
      }
      Object back;
      try (ObjectInputStream in =
          new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        back = in.readObject();
      }
      assertThat(back).isEqualTo(scale);
      if (!scale.isMeanStd()) {
        assertThat(back).isSameAs(scale);
      }
    }
  }
}
