package io.medvec.core.privacy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a fine-tune releases its data vector under differential privacy ({@code finetune.dp.*}): clip
 * τ to L2 norm S, add N(0, (z·S)²) per coordinate (see {@link GaussianMechanism}).
 *
 * <p>Keys: {@link #KEYS}, each declared below with its default and meaning.
 *
 * @param clipNorm S &gt; 0 ({@code finetune.dp.clip-norm})
 * @param noiseMultiplier z &gt; 0 ({@code finetune.dp.noise-multiplier}), or calibrated from a
 *     target ε at δ for one release ({@code finetune.dp.epsilon})
 * @param delta δ of the (ε, δ) guarantee, in (0, 1) ({@code finetune.dp.delta})
 * @param noiseSeed {@code finetune.dp.noise-seed}: null ({@code secret}) for a fresh secret seed
 *     per release (the default, and the only private choice); a number: reproducible noise for
 *     tests and audits, removable by anyone who knows it
 */
public record DpSettings(double clipNorm, double noiseMultiplier, double delta, Long noiseSeed)
    implements Serializable {

  private static final String PREFIX = "finetune.dp.";

  public static final ConfigKey<Boolean> ENABLED =
      ConfigKey.bool(
          PREFIX + "enabled",
          false,
          "release each hospital's data vector under (epsilon, delta) differential privacy");
  public static final ConfigKey<Double> CLIP_NORM =
      ConfigKey.positive(
              PREFIX + "clip-norm", 1, "the L2 norm S every released vector is clipped to")
          .defaultText("required when enabled");
  public static final ConfigKey<Double> EPSILON =
      ConfigKey.positive(
              PREFIX + "epsilon",
              1,
              "target epsilon of one release at delta; calibrates the noise multiplier (or set noise-multiplier)")
          .defaultText("exactly one of epsilon, noise-multiplier when enabled");
  public static final ConfigKey<Double> NOISE_MULTIPLIER =
      ConfigKey.positive(
              PREFIX + "noise-multiplier",
              1,
              "noise standard deviation z in units of S (or set epsilon)")
          .defaultText("exactly one of epsilon, noise-multiplier when enabled");
  public static final ConfigKey<Double> DELTA =
      ConfigKey.number(
              PREFIX + "delta",
              1e-5,
              Double.MIN_VALUE,
              0.5,
              "delta of the (epsilon, delta) guarantee")
          .accepts("a number in (0, 0.5]");
  public static final ConfigKey<String> NOISE_SEED =
      ConfigKey.string(
              PREFIX + "noise-seed",
              "secret",
              "secret: a fresh secret seed per release (the only private choice); an integer: reproducible noise"
                  + " for tests and audits")
          .accepts("secret or an integer");

  /** The keys {@link #from} reads. */
  public static final ConfigGroup KEYS =
      ConfigGroup.of(
          "finetune.dp: differential privacy of released vectors",
          ENABLED,
          CLIP_NORM,
          EPSILON,
          NOISE_MULTIPLIER,
          DELTA,
          NOISE_SEED);

  /** Keys that mean nothing while DP is off. */
  private static final List<ConfigKey<?>> SETTINGS =
      List.of(CLIP_NORM, EPSILON, NOISE_MULTIPLIER, DELTA, NOISE_SEED);

  public DpSettings {
    new GaussianMechanism(clipNorm, noiseMultiplier); // validates S and z
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException(
          "Cannot use differential privacy: delta must be in (0, 1) (" + delta + ")");
    }
  }

  /**
   * Reads the {@code finetune.dp} section; null when {@code enabled} is false (the default). Any
   * other dp key set while DP is off is an error: a user who set an ε must not silently get none.
   */
  public static DpSettings from(ConfigMap dp) {
    if (!ENABLED.read(dp)) {
      for (ConfigKey<?> key : SETTINGS) {
        if (key.isSet(dp)) {
          throw new ConfigException(
              "Invalid config key '"
                  + key.name()
                  + "': differential privacy is off"
                  + " (set "
                  + ENABLED.name()
                  + "=true, or remove the key)");
        }
      }
      return null;
    }
    if (!CLIP_NORM.isSet(dp)) {
      throw new ConfigException(
          "Missing required config key '"
              + CLIP_NORM.name()
              + "' (the L2 norm S every"
              + " released vector is clipped to) while "
              + ENABLED.name()
              + "=true");
    }
    double clipNorm = CLIP_NORM.read(dp);
    double delta = DELTA.read(dp);
    boolean byEpsilon = EPSILON.isSet(dp);
    if (byEpsilon == NOISE_MULTIPLIER.isSet(dp)) {
      throw new ConfigException(
          "Invalid config keys '"
              + EPSILON.name()
              + "' and '"
              + NOISE_MULTIPLIER.name()
              + "':"
              + " set exactly one (epsilon calibrates the noise multiplier for one release at delta)");
    }
    double z =
        byEpsilon
            ? GaussianMechanism.noiseMultiplierFor(EPSILON.read(dp), delta)
            : NOISE_MULTIPLIER.read(dp);
    String seed = NOISE_SEED.read(dp);
    Long noiseSeed;
    if (seed.equals("secret")) {
      noiseSeed = null;
    } else {
      try {
        noiseSeed = Long.parseLong(seed);
      } catch (NumberFormatException e) {
        throw new ConfigException(
            "Invalid config key '"
                + NOISE_SEED.name()
                + "': expected 'secret' or an integer ("
                + seed
                + ")");
      }
    }
    return new DpSettings(clipNorm, z, delta, noiseSeed);
  }

  public GaussianMechanism mechanism() {
    return new GaussianMechanism(clipNorm, noiseMultiplier);
  }

  /**
   * The noise seed of {@code hospital}'s release: secret and fresh, or derived from the fixed seed.
   */
  public long seedFor(String hospital) {
    if (noiseSeed == null) {
      return new SecureRandom().nextLong();
    }
    return new SplittableRandom(noiseSeed ^ (long) hospital.hashCode() * 0x9E3779B97F4A7C15L)
        .nextLong();
  }
}
