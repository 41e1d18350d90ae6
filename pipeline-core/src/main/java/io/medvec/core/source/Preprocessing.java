package io.medvec.core.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.io.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How every image becomes network input, declared once by the coordinator and recorded with the
 * base model: channels, then the aspect rule and resize to {@code width x height}, then (training
 * only) {@link Augmentation}, then intensity scaling. Hospitals apply exactly this; {@link
 * #checkCompatible} refuses any other.
 *
 * @param width target width in pixels
 * @param height target height in pixels
 * @param aspect how an image of another aspect ratio fits the target
 * @param interpolation the resampling kernel
 * @param channels grey (1) or RGB (3); grey becomes RGB by repetition, RGB grey by ITU-R 601 luma
 * @param scaling intensities in [0, 1], or standardised per channel
 * @param mean per-channel means for {@link Scaling#MEAN_STD} (one per channel), else empty
 * @param std per-channel standard deviations for {@link Scaling#MEAN_STD}, each > 0, else empty
 * @param augmentation the seeded training augmentation
 */
public record Preprocessing(
    int width,
    int height,
    Aspect aspect,
    Interpolation interpolation,
    Channels channels,
    Scaling scaling,
    List<Double> mean,
    List<Double> std,
    Augmentation augmentation)
    implements java.io.Serializable {

  /** How an image whose aspect ratio differs from the target's fits it. */
  public enum Aspect {
    /** Scale to fit inside, centre, fill the border with black. */
    PAD,
    /** Cut the largest centred region of the target's aspect ratio, then scale. */
    CENTER_CROP
  }

  /** The resampling kernel, as Pillow's of the same name. */
  public enum Interpolation {
    BILINEAR(Resize.Filter.BILINEAR),
    AREA(Resize.Filter.AREA);

    final Resize.Filter filter;

    Interpolation(Resize.Filter filter) {
      this.filter = filter;
    }
  }

  /** Channels of the network input. */
  public enum Channels {
    GREY(1),
    RGB(3);

    private final int count;

    Channels(int count) {
      this.count = count;
    }

    public int count() {
      return count;
    }
  }

  /** Intensity scaling. */
  public enum Scaling {
    /** Values in [0, 1] (8-bit {@code v / 255}). */
    UNIT,
    /** {@code (v - mean[c]) / std[c]} of the [0, 1] value. */
    MEAN_STD
  }

  public Preprocessing {
    if (width < 1 || height < 1 || width > 4096 || height > 4096) {
      throw refuse("size must be in [1, 4096]", width + "x" + height);
    }
    if (aspect == null
        || interpolation == null
        || channels == null
        || scaling == null
        || augmentation == null) {
      throw refuse("aspect, interpolation, channels, scaling and augmentation are required", "");
    }
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    int expected = scaling == Scaling.MEAN_STD ? channels.count() : 0;
    if (mean.size() != expected || std.size() != expected) {
      throw refuse(
          "mean and std need "
              + expected
              + " values for "
              + kebab(scaling)
              + " with "
              + kebab(channels),
          mean + ", " + std);
    }
    if (std.stream().anyMatch(s -> !(s > 0) || s.isInfinite())) {
      throw refuse("std values must be > 0", std.toString());
    }
  }

  private static IllegalArgumentException refuse(String why, String value) {
    return new IllegalArgumentException(
        "Cannot declare preprocessing: " + why + " (" + value + ")");
  }

  /** Square {@code size} images in [0, 1], bilinear, centre-cropped, without augmentation. */
  public static Preprocessing unit(int size, Channels channels) {
    return new Preprocessing(
        size,
        size,
        Aspect.CENTER_CROP,
        Interpolation.BILINEAR,
        channels,
        Scaling.UNIT,
        List.of(),
        List.of(),
        Augmentation.NONE);
  }

  /** This preprocessing with {@code other} augmentation. */
  public Preprocessing withAugmentation(Augmentation other) {
    return new Preprocessing(
        width, height, aspect, interpolation, channels, scaling, mean, std, other);
  }

  /** Floats per preprocessed image: channels x height x width. */
  public int imageSize() {
    return channels.count() * height * width;
  }

  /** Preprocesses {@code image} without augmentation: CHW floats of {@link #imageSize()}. */
  public float[] apply(DecodedImage image) {
    return scale(resized(image));
  }

  /** Preprocesses {@code image} for training, augmented for (seed, epoch, id) when enabled. */
  public float[] applyForTraining(DecodedImage image, long seed, int epoch, String id) {
    return scale(augment(resized(image), seed, epoch, id));
  }

  /** Channels converted and resized, values in [0, 1]: the part a decoded cache may keep. */
  public float[] resized(DecodedImage image) {
    DecodedImage converted =
        image.channels() == 3 && channels == Channels.GREY ? grey(image) : image;
    float[] out = fit(converted);
    return converted.channels() == 1 && channels == Channels.RGB ? repeat(out) : out;
  }

  /** The training augmentation of a {@link #resized} image. */
  public float[] augment(float[] resized, long seed, int epoch, String id) {
    return augmentation.apply(resized, channels.count(), height, width, seed, epoch, id);
  }

  /**
   * The intensity scaling of a resized (and maybe augmented) image: the input itself for {@link
   * Scaling#UNIT}, a new array when standardising (the input, which a cache may hold, is kept).
   */
  public float[] scale(float[] chw) {
    if (scaling == Scaling.UNIT) {
      return chw;
    }
    float[] out = chw.clone();
    int plane = width * height;
    for (int c = 0; c < channels.count(); c++) {
      float m = mean.get(c).floatValue();
      float s = std.get(c).floatValue();
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        out[i] = (out[i] - m) / s;
      }
    }
    return out;
  }

  private float[] fit(DecodedImage image) {
    int sw = image.width();
    int sh = image.height();
    int c = image.channels();
    if (aspect == Aspect.CENTER_CROP) {
      // the widest centred box with the target's aspect ratio
      int cw = sw;
      int ch = sh;
      if ((long) sw * height > (long) sh * width) {
        cw = (int) Math.max(1, Math.round((double) sh * width / height));
      } else {
        ch = (int) Math.max(1, Math.round((double) sw * height / width));
      }
      return Resize.resize(
          image.pixels(),
          c,
          sw,
          sh,
          (sw - cw) / 2,
          (sh - ch) / 2,
          cw,
          ch,
          width,
          height,
          interpolation.filter);
    }
    double s = Math.min((double) width / sw, (double) height / sh);
    int fw = (int) Math.max(1, Math.min(width, Math.round(sw * s)));
    int fh = (int) Math.max(1, Math.min(height, Math.round(sh * s)));
    float[] inner =
        Resize.resize(image.pixels(), c, sw, sh, 0, 0, sw, sh, fw, fh, interpolation.filter);
    float[] out = new float[c * width * height];
    int ox = (width - fw) / 2;
    int oy = (height - fh) / 2;
    for (int k = 0; k < c; k++) {
      for (int y = 0; y < fh; y++) {
        System.arraycopy(inner, (k * fh + y) * fw, out, (k * height + y + oy) * width + ox, fw);
      }
    }
    return out;
  }

  private static DecodedImage grey(DecodedImage rgb) {
    int plane = rgb.planeSize();
    float[] p = rgb.pixels();
    float[] out = new float[plane];
    for (int i = 0; i < plane; i++) {
      out[i] = 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i];
    }
    return new DecodedImage(rgb.width(), rgb.height(), 1, out);
  }

  private static float[] repeat(float[] grey) {
    float[] out = new float[grey.length * 3];
    for (int c = 0; c < 3; c++) {
      System.arraycopy(grey, 0, out, c * grey.length, grey.length);
    }
    return out;
  }

  /** The canonical form: every field, keys sorted, enums in kebab-case. */
  public Map<String, Object> canonical() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("enabled", augmentation.enabled());
    a.put("horizontal_flip", augmentation.horizontalFlip());
    a.put("vertical_flip", augmentation.verticalFlip());
    a.put("rotation_degrees", augmentation.rotationDegrees());
    a.put("crop_fraction", augmentation.cropFraction());
    a.put("brightness", augmentation.brightness());
    a.put("contrast", augmentation.contrast());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("width", width);
    m.put("height", height);
    m.put("aspect", kebab(aspect));
    m.put("interpolation", kebab(interpolation));
    m.put("channels", kebab(channels));
    m.put("scaling", kebab(scaling));
    m.put("mean", mean);
    m.put("std", std);
    m.put("augmentation", a);
    return m;
  }

  /**
   * The canonical JSON text, the same for equal declarations on every machine (keys sorted, {@code
   * \n} line ends whatever the platform's).
   */
  public String toJson() {
    return Json.write(canonical()).replace(System.lineSeparator(), "\n");
  }

  /** SHA-256 of {@link #toJson()}, 64 hex digits. */
  public String fingerprint() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(toJson().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Cannot fingerprint preprocessing: no SHA-256", e);
    }
  }

  /** Parses {@link #toJson()} output; {@code source} names the file in errors. */
  public static Preprocessing fromJson(String json, String source) {
    JsonNode n = Json.readTree(json, source);
    try {
      JsonNode a = n.required("augmentation");
      return new Preprocessing(
          n.required("width").asInt(),
          n.required("height").asInt(),
          constant(Aspect.class, n.required("aspect").asText()),
          constant(Interpolation.class, n.required("interpolation").asText()),
          constant(Channels.class, n.required("channels").asText()),
          constant(Scaling.class, n.required("scaling").asText()),
          numbers(n.required("mean")),
          numbers(n.required("std")),
          new Augmentation(
              a.required("enabled").asBoolean(),
              a.required("horizontal_flip").asBoolean(),
              a.required("vertical_flip").asBoolean(),
              a.required("rotation_degrees").asDouble(),
              a.required("crop_fraction").asDouble(),
              a.required("brightness").asDouble(),
              a.required("contrast").asDouble()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot read preprocessing from " + source + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses {@code other} (a hospital's) unless it equals this (the base model's), naming the first
   * field that differs.
   */
  public void checkCompatible(Preprocessing other) {
    Map<String, Object> mine = flat(canonical());
    Map<String, Object> theirs = flat(other.canonical());
    for (Map.Entry<String, Object> field : mine.entrySet()) {
      Object value = theirs.get(field.getKey());
      if (!field.getValue().equals(value)) {
        throw new IllegalArgumentException(
            "Cannot use preprocessing: "
                + field.getKey()
                + " differs from the base model's (base "
                + field.getValue()
                + ", given "
                + value
                + ")");
      }
    }
  }

  private static Map<String, Object> flat(Map<String, Object> canonical) {
    Map<String, Object> out = new LinkedHashMap<>();
    canonical.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> sub) {
            sub.forEach((sk, sv) -> out.put(k + "." + sk, sv));
          } else {
            out.put(k, v);
          }
        });
    return out;
  }

  private static List<Double> numbers(JsonNode array) {
    List<Double> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asDouble()));
    return values;
  }

  public static String kebab(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static <E extends Enum<E>> E constant(Class<E> type, String text) {
    for (E e : type.getEnumConstants()) {
      if (kebab(e).equals(text)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "unknown " + type.getSimpleName().toLowerCase(Locale.ROOT) + " (" + text + ")");
  }
}
