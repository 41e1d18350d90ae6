package io.medvec.core.merge.screen;

import io.medvec.core.config.ConfigException;
import io.medvec.core.merge.ChunkRange;
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
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screens stored data vectors, then sums them with the resulting weights through {@link VectorSum}
 * (streamed, with the screening weights when some are not 1). Screening reads the K vectors chunk
 * range by chunk range into per-chunk inner products ({@link GramPartials}), so it never holds the
 * K vectors: memory a few chunks of each vector besides the sum, whatever K.
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
    return of(
        ordered.stream().map(v -> v.manifest().hospital()).toList(),
        policy,
        () ->
            GramPartials.compute(store.conf(), ChunkRange.members(ordered, layout), layout.size()),
        weights ->
            weights == null
                ? VectorSum.sum(store, ordered, layout)
                : VectorSum.sum(store, ordered, layout, weights));
  }

  /**
   * Screens the vectors of {@code hospitals} (in hospital-id order) from their Gram matrix (see
   * {@link GramPartials}; computed only when screening is on), then sums them with {@code
   * weightedSum}: it receives the weights in the same order, or null when every weight is 1.
   */
  public static ScreenedSum of(
      List<String> hospitals,
      ScreeningPolicy policy,
      Supplier<double[]> gram,
      Function<double[], float[]> weightedSum) {
    if (policy.mode() == ScreeningMode.OFF) {
      List<ScreeningReport.Entry> entries =
          hospitals.stream()
              .map(h -> new ScreeningReport.Entry(h, 0, 0, 0, 0, List.of(), 1.0))
              .toList();
      return new ScreenedSum(
          weightedSum.apply(null), new ScreeningReport(policy, false, "screening off", 0, entries));
    }
    ScreeningReport report = VectorScreen.screen(hospitals, gram.get(), policy);
    if (!report.flagged().isEmpty()) {
      LOG.warn("Screening ({}): {}", policy.mode(), report.note());
    } else {
      LOG.info("Screening ({}): {}", policy.mode(), report.note());
    }
    float[] sum =
        weightedSum.apply(
            report.unweighted()
                ? null
                : report.vectors().stream().mapToDouble(ScreeningReport.Entry::weight).toArray());
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
    List<StoredVector> use = keptFor(name, vectors);
    return use == null
        ? sum
        : StrategyMerge.run(store, use, layout, MergeStrategies.get(name), params, seed);
  }

  /**
   * The vectors strategy {@code name} merges (those screening kept), or null for task arithmetic,
   * whose τ_mix is this sum. Down-weighting is a weighted sum, so it needs task arithmetic.
   */
  public List<StoredVector> keptFor(String name, List<StoredVector> vectors) {
    MergeStrategy strategy = MergeStrategies.get(name);
    if (strategy.name().equals(MergeStrategies.DEFAULT)) {
      return null;
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
    return vectors.stream().filter(v -> kept.contains(v.manifest().hospital())).toList();
  }
}
