package io.medvec.core.merge.screen;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;

/**
 * How data vectors are screened before they are summed. A vector is flagged when it is an
 * outlier by a robust z-score (distance from the median in units of 1.4826·MAD, which is the
 * standard deviation for normal data) <em>and</em> by an absolute margin, so that the natural
 * spread of a handful of honest hospitals is never flagged.
 *
 * @param mode {@code merge.screening.mode}: off (default) | warn | down-weight | reject
 * @param normZ {@code merge.screening.norm-z}: robust z-score of the L2 norm beyond which a vector
 *     is a norm outlier (3.5)
 * @param normRatio {@code merge.screening.norm-ratio}: ... and its norm must also be more than this
 *     many times, or less than its inverse, the median norm (3.0)
 * @param cosineZ {@code merge.screening.cosine-z}: robust z-score below which a vector's median
 *     cosine similarity to the others is an outlier (3.5)
 * @param minCosine {@code merge.screening.min-cosine}: ... and that median cosine must also be
 *     below this value (0.0: the vector points away from the others)
 */
public record ScreeningPolicy(ScreeningMode mode, double normZ, double normRatio, double cosineZ, double minCosine) {

  /** Screening needs a median of at least this many vectors to mean anything. */
  public static final int MIN_VECTORS = 3;

  public ScreeningPolicy {
    if (mode == null) {
      throw new ConfigException("Invalid config key 'merge.screening.mode': must not be null");
    }
    if (normRatio <= 1) {
      throw new ConfigException("Invalid config key 'merge.screening.norm-ratio': must be > 1 (" + normRatio + ")");
    }
  }

  /** The default: off, so the merge keeps its one-vector streaming footprint (screening holds all K vectors). */
  public static ScreeningPolicy defaults() {
    return new ScreeningPolicy(ScreeningMode.OFF, 3.5, 3.0, 3.5, 0.0);
  }

  /** Reads {@code screening.*} from the merge section. */
  public static ScreeningPolicy from(ConfigMap merge) {
    ConfigMap s = merge.section("screening");
    ScreeningPolicy d = defaults();
    return new ScreeningPolicy(
        s.enumValue("mode", ScreeningMode.class, d.mode()),
        s.positive("norm-z", d.normZ()),
        s.number("norm-ratio", d.normRatio(), 1.0, 1e6),
        s.positive("cosine-z", d.cosineZ()),
        s.number("min-cosine", d.minCosine(), -1.0, 1.0));
  }
}
