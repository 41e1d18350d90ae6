package io.medvec.core.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How the non-public training images are dealt to hospitals. */
public enum PartitionMode {
  /** Stratified random dealing: hospital sizes and per-class counts differ by at most one. */
  IID,
  /** Per class, proportions over hospitals drawn from a symmetric Dirichlet(alpha): label skew. */
  DIRICHLET,
  /**
   * Each value of a column of the source (a real site, e.g. {@code site}) is a hospital; see {@link
   * HospitalPartitioner#assignBySite}.
   */
  BY_COLUMN;

  /**
   * Parses a mode name, case-insensitively.
   *
   * @throws IllegalArgumentException for an unknown value, listing the valid ones
   */
  public static PartitionMode parse(String s) {
    if (s != null) {
      String wanted = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (PartitionMode mode : values()) {
        if (mode.name().equals(wanted)) {
          return mode;
        }
      }
    }
    throw new IllegalArgumentException(
        String.format(
            "Cannot parse partition mode: unknown value (%s), valid values: %s", s, ids()));
  }

  static List<String> ids() {
    return Arrays.stream(values())
        .map(m -> m.name().toLowerCase(Locale.ROOT).replace('_', '-'))
        .toList();
  }
}
