package io.medvec.core.privacy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a fine-tune releases its data vector under differential privacy ({@code finetune.dp.*}):
 * clip τ to L2 norm S, add N(0, (z·S)²) per coordinate (see {@link GaussianMechanism}).
 *
 * <p>Keys: {@code finetune.dp.enabled} (false), {@code .clip-norm} (required when enabled),
 * exactly one of {@code .epsilon} and {@code .noise-multiplier}, {@code .delta} (1e-5, at most
 * 0.5), {@code .noise-seed} ({@code secret}, or an integer).
 *
 * @param clipNorm S &gt; 0 ({@code finetune.dp.clip-norm})
 * @param noiseMultiplier z &gt; 0 ({@code finetune.dp.noise-multiplier}), or calibrated from a target
 *     ε at δ for one release ({@code finetune.dp.epsilon})
 * @param delta δ of the (ε, δ) guarantee, in (0, 1) ({@code finetune.dp.delta})
 * @param noiseSeed {@code finetune.dp.noise-seed}: null ({@code secret}) for a fresh secret seed
 *     per release (the default, and the only private choice); a number: reproducible noise for
 *     tests and audits, removable by anyone who knows it
 */
public record DpSettings(double clipNorm, double noiseMultiplier, double delta, Long noiseSeed)
    implements Serializable {

  private static final String PREFIX = "finetune.dp.";
  private static final List<String> KEYS =
      List.of("clip-norm", "epsilon", "noise-multiplier", "delta", "noise-seed");

  public DpSettings {
    new GaussianMechanism(clipNorm, noiseMultiplier); // validates S and z
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("Cannot use differential privacy: delta must be in (0, 1) (" + delta + ")");
    }
  }

  /**
   * Reads the {@code finetune.dp} section; null when {@code enabled} is false (the default). Any
   * other dp key set while DP is off is an error: a user who set an ε must not silently get none.
   */
  public static DpSettings from(ConfigMap dp) {
    if (!dp.bool("enabled", false)) {
      for (String key : KEYS) {
        if (dp.has(key)) {
          throw new ConfigException("Invalid config key '" + PREFIX + key + "': differential privacy is off"
              + " (set " + PREFIX + "enabled=true, or remove the key)");
        }
      }
      return null;
    }
    if (!dp.has("clip-norm")) {
      throw new ConfigException("Missing required config key '" + PREFIX + "clip-norm' (the L2 norm S every"
          + " released vector is clipped to) while " + PREFIX + "enabled=true");
    }
    double clipNorm = dp.positive("clip-norm", 1);
    double delta = dp.number("delta", 1e-5, Double.MIN_VALUE, 0.5);
    boolean byEpsilon = dp.has("epsilon");
    if (byEpsilon == dp.has("noise-multiplier")) {
      throw new ConfigException("Invalid config keys '" + PREFIX + "epsilon' and '" + PREFIX + "noise-multiplier':"
          + " set exactly one (epsilon calibrates the noise multiplier for one release at delta)");
    }
    double z = byEpsilon
        ? GaussianMechanism.noiseMultiplierFor(dp.positive("epsilon", 1), delta)
        : dp.positive("noise-multiplier", 1);
    String seed = dp.string("noise-seed", "secret");
    Long noiseSeed;
    if (seed.equals("secret")) {
      noiseSeed = null;
    } else {
      try {
        noiseSeed = Long.parseLong(seed);
      } catch (NumberFormatException e) {
        throw new ConfigException("Invalid config key '" + PREFIX + "noise-seed': expected 'secret' or an integer ("
            + seed + ")");
      }
    }
    return new DpSettings(clipNorm, z, delta, noiseSeed);
  }

  public GaussianMechanism mechanism() {
    return new GaussianMechanism(clipNorm, noiseMultiplier);
  }

  /** The noise seed of {@code hospital}'s release: secret and fresh, or derived from the fixed seed. */
  public long seedFor(String hospital) {
    if (noiseSeed == null) {
      return new SecureRandom().nextLong();
    }
    return new SplittableRandom(noiseSeed ^ (long) hospital.hashCode() * 0x9E3779B97F4A7C15L).nextLong();
  }
}
