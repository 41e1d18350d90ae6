package io.medvec.core.source;

import io.medvec.core.data.Split;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The seeded, stratified train/val/test split of a source that has no split of its own. Examples of
 * one patient ({@link Example#patientId()}) form one unit and land in one split together; examples
 * without a patient are units of one. Within each class (a unit's class is that of its first
 * example by id) the units are shuffled with the seed, then val and test are filled to their
 * fraction of the class's images and the rest is train. The result depends only on the seed, the
 * fractions and the examples (ordered by id first), not on listing order.
 *
 * @param valFraction share of each class's images for val, in [0, 1)
 * @param testFraction share for test; {@code valFraction + testFraction < 1}
 * @param seed shuffles the units
 */
public record SplitRule(double valFraction, double testFraction, long seed)
    implements java.io.Serializable {

  public SplitRule {
    if (!(valFraction >= 0 && testFraction >= 0 && valFraction + testFraction < 1)) {
      throw new IllegalArgumentException(
          "Cannot split examples: val and test fractions must be >= 0 and sum to < 1 ("
              + valFraction
              + ", "
              + testFraction
              + ")");
    }
  }

  /** The same examples, ordered by id, with their split assigned. */
  public List<Example> assign(List<Example> examples) {
    List<Example> sorted = new ArrayList<>(examples);
    sorted.sort(Comparator.comparing(Example::id));
    Map<String, List<Example>> units = new LinkedHashMap<>();
    for (Example e : sorted) {
      String key = e.patientId() == null ? "example:" + e.id() : "patient:" + e.patientId();
      units.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
    }
    Map<Integer, List<List<Example>>> byClass = new java.util.TreeMap<>();
    units
        .values()
        .forEach(u -> byClass.computeIfAbsent(u.get(0).label(), k -> new ArrayList<>()).add(u));
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, Split> splitOf = new java.util.HashMap<>();
    for (List<List<Example>> classUnits : byClass.values()) {
      shuffle(classUnits, random);
      int images = classUnits.stream().mapToInt(List::size).sum();
      long valTarget = Math.round(images * valFraction);
      long testTarget = Math.round(images * testFraction);
      long val = 0;
      long test = 0;
      for (List<Example> unit : classUnits) {
        Split split;
        if (val < valTarget) {
          split = Split.VAL;
          val += unit.size();
        } else if (test < testTarget) {
          split = Split.TEST;
          test += unit.size();
        } else {
          split = Split.TRAIN;
        }
        unit.forEach(e -> splitOf.put(e.id(), split));
      }
    }
    return sorted.stream().map(e -> e.withSplit(splitOf.get(e.id()))).toList();
  }

  private static <T> void shuffle(List<T> list, SplittableRandom random) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T tmp = list.get(i);
      list.set(i, list.get(j));
      list.set(j, tmp);
    }
  }
}
