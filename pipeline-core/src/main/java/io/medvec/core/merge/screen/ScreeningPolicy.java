package io.medvec.core.merge.screen;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;

/**
 * How data vectors are screened before they are summed. A vector is flagged when it is an outlier
 * by a robust z-score (distance from the median in units of 1.4826·MAD, which is the standard
 * deviation for normal data) <em>and</em> by an absolute margin, so that the natural spread of a
 * handful of honest hospitals is never flagged.
 *
 * <p>Each component is read from the key of the same name, declared below with its default and
 * meaning ({@link #MODE}, {@link #NORM_Z}, {@link #NORM_RATIO}, {@link #COSINE_Z}, {@link
 * #MIN_COSINE}).
 */
public record ScreeningPolicy(
    ScreeningMode mode, double normZ, double normRatio, double cosineZ, double minCosine) {

  /** Screening needs a median of at least this many vectors to mean anything. */
  public static final int MIN_VECTORS = 3;

  public ScreeningPolicy {
    if (mode == null) {
      throw new ConfigException("Invalid config key 'merge.screening.mode': must not be null");
    }
    if (normRatio <= 1) {
      throw new ConfigException(
          "Invalid config key 'merge.screening.norm-ratio': must be > 1 (" + normRatio + ")");
    }
  }

  public static final ConfigKey<ScreeningMode> MODE =
      ConfigKey.enumValue(
          "merge.screening.mode",
          ScreeningMode.class,
          ScreeningMode.OFF,
          "screen data vectors for outliers before summing them; off keeps the one-vector streaming footprint");
  public static final ConfigKey<Double> NORM_Z =
      ConfigKey.positive(
          "merge.screening.norm-z",
          3.5,
          "robust z-score of a vector's L2 norm beyond which it is a norm outlier");
  public static final ConfigKey<Double> NORM_RATIO =
      ConfigKey.number(
          "merge.screening.norm-ratio",
          3.0,
          1.0,
          1e6,
          "... and its norm must also be more than this many times (or less than its inverse) the median norm");
  public static final ConfigKey<Double> COSINE_Z =
      ConfigKey.positive(
          "merge.screening.cosine-z",
          3.5,
          "robust z-score below which a vector's median cosine similarity to the others is an outlier");
  public static final ConfigKey<Double> MIN_COSINE =
      ConfigKey.number(
          "merge.screening.min-cosine",
          0.0,
          -1.0,
          1.0,
          "... and that median cosine must also be below this value (0: pointing away from the others)");

  /** The keys {@link #from} reads. */
  public static final ConfigGroup KEYS =
      ConfigGroup.of(
          "merge.screening: outlier screening of data vectors",
          MODE,
          NORM_Z,
          NORM_RATIO,
          COSINE_Z,
          MIN_COSINE);

  /**
   * The default: off, so the merge keeps its one-vector streaming footprint (screening holds all K
   * vectors).
   */
  public static ScreeningPolicy defaults() {
    return new ScreeningPolicy(
        MODE.defaultValue(),
        NORM_Z.defaultValue(),
        NORM_RATIO.defaultValue(),
        COSINE_Z.defaultValue(),
        MIN_COSINE.defaultValue());
  }

  /** Reads {@code screening.*} from the merge section (or the root map). */
  public static ScreeningPolicy from(ConfigMap merge) {
    return new ScreeningPolicy(
        MODE.read(merge),
        NORM_Z.read(merge),
        NORM_RATIO.read(merge),
        COSINE_Z.read(merge),
        MIN_COSINE.read(merge));
  }
}
