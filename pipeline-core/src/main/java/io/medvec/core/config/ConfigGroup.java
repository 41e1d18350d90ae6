package io.medvec.core.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The keys one config record reads ({@code partition.*}, the common keys, ...), in the order help
 * lists them; a command declares the groups it reads.
 *
 * @param title what the keys configure, shown above them in help
 * @param keys the declarations, each read by the record through {@link ConfigKey#read}
 */
public record ConfigGroup(String title, List<ConfigKey<?>> keys) {
  public ConfigGroup {
    keys = List.copyOf(keys);
    if (title == null || title.isBlank() || keys.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot declare config group '" + title + "': needs a title and keys");
    }
  }

  public static ConfigGroup of(String title, ConfigKey<?>... keys) {
    return new ConfigGroup(title, List.of(keys));
  }

  /** The groups of every list, in order, each group once (the common keys are in every job's). */
  @SafeVarargs
  public static List<ConfigGroup> union(List<ConfigGroup>... lists) {
    Set<ConfigGroup> all = new LinkedHashSet<>();
    for (List<ConfigGroup> list : lists) {
      all.addAll(list);
    }
    return List.copyOf(all);
  }

  /** This group with {@code more} keys after its own. */
  public ConfigGroup with(ConfigKey<?>... more) {
    List<ConfigKey<?>> all = new ArrayList<>(keys);
    all.addAll(List.of(more));
    return new ConfigGroup(title, all);
  }

  /** Whether one of the keys reads {@code fullKey} (see {@link ConfigKey#covers}). */
  public boolean covers(String fullKey) {
    return keys.stream().anyMatch(k -> k.covers(fullKey));
  }
}
