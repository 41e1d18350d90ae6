package io.medvec.core.privacy;

/**
 * The differential-privacy record of a released data vector, kept in its manifest. It holds only
 * public settings and the accounted guarantee: never the pre-clip norm, whether clipping was
 * active, or the noise seed, each of which would leak what the noise hides.
 *
 * @param mechanism "gaussian"
 * @param accountant how ε was computed ("rdp": Rényi DP, Mironov 2017)
 * @param clipNorm S
 * @param noiseMultiplier z
 * @param sigma per-coordinate noise standard deviation z·S
 * @param delta δ
 * @param releases how many different noisy vectors of this hospital's data were published for this
 *     base, this one included (a rerun with another seed is a new release; an identical one is not)
 * @param epsilon ε of (ε, δ)-DP for all {@code releases} together, per hospital (add or remove the
 *     hospital's whole dataset)
 * @param noiseSeed "secret" (fresh and unrecorded) or "fixed" (reproducible from the job's config;
 *     not private against whoever holds that config)
 * @param bnStats "base": the published batch-norm statistics are θ_pre's own, since the hospital's
 *     running statistics are not covered by the mechanism
 */
public record DpRelease(
    String mechanism,
    String accountant,
    double clipNorm,
    double noiseMultiplier,
    double sigma,
    double delta,
    int releases,
    double epsilon,
    String noiseSeed,
    String bnStats) {

  /** The record of the {@code releases}-th release under {@code settings}. */
  public static DpRelease of(DpSettings settings, int releases) {
    GaussianMechanism m = settings.mechanism();
    return new DpRelease(
        "gaussian",
        "rdp",
        m.clipNorm(),
        m.noiseMultiplier(),
        m.sigma(),
        settings.delta(),
        releases,
        m.epsilon(settings.delta(), releases),
        settings.noiseSeed() == null ? "secret" : "fixed",
        "base");
  }
}
