package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deals training images into a stratified public pool and K hospitals.
 *
 * <ol>
 *   <li>Public pool: per class, {@code round(publicFraction * classCount)} images chosen at random.
 *   <li>IID: the rest, shuffled within each class, is dealt round-robin class after class from a
 *       random first hospital, so hospital sizes and each class's per-hospital counts differ by at
 *       most one (stratified dealing).
 *   <li>DIRICHLET: per class, proportions p ~ Dir(alpha) over the K hospitals split that class's
 *       shuffled images (Hsu et al., "Measuring the effects of non-identical data distribution for
 *       federated visual classification", 2019). A draw that leaves a hospital below {@code
 *       minPerHospital} is redrawn from the same stream, at most {@value #MAX_DRAWS} times.
 * </ol>
 *
 * <p>All randomness comes from one {@link SplittableRandom} seeded with {@code spec.seed()}.
 */
public final class HospitalPartitioner {
  /** Dirichlet draws tried before giving up on {@code minPerHospital}. */
  static final int MAX_DRAWS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(HospitalPartitioner.class);

  private HospitalPartitioner() {}

  /**
   * Assigns every index of {@code labels} to the public pool or to a hospital.
   *
   * @throws IllegalArgumentException on bad labels, or when no assignment gives every hospital
   *     {@code minPerHospital} examples
   */
  public static Assignment assign(int[] labels, int numClasses, PartitionSpec spec) {
    checkNotNull(labels, "Cannot partition: labels is null");
    checkNotNull(spec, "Cannot partition: spec is null");
    checkArgument(numClasses >= 1, "Cannot partition: numClasses must be >= 1 (%s)", numClasses);
    SplittableRandom rng = new SplittableRandom(spec.seed());
    int[][] byClass = shuffledByClass(labels, numClasses, rng);
    int[] hospitalOf = new int[labels.length];
    Arrays.fill(hospitalOf, Assignment.PUBLIC);
    int[][] rest = new int[numClasses][];
    int remaining = 0;
    for (int c = 0; c < numClasses; c++) {
      int publicCount = (int) Math.round(spec.publicFraction() * byClass[c].length);
      rest[c] = Arrays.copyOfRange(byClass[c], publicCount, byClass[c].length);
      remaining += rest[c].length;
    }
    checkArgument(
        remaining >= (long) spec.hospitals() * spec.minPerHospital(),
        "Cannot partition %s examples: %s hospitals x minPerHospital %s exceeds the %s left after"
            + " the public pool (publicFraction=%s)",
        labels.length,
        spec.hospitals(),
        spec.minPerHospital(),
        remaining,
        spec.publicFraction());
    if (spec.mode() == PartitionMode.IID) {
      dealIid(rest, hospitalOf, spec.hospitals(), rng);
    } else {
      dealDirichlet(rest, hospitalOf, spec, rng);
    }
    Assignment assignment = new Assignment(spec, hospitalOf, labels.clone(), numClasses);
    LOG.info("Partitioned {} examples: {}", labels.length, assignment);
    return assignment;
  }

  /** Indices of each class, each list shuffled. */
  private static int[][] shuffledByClass(int[] labels, int numClasses, SplittableRandom rng) {
    int[] counts = new int[numClasses];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot partition: label at index %s must be in [0, %s) (%s)",
                i, numClasses, labels[i]));
      }
      counts[labels[i]]++;
    }
    int[][] byClass = new int[numClasses][];
    for (int c = 0; c < numClasses; c++) {
      byClass[c] = new int[counts[c]];
      counts[c] = 0;
    }
    for (int i = 0; i < labels.length; i++) {
      byClass[labels[i]][counts[labels[i]]++] = i;
    }
    for (int[] indices : byClass) {
      shuffle(indices, rng);
    }
    return byClass;
  }

  private static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static void dealIid(int[][] rest, int[] hospitalOf, int hospitals, SplittableRandom rng) {
    int next = rng.nextInt(hospitals); // otherwise h0 would always get the spare examples
    for (int[] indices : rest) {
      for (int index : indices) {
        hospitalOf[index] = next;
        next = (next + 1) % hospitals;
      }
    }
  }

  private static void dealDirichlet(
      int[][] rest, int[] hospitalOf, PartitionSpec spec, SplittableRandom rng) {
    int k = spec.hospitals();
    int[] sizes = new int[k];
    int worst = 0;
    for (int draw = 1; draw <= MAX_DRAWS; draw++) {
      int[][] cuts = new int[rest.length][];
      Arrays.fill(sizes, 0);
      for (int c = 0; c < rest.length; c++) {
        cuts[c] = cuts(Gamma.dirichlet(spec.alpha(), k, rng), rest[c].length);
        for (int h = 0; h < k; h++) {
          sizes[h] += cuts[c][h + 1] - cuts[c][h];
        }
      }
      worst = argMin(sizes);
      if (sizes[worst] >= spec.minPerHospital()) {
        apply(rest, cuts, hospitalOf);
        LOG.debug("Dirichlet draw {} accepted: hospital sizes {}", draw, sizes);
        return;
      }
    }
    throw new IllegalArgumentException(
        String.format(
            "Cannot partition %s examples: hospital %s has %s < %s examples after %s draws (alpha=%s, K=%s)",
            hospitalOf.length,
            Assignment.hospitalId(worst),
            sizes[worst],
            spec.minPerHospital(),
            MAX_DRAWS,
            spec.alpha(),
            k));
  }

  /** Boundaries: hospital h gets positions [cuts[h], cuts[h + 1]) of a class of n examples. */
  static int[] cuts(double[] p, int n) {
    int[] cuts = new int[p.length + 1];
    double cumulative = 0;
    for (int h = 1; h < p.length; h++) {
      cumulative += p[h - 1];
      cuts[h] = Math.max(cuts[h - 1], (int) Math.min(n, Math.round(cumulative * n)));
    }
    cuts[p.length] = n;
    return cuts;
  }

  private static void apply(int[][] rest, int[][] cuts, int[] hospitalOf) {
    for (int c = 0; c < rest.length; c++) {
      for (int h = 0; h + 1 < cuts[c].length; h++) {
        for (int pos = cuts[c][h]; pos < cuts[c][h + 1]; pos++) {
          hospitalOf[rest[c][pos]] = h;
        }
      }
    }
  }

  private static int argMin(int[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] < values[best]) {
        best = i;
      }
    }
    return best;
  }
}
