package io.medvec.core.merge.strategy;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The registry of merge strategies by name; unknown names are refused with the valid ones. */
public final class MergeStrategies {

  /** The strategy used when none is configured: the paper's task arithmetic. */
  public static final String DEFAULT = TaskArithmetic.NAME;

  private static final Map<String, MergeStrategy> BY_NAME =
      register(
          new TaskArithmetic(),
          new WeightedSum(),
          new TiesMerging(),
          new DareMerging(),
          new CoordinateMedian(),
          new TrimmedMean());

  private MergeStrategies() {}

  /**
   * The strategy called {@code name}.
   *
   * @throws IllegalArgumentException if there is none, listing the valid names
   */
  public static MergeStrategy get(String name) {
    MergeStrategy strategy = name == null ? null : BY_NAME.get(name);
    if (strategy == null) {
      throw new IllegalArgumentException(
          "Cannot find merge strategy '" + name + "' (valid: " + String.join(", ", names()) + ")");
    }
    return strategy;
  }

  /** Every registered name, sorted. */
  public static Set<String> names() {
    return BY_NAME.keySet();
  }

  /** Every registered strategy, sorted by name. */
  public static Collection<MergeStrategy> all() {
    return BY_NAME.values();
  }

  private static Map<String, MergeStrategy> register(MergeStrategy... strategies) {
    Map<String, MergeStrategy> byName = new TreeMap<>();
    for (MergeStrategy s : strategies) {
      if (byName.put(s.name(), s) != null) {
        throw new IllegalStateException(
            "Cannot register merge strategy " + s.name() + ": name taken twice");
      }
    }
    return Collections.unmodifiableMap(byName);
  }
}
