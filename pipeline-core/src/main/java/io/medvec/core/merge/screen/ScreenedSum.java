package io.medvec.core.merge.screen;

import io.medvec.core.config.ConfigException;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.MergeStrategy;
import io.medvec.core.merge.strategy.StrategyMerge;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screens stored data vectors, then sums them with the resulting weights through {@link VectorSum}
 * (streamed when every weight is 1: off, warn, or nothing flagged; else over the vectors screening
 * read). Screening holds all K vectors in memory (K × parameters × 4 bytes); {@code off} keeps the
 * streaming sum's one-vector footprint.
 *
 * @param sum Σ w_j·τ_j
 * @param report what screening found and did
 */
public record ScreenedSum(float[] sum, ScreeningReport report) {

  private static final Logger LOG = LoggerFactory.getLogger(ScreenedSum.class);

  /** Screens and sums {@code vectors}, all of which must have {@code layout}. */
  public static ScreenedSum of(
      VectorStore store, List<StoredVector> vectors, VectorLayout layout, ScreeningPolicy policy) {
    List<StoredVector> ordered = new ArrayList<>(vectors);
    ordered.sort(Comparator.comparing(v -> v.manifest().hospital()));
    List<String> hospitals = ordered.stream().map(v -> v.manifest().hospital()).toList();
    if (policy.mode() == ScreeningMode.OFF) {
      List<ScreeningReport.Entry> entries =
          hospitals.stream()
              .map(h -> new ScreeningReport.Entry(h, 0, 0, 0, 0, List.of(), 1.0))
              .toList();
      return new ScreenedSum(
          VectorSum.sum(store, ordered, layout),
          new ScreeningReport(policy, false, "screening off", 0, entries));
    }
    List<float[]> deltas = new ArrayList<>();
    for (StoredVector v : ordered) {
      layout.requireSameAs(v.manifest().layout(), "data vector " + v.dir());
      deltas.add(VectorSum.requireFinite(store.readDelta(v), 0, v));
    }
    ScreeningReport report = VectorScreen.screen(hospitals, deltas, policy);
    if (!report.flagged().isEmpty()) {
      LOG.warn("Screening ({}): {}", policy.mode(), report.note());
    } else {
      LOG.info("Screening ({}): {}", policy.mode(), report.note());
    }
    float[] sum =
        report.unweighted()
            ? VectorSum.sum(store, ordered, layout)
            : VectorSum.sum(
                deltas,
                report.vectors().stream().mapToDouble(ScreeningReport.Entry::weight).toArray());
    return new ScreenedSum(sum, report);
  }

  /**
   * τ_mix of strategy {@code name}: this sum for task arithmetic (weights applied), otherwise that
   * strategy (with {@code params}, {@code seed}) over the vectors screening kept. Down-weighting is
   * a weighted sum, so it needs task arithmetic.
   */
  public float[] direction(
      String name,
      VectorStore store,
      List<StoredVector> vectors,
      VectorLayout layout,
      Map<String, String> params,
      long seed) {
    MergeStrategy strategy = MergeStrategies.get(name);
    if (strategy.name().equals(MergeStrategies.DEFAULT)) {
      return sum;
    }
    Set<String> kept = new HashSet<>();
    for (ScreeningReport.Entry e : report.vectors()) {
      if (e.weight() != 0 && e.weight() != 1) {
        throw new ConfigException(
            "Invalid config: merge.screening.mode=down-weight needs merge.strategy="
                + MergeStrategies.DEFAULT
                + " (was "
                + name
                + ")");
      }
      if (e.weight() == 1) {
        kept.add(e.hospital());
      }
    }
    List<StoredVector> use =
        vectors.stream().filter(v -> kept.contains(v.manifest().hospital())).toList();
    return StrategyMerge.run(store, use, layout, strategy, params, seed);
  }
}
