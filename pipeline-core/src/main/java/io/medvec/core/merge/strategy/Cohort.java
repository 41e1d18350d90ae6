package io.medvec.core.merge.strategy;

import java.util.List;

/**
 * The vectors of one merge, in hospital-id order: who they are and how many examples each was
 * trained on, plus the merge's seed.
 *
 * @param hospitals hospital ids, sorted and distinct
 * @param examples training examples per hospital, same order
 * @param seed seed of any randomness in the merge
 */
record Cohort(List<String> hospitals, long[] examples, long seed) {

  Cohort {
    hospitals = List.copyOf(hospitals);
    examples = examples.clone();
    if (hospitals.isEmpty() || hospitals.size() != examples.length) {
      throw new IllegalArgumentException(
          "Cannot merge: "
              + hospitals.size()
              + " hospitals but "
              + examples.length
              + " example counts");
    }
    for (int j = 0; j < examples.length; j++) {
      if (examples[j] <= 0) {
        throw new IllegalArgumentException(
            "Cannot merge: hospital "
                + hospitals.get(j)
                + " has "
                + examples[j]
                + " training examples");
      }
    }
  }

  /** K, the number of vectors. */
  int size() {
    return hospitals.size();
  }
}
