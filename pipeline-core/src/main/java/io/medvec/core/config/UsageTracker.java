package io.medvec.core.config;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which keys the typed accessors were asked for, and the value each one resolved to (given or
 * default). This is the one mutable part of a {@link ConfigMap}: it is shared between a map and all
 * its sections so that reading {@code section("merge").number("lambda", ...)} marks {@code
 * merge.lambda} used at the root. Not thread-safe; configs are read on one thread at start.
 */
final class UsageTracker {
  private final SortedMap<String, String> effective = new TreeMap<>();

  /** Records a full key as used, with the value it resolved to rendered as YAML. */
  void record(String fullKey, String renderedValue) {
    effective.put(fullKey, renderedValue);
  }

  boolean isUsed(String fullKey) {
    return effective.containsKey(fullKey);
  }

  /** Used keys starting with the prefix, prefix stripped; the prefix is "" or ends with '.'. */
  SortedMap<String, String> under(String prefix) {
    if (prefix.isEmpty()) {
      return Collections.unmodifiableSortedMap(effective);
    }
    SortedMap<String, String> out = new TreeMap<>();
    effective.forEach(
        (key, value) -> {
          if (key.startsWith(prefix)) {
            out.put(key.substring(prefix.length()), value);
          }
        });
    return out;
  }
}
