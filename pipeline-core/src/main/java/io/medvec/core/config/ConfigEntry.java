package io.medvec.core.config;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * One stored config value, a {@link Scalar} or an immutable {@code List<Scalar>}, with the source
 * it came from (a file name or {@code --set key=value}); plus the rules that keep a set of entries
 * consistent when layers are combined.
 */
record ConfigEntry(Object value, String source) {

  boolean isNull() {
    return value instanceof Scalar s && s.isNull();
  }

  /** The value as YAML that reads back to the same value, for the effective-config log. */
  String render() {
    if (value instanceof Scalar s) {
      return s.kind() == Scalar.Kind.STRING ? YamlSupport.quoteIfNeeded(s.text()) : s.text();
    }
    return renderList((List<?>) value);
  }

  /** The value for an error message: a scalar in quotes as written, a list in brackets. */
  String display() {
    return value instanceof Scalar s ? "'" + s.text() + "'" : render();
  }

  /** Renders a list of scalars or of default values (strings, numbers) as a YAML flow sequence. */
  static String renderList(List<?> values) {
    return values.stream().map(ConfigEntry::renderItem).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String renderItem(Object item) {
    if (item instanceof String s) {
      return YamlSupport.quoteIfNeeded(s);
    }
    return item instanceof Scalar s ? new ConfigEntry(s, "").render() : String.valueOf(item);
  }

  /** Drops {@code merge:} left empty in one layer while other entries fill {@code merge.*}. */
  static void dropEmptySections(SortedMap<String, ConfigEntry> entries) {
    List<String> empty =
        entries.entrySet().stream()
            .filter(e -> e.getValue().isNull() && hasChildren(entries, e.getKey()))
            .map(Map.Entry::getKey)
            .toList();
    empty.forEach(entries::remove);
  }

  /** Rejects a key that holds a value and is also the section of another key. */
  static void requireNoSectionConflicts(SortedMap<String, ConfigEntry> entries) {
    entries.forEach(
        (key, entry) -> {
          for (int dot = key.indexOf('.'); dot > 0; dot = key.indexOf('.', dot + 1)) {
            String section = key.substring(0, dot);
            ConfigEntry parent = entries.get(section);
            if (parent != null) {
              throw new ConfigException(
                  String.format(
                      "Cannot use config key '%s' (in %s) both as a value and as a section"
                          + " holding '%s' (in %s)",
                      section, parent.source(), key, entry.source()));
            }
          }
        });
  }

  private static boolean hasChildren(SortedMap<String, ConfigEntry> entries, String key) {
    SortedMap<String, ConfigEntry> tail = entries.tailMap(key + ".");
    return !tail.isEmpty() && tail.firstKey().startsWith(key + ".");
  }
}
