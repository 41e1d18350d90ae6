package io.medvec.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The input transform a network was trained with, applied to every batch before its forward pass:
 * {@code x' = factor_c·x + offset_c} for a pixel {@code x} in [0, 1] ({@link
 * io.medvec.core.data.ImageSet}) of channel {@code c}. Either one of the named pixel ranges an
 * imported network may expect ({@link Range}), the same for every channel, or a per-channel
 * standardisation {@code (x − mean_c) / std_c} declared by {@code data.image.scaling: mean-std}.
 *
 * <p>Immutable, serializable (it travels with model bytes to Spark tasks); equal when name and
 * per-channel values are equal.
 */
public final class PixelScale implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The named pixel ranges (the values of {@code pretrain.input-scale}). */
  public enum Range {
    /** [0, 1]: the pixel as it is. */
    UNIT,
    /** [0, 255]: the 8-bit value. */
    BYTE,
    /** [-1, 1]: 2·x − 1. */
    SIGNED
  }

  /** The name of a per-channel standardisation, as manifests write it. */
  public static final String MEAN_STD = "mean-std";

  /** [0, 1]: the pixel as it is. */
  public static final PixelScale UNIT = new PixelScale("unit", 1, 0, null, null);

  /** [0, 255]: the 8-bit value. */
  public static final PixelScale BYTE = new PixelScale("byte", 255, 0, null, null);

  /** [-1, 1]: 2·x − 1. */
  public static final PixelScale SIGNED = new PixelScale("signed", 2, -1, null, null);

  private final String name;
  private final float factor;
  private final float offset;
  private final float[] mean;
  private final float[] std;

  private PixelScale(String name, float factor, float offset, float[] mean, float[] std) {
    this.name = name;
    this.factor = factor;
    this.offset = offset;
    this.mean = mean;
    this.std = std;
  }

  /** The scale of a named range. */
  public static PixelScale of(Range range) {
    return switch (range) {
      case UNIT -> UNIT;
      case BYTE -> BYTE;
      case SIGNED -> SIGNED;
    };
  }

  /**
   * Standardisation {@code (x − mean_c) / std_c} per channel.
   *
   * @throws IllegalArgumentException unless both lists have one finite value per channel (at least
   *     one) and every std is > 0, naming the value
   */
  public static PixelScale meanStd(List<? extends Number> mean, List<? extends Number> std) {
    if (mean.isEmpty() || mean.size() != std.size()) {
      throw new IllegalArgumentException(
          "Cannot standardise pixels: mean and std need one value per channel (mean "
              + mean
              + ", std "
              + std
              + ")");
    }
    float[] m = new float[mean.size()];
    float[] s = new float[std.size()];
    for (int c = 0; c < m.length; c++) {
      m[c] = mean.get(c).floatValue();
      s[c] = std.get(c).floatValue();
      if (!Float.isFinite(m[c]) || !(s[c] > 0) || !Float.isFinite(s[c])) {
        throw new IllegalArgumentException(
            "Cannot standardise pixels: channel "
                + c
                + " needs a finite mean and a finite std > 0 (mean "
                + mean.get(c)
                + ", std "
                + std.get(c)
                + ")");
      }
    }
    return new PixelScale(MEAN_STD, Float.NaN, Float.NaN, m, s);
  }

  /**
   * The scale a manifest names: {@code unit}, {@code byte}, {@code signed}, or {@code mean-std}
   * with its {@code mean} and {@code std}.
   *
   * @throws IllegalArgumentException for another name, or mean-std without valid values
   */
  public static PixelScale parse(
      String name, List<? extends Number> mean, List<? extends Number> std) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals(MEAN_STD)) {
      return meanStd(mean, std);
    }
    for (Range r : Range.values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(n)) {
        return of(r);
      }
    }
    throw new IllegalArgumentException(
        "Cannot read pixel scale '" + name + "': must be unit, byte, signed or " + MEAN_STD);
  }

  /**
   * The scale JSON holds: its {@link #fields()} object, or a range's name ({@code "byte"}).
   *
   * @throws IllegalArgumentException for anything else
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static PixelScale fromJson(JsonNode json) {
    if (json.isTextual()) {
      return parse(json.asText(), List.of(), List.of());
    }
    List<Double> mean = new java.util.ArrayList<>();
    List<Double> std = new java.util.ArrayList<>();
    json.path("mean").forEach(v -> mean.add(v.isNumber() ? v.asDouble() : Double.NaN));
    json.path("std").forEach(v -> std.add(v.isNumber() ? v.asDouble() : Double.NaN));
    if (!json.path("scale").isTextual()) {
      throw new IllegalArgumentException("Cannot read pixel scale: no 'scale' name in " + json);
    }
    return parse(json.path("scale").asText(), mean, std);
  }

  /** {@code unit}, {@code byte}, {@code signed} or {@code mean-std}. */
  public String name() {
    return name;
  }

  /** Whether this is a per-channel standardisation. */
  public boolean isMeanStd() {
    return mean != null;
  }

  /** The per-channel means of a standardisation (a copy), else empty. */
  public List<Float> mean() {
    return boxed(mean);
  }

  /** The per-channel standard deviations of a standardisation (a copy), else empty. */
  public List<Float> std() {
    return boxed(std);
  }

  /**
   * As the fields of a manifest's input contract: {@code scale} (the {@link #name()}), and for a
   * standardisation its {@code mean} and {@code std} lists.
   */
  @JsonValue
  public java.util.Map<String, Object> fields() {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("scale", name);
    if (mean != null) {
      out.put("mean", mean());
      out.put("std", std());
    }
    return out;
  }

  /** Whether pixels pass unchanged. */
  public boolean isIdentity() {
    return equals(UNIT);
  }

  /**
   * The factor each of {@code channels} channels is multiplied by: x' = factor·x + offset.
   *
   * @throws IllegalArgumentException for a standardisation of another channel count
   */
  public float[] factors(int channels) {
    float[] f = new float[channels];
    if (mean == null) {
      Arrays.fill(f, factor);
      return f;
    }
    requireChannels(channels);
    for (int c = 0; c < channels; c++) {
      f[c] = 1f / std[c];
    }
    return f;
  }

  /** The offset added to each of {@code channels} channels after its factor. */
  public float[] offsets(int channels) {
    float[] o = new float[channels];
    if (mean == null) {
      Arrays.fill(o, offset);
      return o;
    }
    requireChannels(channels);
    for (int c = 0; c < channels; c++) {
      o[c] = -mean[c] / std[c];
    }
    return o;
  }

  /**
   * A new array holding the transformed pixels of an NCHW batch {@code unitPixels} in [0, 1]
   * (unchanged values for {@link #UNIT}, still a new array).
   */
  public INDArray apply(INDArray unitPixels) {
    if (mean == null) {
      INDArray out = unitPixels.mul(factor);
      return offset == 0 ? out : out.addi(offset);
    }
    int channels = Math.toIntExact(unitPixels.size(1));
    requireChannels(channels);
    INDArray m = Nd4j.create(mean).castTo(unitPixels.dataType());
    INDArray s = Nd4j.create(std).castTo(unitPixels.dataType());
    INDArray out = unitPixels.dup();
    Broadcast.sub(out, m, out, 1);
    return Broadcast.div(out, s, out, 1);
  }

  /**
   * A stable text of the transform for fingerprints: the range's upper-case name ({@code BYTE},
   * {@code SIGNED}), or {@code MEAN_STD} with every mean and std written exactly.
   */
  public String id() {
    if (mean == null) {
      return name.toUpperCase(Locale.ROOT);
    }
    StringBuilder b = new StringBuilder("MEAN_STD");
    for (int c = 0; c < mean.length; c++) {
      b.append(c == 0 ? "[" : ",")
          .append(Float.floatToIntBits(mean[c]))
          .append('/')
          .append(Float.floatToIntBits(std[c]));
    }
    return b.append(']').toString();
  }

  private void requireChannels(int channels) {
    if (channels != mean.length) {
      throw new IllegalArgumentException(
          "Cannot standardise "
              + channels
              + "-channel pixels with "
              + mean.length
              + " means and standard deviations");
    }
  }

  private static List<Float> boxed(float[] values) {
    if (values == null) {
      return List.of();
    }
    Float[] out = new Float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return List.of(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PixelScale p
        && name.equals(p.name)
        && Float.compare(factor, p.factor) == 0
        && Float.compare(offset, p.offset) == 0
        && Arrays.equals(mean, p.mean)
        && Arrays.equals(std, p.std);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + 7 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return mean == null ? name : name + " (mean " + mean() + ", std " + std() + ")";
  }

  /** Deserialises to the shared constants, so that {@code ==} on them stays meaningful. */
  private Object readResolve() {
    if (mean != null) {
      return this;
    }
    return switch (name) {
      case "unit" -> UNIT;
      case "byte" -> BYTE;
      case "signed" -> SIGNED;
      default -> this;
    };
  }
}
