package io.medvec.core.merge.screen;

import java.util.List;

/**
 * What screening found and did, recorded in the merge manifest.
 *
 * @param policy the policy applied
 * @param applied whether the statistics were computed (false when off or with too few vectors)
 * @param note why not applied, or a summary of the flags
 * @param medianNorm median L2 norm of the vectors
 * @param vectors one entry per vector, in hospital order
 */
public record ScreeningReport(
    ScreeningPolicy policy, boolean applied, String note, double medianNorm, List<Entry> vectors) {

  public ScreeningReport {
    vectors = List.copyOf(vectors);
  }

  /**
   * One vector's statistics and fate.
   *
   * @param hospital hospital id
   * @param norm L2 norm of τ
   * @param normZ robust z-score of the norm
   * @param medianCosine median cosine similarity to the other vectors
   * @param cosineZ robust z-score of the median cosine
   * @param flags {@code norm-high}, {@code norm-low}, {@code cosine}
   * @param weight the factor the vector enters the sum with (1 = unchanged, 0 = rejected)
   */
  public record Entry(
      String hospital,
      double norm,
      double normZ,
      double medianCosine,
      double cosineZ,
      List<String> flags,
      double weight) {
    public Entry {
      flags = List.copyOf(flags);
    }
  }

  /** Whether every vector enters the sum unchanged. */
  public boolean unweighted() {
    return vectors.stream().allMatch(e -> e.weight() == 1.0);
  }

  /** Hospitals with at least one flag. */
  public List<String> flagged() {
    return vectors.stream().filter(e -> !e.flags().isEmpty()).map(Entry::hospital).toList();
  }
}
