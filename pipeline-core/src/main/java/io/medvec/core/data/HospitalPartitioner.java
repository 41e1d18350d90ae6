package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deals training images into a stratified public pool and K hospitals.
 *
 * <ol>
 *   <li>Public pool: per class, {@link #publicCount} images chosen at random: {@code
 *       round(publicFraction * classCount)}, and at least one of a class with two or more images
 *       when {@code publicFraction > 0}, so that a small dataset's pool still holds every class.
 *   <li>IID: the rest, shuffled within each class, is dealt round-robin class after class from a
 *       random first hospital, so hospital sizes and each class's per-hospital counts differ by at
 *       most one (stratified dealing).
 *   <li>DIRICHLET: per class, proportions p ~ Dir(alpha) over the K hospitals split that class's
 *       shuffled images (Hsu et al., "Measuring the effects of non-identical data distribution for
 *       federated visual classification", 2019). A draw that leaves a hospital below {@code
 *       minPerHospital} is redrawn from the same stream, at most {@value #MAX_DRAWS} times.
 * </ol>
 *
 * <p>{@link #assignBySite} deals by a real column instead: the public pool as in 1., then each
 * image to the hospital of its site.
 *
 * <p>All randomness comes from one {@link SplittableRandom} seeded with {@code spec.seed()}.
 */
public final class HospitalPartitioner {
  /** Dirichlet draws tried before giving up on {@code minPerHospital}. */
  static final int MAX_DRAWS = 100;

  /** Id of the hospital that the sites below {@code minSiteExamples} are merged into. */
  public static final String OTHER = "other";

  /** The public pool's id in {@link SitePartition#hospitalOfSite}, as the assignment names it. */
  private static final String PUBLIC_ID = "public";

  private static final Logger LOG = LoggerFactory.getLogger(HospitalPartitioner.class);

  /**
   * A by-column partition and how its sites became hospitals.
   *
   * @param assignment hospitals named by their sites, in id order, {@value #OTHER} last
   * @param hospitalOfSite each site value → the id of its hospital ({@value #OTHER}, or {@code
   *     public} when even the merged sites stayed below the minimum)
   * @param mergedSites the sites below the minimum, merged into {@value #OTHER}
   * @param mergedIntoPublic training examples of the merged sites that joined the public pool
   *     because {@value #OTHER} stayed below the minimum
   */
  public record SitePartition(
      Assignment assignment,
      Map<String, String> hospitalOfSite,
      List<String> mergedSites,
      int mergedIntoPublic) {}

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
    checkArgument(
        spec.mode() != PartitionMode.BY_COLUMN,
        "Cannot partition by column %s without its values: use assignBySite (%s)",
        spec.column(),
        spec);
    SplittableRandom rng = new SplittableRandom(spec.seed());
    int[][] byClass = shuffledByClass(labels, numClasses, rng);
    int[] hospitalOf = new int[labels.length];
    Arrays.fill(hospitalOf, Assignment.PUBLIC);
    int[][] rest = new int[numClasses][];
    int remaining = 0;
    for (int c = 0; c < numClasses; c++) {
      int publicCount = publicCount(spec.publicFraction(), byClass[c].length);
      rest[c] = Arrays.copyOfRange(byClass[c], publicCount, byClass[c].length);
      remaining += rest[c].length;
    }
    checkArgument(
        remaining >= (long) spec.hospitals() * spec.minPerHospital(),
        "Cannot partition %s examples: %s hospitals x minPerHospital %s exceeds the %s left after"
            + " the public pool (publicFraction=%s); %s",
        labels.length,
        spec.hospitals(),
        spec.minPerHospital(),
        remaining,
        spec.publicFraction(),
        remaining / spec.minPerHospital() >= 1
            ? "at most " + remaining / spec.minPerHospital() + " hospital(s) of that size fit"
            : "not one hospital of that size fits");
    if (spec.mode() == PartitionMode.IID) {
      dealIid(rest, hospitalOf, spec.hospitals(), rng);
    } else {
      dealDirichlet(rest, hospitalOf, spec, rng);
    }
    Assignment assignment = new Assignment(spec, hospitalOf, labels.clone(), numClasses);
    LOG.info("Partitioned {} examples: {}", labels.length, assignment);
    return assignment;
  }

  /**
   * The public pool's share of a class of {@code classCount} training images: {@code
   * round(publicFraction * classCount)}, raised to 1 for a class of two or more images when {@code
   * publicFraction > 0} (a pool without some class would pre-train a model that never saw it).
   */
  public static int publicCount(double publicFraction, int classCount) {
    int count = (int) Math.round(publicFraction * classCount);
    return publicFraction > 0 && classCount >= 2 ? Math.max(1, count) : count;
  }

  /**
   * How many examples {@link #assign} deals to hospitals: all but the public pool, whose size per
   * class is {@link #publicCount} whatever the seed.
   */
  public static int dealt(int[] labels, int numClasses, double publicFraction) {
    checkNotNull(labels, "Cannot partition: labels is null");
    int[] counts = new int[numClasses];
    for (int label : labels) {
      checkArgument(
          label >= 0 && label < numClasses,
          "Cannot partition: label %s outside [0, %s)",
          label,
          numClasses);
      counts[label] += 1;
    }
    int dealt = 0;
    for (int count : counts) {
      dealt += count - publicCount(publicFraction, count);
    }
    return dealt;
  }

  /**
   * Assigns every index to the public pool (stratified per class, as {@link #assign}) or to the
   * hospital of its site {@code sites[i]}, a value of the column {@code spec.column()}.
   *
   * <p>A site value becomes a hospital id with every character outside {@code [A-Za-z0-9_-]}
   * replaced by {@code _}; a value that is then no valid id ({@link HospitalId}), or that two
   * values share, is refused naming them. Sites with fewer than {@code spec.minSiteExamples()}
   * examples left after the public pool are merged into one hospital {@value #OTHER}, so that no
   * image is lost and no hospital is too small to fine-tune; when {@value #OTHER} itself stays
   * below the minimum its images join the public pool (the coordinator's data in a simulation).
   *
   * @throws IllegalArgumentException on a missing or invalid site value, or when no site reaches
   *     the minimum
   */
  public static SitePartition assignBySite(
      int[] labels, String[] sites, int numClasses, PartitionSpec spec) {
    checkNotNull(labels, "Cannot partition: labels is null");
    checkNotNull(sites, "Cannot partition: sites is null");
    checkArgument(
        sites.length == labels.length,
        "Cannot partition by column %s: %s site values for %s examples",
        spec.column(),
        sites.length,
        labels.length);
    SplittableRandom rng = new SplittableRandom(spec.seed());
    int[][] byClass = shuffledByClass(labels, numClasses, rng);
    int[] hospitalOf = new int[labels.length];
    Arrays.fill(hospitalOf, Assignment.PUBLIC);
    Map<String, String> idOfSite = siteIds(sites, spec.column());
    Map<String, Integer> counts = new TreeMap<>();
    List<Integer> rest = new ArrayList<>();
    for (int[] indices : byClass) {
      int publicCount = publicCount(spec.publicFraction(), indices.length);
      for (int pos = publicCount; pos < indices.length; pos++) {
        rest.add(indices[pos]);
        counts.merge(idOfSite.get(sites[indices[pos]]), 1, Integer::sum);
      }
    }
    List<String> kept = new ArrayList<>();
    List<String> small = new ArrayList<>();
    int smallExamples = 0;
    for (Map.Entry<String, Integer> c : counts.entrySet()) {
      if (c.getValue() >= spec.minSiteExamples()) {
        kept.add(c.getKey());
      } else {
        small.add(c.getKey());
        smallExamples += c.getValue();
      }
    }
    boolean other = !small.isEmpty() && smallExamples >= spec.minSiteExamples();
    if (!small.isEmpty() && kept.stream().anyMatch(OTHER::equalsIgnoreCase)) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot partition by column %s: site '%s' has the id of the hospital that the sites"
                  + " below %s examples merge into (%s)",
              spec.column(), OTHER, spec.minSiteExamples(), small));
    }
    if (other) {
      kept.add(OTHER);
    }
    checkArgument(
        !kept.isEmpty(),
        "Cannot partition by column %s: no site has %s examples after the public pool (%s)",
        spec.column(),
        spec.minSiteExamples(),
        counts);
    Map<String, String> hospitalOfSite = new TreeMap<>();
    idOfSite.forEach(
        (site, id) ->
            hospitalOfSite.put(site, !small.contains(id) ? id : other ? OTHER : PUBLIC_ID));
    Map<String, Integer> index = new HashMap<>();
    for (int h = 0; h < kept.size(); h++) {
      index.put(kept.get(h), h);
    }
    int intoPublic = 0;
    for (int i : rest) {
      String hospital = hospitalOfSite.get(sites[i]);
      Integer h = index.get(hospital);
      if (h == null) {
        intoPublic++;
      } else {
        hospitalOf[i] = h;
      }
    }
    Assignment assignment =
        new Assignment(
            spec.withHospitals(kept.size()), hospitalOf, labels.clone(), numClasses, kept);
    LOG.info(
        "Partitioned {} examples by column {}: hospitals {}, merged sites {} ({} examples into {})",
        labels.length,
        spec.column(),
        kept,
        small,
        smallExamples,
        other ? OTHER : "the public pool");
    return new SitePartition(assignment, hospitalOfSite, List.copyOf(small), intoPublic);
  }

  /**
   * Each distinct site value → its hospital id; refuses a missing value, a value that is no id once
   * sanitized, and two values with one id.
   */
  static Map<String, String> siteIds(String[] sites, String column) {
    Map<String, String> ids = new TreeMap<>();
    Map<String, String> siteOfId = new HashMap<>();
    for (int i = 0; i < sites.length; i++) {
      String site = sites[i];
      if (site == null || site.isBlank()) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot partition by column %s: training example %s has no value in it",
                column, i));
      }
      if (ids.containsKey(site)) {
        continue;
      }
      String id = sanitize(site);
      Optional<String> problem = HospitalId.problem(id);
      if (problem.isPresent()) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot partition by column %s: site '%s' cannot name a hospital: %s",
                column, site, problem.get()));
      }
      String clash = siteOfId.putIfAbsent(id.toLowerCase(Locale.ROOT), site);
      if (clash != null) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot partition by column %s: sites '%s' and '%s' would both be hospital %s",
                column, clash, site, id));
      }
      ids.put(site, id);
    }
    return ids;
  }

  /** {@code site} with every character outside {@code [A-Za-z0-9_-]} replaced by {@code _}. */
  public static String sanitize(String site) {
    return site.strip().replaceAll("[^A-Za-z0-9_-]", "_");
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
