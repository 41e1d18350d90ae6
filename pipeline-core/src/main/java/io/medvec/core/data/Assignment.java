package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Which training image goes where: {@code hospitalOf[i]} is {@link #PUBLIC} for the coordinator's
 * public pool, else the hospital index in [0, K). {@code labels[i]} is image i's class. {@code
 * ids.get(h)} is hospital h's id: {@code h0, h1, …} for simulated hospitals, a site's name for
 * {@link PartitionMode#BY_COLUMN}.
 *
 * <p>Immutable by contract: the arrays are shared, not copied, and must not be modified. {@link
 * #equals} and {@link #hashCode} compare array contents.
 */
public record Assignment(
    PartitionSpec spec, int[] hospitalOf, int[] labels, int numClasses, List<String> ids) {
  /** {@code hospitalOf} value of an image in the public pool. */
  public static final int PUBLIC = -1;

  private static final Pattern HOSPITAL_ID = Pattern.compile("h(0|[1-9][0-9]{0,8})");

  /** An assignment of simulated hospitals {@code h0 … h(K-1)}. */
  public Assignment(PartitionSpec spec, int[] hospitalOf, int[] labels, int numClasses) {
    this(
        spec,
        hospitalOf,
        labels,
        numClasses,
        spec == null
            ? null
            : IntStream.range(0, spec.hospitals()).mapToObj(Assignment::hospitalId).toList());
  }

  /** Validates lengths, ranges and ids. */
  public Assignment {
    checkNotNull(spec, "Cannot create assignment: spec is null");
    checkNotNull(hospitalOf, "Cannot create assignment: hospitalOf is null");
    checkNotNull(labels, "Cannot create assignment: labels is null");
    checkArgument(
        hospitalOf.length == labels.length,
        "Cannot create assignment: hospitalOf and labels differ in length (%s vs %s)",
        hospitalOf.length,
        labels.length);
    checkArgument(
        numClasses >= 1, "Cannot create assignment: numClasses must be >= 1 (%s)", numClasses);
    checkNotNull(ids, "Cannot create assignment: ids is null");
    checkArgument(
        ids.size() == spec.hospitals() && new HashSet<>(ids).size() == ids.size(),
        "Cannot create assignment: ids must name the %s hospitals once each (%s)",
        spec.hospitals(),
        ids);
    ids = List.copyOf(ids);
    // plain loop tests first: varargs would box every element
    for (int i = 0; i < labels.length; i++) {
      if (hospitalOf[i] < PUBLIC || hospitalOf[i] >= spec.hospitals()) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot create assignment: hospitalOf[%s] must be -1 or in [0, %s) (%s)",
                i, spec.hospitals(), hospitalOf[i]));
      }
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot create assignment: labels[%s] must be in [0, %s) (%s)",
                i, numClasses, labels[i]));
      }
    }
  }

  /** Number of hospitals K. */
  public int hospitals() {
    return spec.hospitals();
  }

  /** Indices of the public pool, ascending. */
  public int[] publicIndices() {
    return indicesOf(PUBLIC);
  }

  /** Indices of hospital {@code hospital}'s images, ascending. */
  public int[] hospitalIndices(int hospital) {
    checkHospital(hospital, false);
    return indicesOf(hospital);
  }

  /** Images per class of a hospital, or of the public pool for {@link #PUBLIC}. */
  public long[] labelCounts(int hospitalOrPublic) {
    checkHospital(hospitalOrPublic, true);
    long[] counts = new long[numClasses];
    for (int i = 0; i < labels.length; i++) {
      if (hospitalOf[i] == hospitalOrPublic) {
        counts[labels[i]]++;
      }
    }
    return counts;
  }

  /** Number of images of a hospital, or of the public pool for {@link #PUBLIC}. */
  public int size(int hospitalOrPublic) {
    checkHospital(hospitalOrPublic, true);
    return (int) Arrays.stream(hospitalOf).filter(h -> h == hospitalOrPublic).count();
  }

  /** The id of hospital {@code hospital} of this assignment. */
  public String id(int hospital) {
    checkHospital(hospital, false);
    return ids.get(hospital);
  }

  /** Id of simulated hospital {@code hospital}: {@code h0}, {@code h1}, ... */
  public static String hospitalId(int hospital) {
    checkArgument(hospital >= 0, "Cannot name hospital: index must be >= 0 (%s)", hospital);
    return "h" + hospital;
  }

  /** Inverse of {@link #hospitalId}: {@code "h3"} gives 3. */
  public static int hospitalIndex(String id) {
    checkArgument(
        id != null && HOSPITAL_ID.matcher(id).matches(),
        "Cannot parse hospital id: expected h0, h1, ... (%s)",
        id);
    return Integer.parseInt(id.substring(1));
  }

  private int[] indicesOf(int hospitalOrPublic) {
    return IntStream.range(0, hospitalOf.length)
        .filter(i -> hospitalOf[i] == hospitalOrPublic)
        .toArray();
  }

  private void checkHospital(int hospital, boolean publicAllowed) {
    checkArgument(
        hospital >= 0 && hospital < spec.hospitals() || publicAllowed && hospital == PUBLIC,
        "Cannot select hospital: index must be in [0, %s)%s (%s)",
        spec.hospitals(),
        publicAllowed ? " or -1 for the public pool" : "",
        hospital);
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || o instanceof Assignment other
            && spec.equals(other.spec)
            && numClasses == other.numClasses
            && Arrays.equals(hospitalOf, other.hospitalOf)
            && Arrays.equals(labels, other.labels)
            && ids.equals(other.ids);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Objects.hash(spec, numClasses, ids) + Arrays.hashCode(hospitalOf))
        + Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return String.format(
        "Assignment[%s, %d images, %d public, %d classes]",
        spec, labels.length, size(PUBLIC), numClasses);
  }
}
