package io.medvec.core.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Renders key declarations for {@code --help}, and finds the declared name nearest a misspelt one
 * for "did you mean" hints.
 */
public final class ConfigHelp {
  private static final String INDENT = "  ";
  private static final String DOC_INDENT = "      ";
  private static final int WIDTH = 100;

  private ConfigHelp() {}

  /**
   * Every key of {@code groups} as {@code name: default} followed by its meaning and accepted
   * values on the next line, grouped under each group's title.
   */
  public static String render(List<ConfigGroup> groups) {
    StringBuilder out = new StringBuilder();
    for (ConfigGroup group : groups) {
      out.append(INDENT).append(group.title()).append('\n');
      for (ConfigKey<?> key : group.keys()) {
        out.append(INDENT).append(INDENT).append(key.displayName()).append(": ");
        out.append(key.defaultText()).append('\n');
        String doc = key.doc() + key.accepts().map(a -> " (" + a + ")").orElse("");
        wrap(doc).forEach(line -> out.append(DOC_INDENT).append(line).append('\n'));
      }
    }
    return out.toString();
  }

  /** Words of {@code text} in lines of at most {@link #WIDTH} characters after the indent. */
  static List<String> wrap(String text) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > WIDTH - DOC_INDENT.length()) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.length() > 0 ? " " : "").append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  /**
   * The candidate closest to {@code typed} by edit distance, if it is close enough to be a typo (at
   * most a third of the typed length, and at least 1 or 2 edits away).
   */
  public static Optional<String> nearest(String typed, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(typed, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    int allowed = Math.max(2, typed.length() / 3);
    return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
