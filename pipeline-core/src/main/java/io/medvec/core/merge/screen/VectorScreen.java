package io.medvec.core.merge.screen;

import io.medvec.core.vector.IncompatibleVectorException;
import java.util.ArrayList;
import java.util.List;

/**
 * Norm and direction outlier screening of data vectors (pure: no I/O).
 *
 * <p>A hostile or broken hospital can ruin θ_mix = θ_pre + λ·Σ τ_j with a single vector: one scaled
 * by 100 dominates the sum, one with flipped sign undoes the others. Honest vectors from one base
 * have similar norms and point the same way (positive pairwise cosines), so two robust statistics
 * catch both attacks: the robust z-score of each ‖τ_j‖, and of each vector's median cosine
 * similarity to the others. Medians and MAD tolerate a minority of bad vectors; with a flagged
 * majority there is nothing to compare against and the merge is refused (except in warn mode). In
 * the spirit of robust aggregation for federated learning (Blanchard et al., Krum, NeurIPS 2017;
 * Yin et al., coordinate-wise median, ICML 2018), but on whole vectors so that the merge stays a
 * weighted task-arithmetic sum.
 */
public final class VectorScreen {

  private VectorScreen() {}

  /** Screens {@code deltas} (one per hospital, all the same length and finite). */
  public static ScreeningReport screen(
      List<String> hospitals, List<float[]> deltas, ScreeningPolicy policy) {
    if (hospitals.size() != deltas.size()) {
      throw new IllegalArgumentException(
          "Cannot screen: " + hospitals.size() + " hospitals for " + deltas.size() + " vectors");
    }
    return screen(hospitals, GramPartials.of(deltas), policy);
  }

  /**
   * Screens the vectors of {@code hospitals} from their Gram matrix {@code gram} (upper triangle,
   * see {@link GramPartials}), so that it needs no vector in memory.
   */
  public static ScreeningReport screen(
      List<String> hospitals, double[] gram, ScreeningPolicy policy) {
    int k = hospitals.size();
    if (gram.length != GramPartials.size(k)) {
      throw new IllegalArgumentException(
          "Cannot screen: " + gram.length + " inner products for " + k + " vectors");
    }
    double[] norms = new double[k];
    for (int j = 0; j < k; j++) {
      norms[j] = Math.sqrt(gram[GramPartials.index(k, j, j)]);
    }
    double medianNorm = k == 0 ? 0 : RobustStats.median(norms);
    if (policy.mode() == ScreeningMode.OFF || k < ScreeningPolicy.MIN_VECTORS) {
      String note =
          policy.mode() == ScreeningMode.OFF
              ? "screening off"
              : "not screened: needs at least "
                  + ScreeningPolicy.MIN_VECTORS
                  + " vectors ("
                  + k
                  + ")";
      List<ScreeningReport.Entry> entries = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        entries.add(new ScreeningReport.Entry(hospitals.get(j), norms[j], 0, 0, 0, List.of(), 1.0));
      }
      return new ScreeningReport(policy, false, note, medianNorm, entries);
    }
    double[] cosines = medianCosines(gram, norms);
    double[] normZ = RobustStats.zScores(norms);
    double[] cosineZ = RobustStats.zScores(cosines);
    List<ScreeningReport.Entry> entries = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      List<String> flags = flags(policy, norms[j], medianNorm, normZ[j], cosines[j], cosineZ[j]);
      entries.add(
          new ScreeningReport.Entry(
              hospitals.get(j),
              norms[j],
              normZ[j],
              cosines[j],
              cosineZ[j],
              flags,
              weight(policy.mode(), flags, norms[j], medianNorm)));
    }
    ScreeningReport report =
        new ScreeningReport(policy, true, summary(entries), medianNorm, entries);
    requireCleanMajority(report);
    return report;
  }

  private static List<String> flags(
      ScreeningPolicy p,
      double norm,
      double medianNorm,
      double normZ,
      double cosine,
      double cosineZ) {
    List<String> flags = new ArrayList<>();
    if (normZ > p.normZ() && norm > p.normRatio() * medianNorm) {
      flags.add("norm-high");
    }
    if (normZ < -p.normZ() && norm * p.normRatio() < medianNorm) {
      flags.add("norm-low");
    }
    if (cosineZ < -p.cosineZ() && cosine < p.minCosine()) {
      flags.add("cosine");
    }
    return flags;
  }

  private static double weight(
      ScreeningMode mode, List<String> flags, double norm, double medianNorm) {
    if (flags.isEmpty() || mode == ScreeningMode.WARN || mode == ScreeningMode.OFF) {
      return 1.0;
    }
    if (mode == ScreeningMode.REJECT || flags.contains("cosine")) {
      return 0.0;
    }
    // down-weight: a too-long vector counts as much as a typical one; a too-short one is harmless
    return flags.contains("norm-high") ? medianNorm / norm : 1.0;
  }

  private static void requireCleanMajority(ScreeningReport report) {
    int flagged = report.flagged().size();
    ScreeningMode mode = report.policy().mode();
    if (2 * flagged >= report.vectors().size() && mode != ScreeningMode.WARN) {
      throw new IncompatibleVectorException(
          "Cannot merge: screening flagged "
              + flagged
              + " of "
              + report.vectors().size()
              + " data vectors, so there is no clean majority to compare against ("
              + report.note()
              + ")");
    }
  }

  private static String summary(List<ScreeningReport.Entry> entries) {
    List<String> parts =
        entries.stream()
            .filter(e -> !e.flags().isEmpty())
            .map(e -> e.hospital() + " " + e.flags() + " weight " + e.weight())
            .toList();
    return parts.isEmpty() ? "no outliers" : "flagged: " + String.join("; ", parts);
  }

  /** For each vector, the median cosine similarity to every other vector. */
  static double[] medianCosines(double[] gram, double[] norms) {
    int k = norms.length;
    double[][] cos = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = i + 1; j < k; j++) {
        double denom = norms[i] * norms[j];
        cos[i][j] = cos[j][i] = denom == 0 ? 0 : gram[GramPartials.index(k, i, j)] / denom;
      }
    }
    double[] medians = new double[k];
    for (int i = 0; i < k; i++) {
      double[] others = new double[k - 1];
      for (int j = 0, n = 0; j < k; j++) {
        if (j != i) {
          others[n++] = cos[i][j];
        }
      }
      medians[i] = RobustStats.median(others);
    }
    return medians;
  }
}
