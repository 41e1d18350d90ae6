package io.medvec.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A flat view of a YAML config: nested maps flatten to dotted kebab-case keys ({@code
 * merge.lambda-grid}); lists of scalars are values. Every value remembers its source (a file name
 * or {@code --set key=value}) and every error names it.
 *
 * <p>Typed accessors record each key they were asked for, with the value used (given or default);
 * {@link #rejectUnknown()} then fails on keys nobody asked for and {@link #describeEffective()}
 * lists what was used. That record is the only mutable state, shared with {@link #section
 * sections}; parsed values are immutable. Not thread-safe.
 *
 * <p>A key whose value is YAML null ({@code key:} or {@code --set key=}) reads as absent, so the
 * accessor's default applies. Scalars follow the YAML 1.2 core schema: only {@code true/false} are
 * booleans and quoted numbers are strings, so {@code epochs: "5"} is not an integer.
 */
public final class ConfigMap {
  private final SortedMap<String, ConfigEntry> entries;
  private final String prefix;
  private final String origin;
  private final UsageTracker used;

  private ConfigMap(
      SortedMap<String, ConfigEntry> entries, String prefix, String origin, UsageTracker used) {
    this.entries = entries;
    this.prefix = prefix;
    this.origin = origin;
    this.used = used;
  }

  private static ConfigMap root(SortedMap<String, ConfigEntry> entries, String origin) {
    SortedMap<String, ConfigEntry> copy = new TreeMap<>(entries);
    ConfigEntry.dropEmptySections(copy);
    ConfigEntry.requireNoSectionConflicts(copy);
    return new ConfigMap(Collections.unmodifiableSortedMap(copy), "", origin, new UsageTracker());
  }

  /**
   * Parses YAML text; {@code source} names it in errors. An empty document is an empty map; the top
   * level must be a mapping; keys must be kebab-case per dotted segment.
   */
  public static ConfigMap parse(String yamlText, String source) {
    return root(YamlSupport.flatten(YamlSupport.load(yamlText, source), source), source);
  }

  /** Reads and parses a UTF-8 YAML file, named by its path in errors. */
  public static ConfigMap load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("Cannot read config file " + file + ": no such file", e);
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + e, e);
    }
    return parse(text, file.toString());
  }

  /** A map with no keys, e.g. for a job whose every setting has a default. */
  public static ConfigMap empty() {
    return root(new TreeMap<>(), "empty config");
  }

  /**
   * A new map with {@code key=value} overrides applied in order (later wins). A value is read as a
   * YAML flow scalar or sequence ({@code 0.5}, {@code [0.25, 0.5]}, {@code iid}, {@code true}); an
   * empty value resets the key to its default. The source of each key becomes {@code --set
   * key=value}. New keys are allowed; {@link #rejectUnknown()} checks them like any other. The
   * result has its own, empty, used-key record.
   */
  public ConfigMap withOverrides(List<String> overrides) {
    SortedMap<String, ConfigEntry> next = stripped();
    for (String override : overrides) {
      String source = "--set " + override;
      int eq = override.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("Cannot apply " + source + ": expected key=value");
      }
      String key = ConfigKeys.requireValid(override.substring(0, eq).trim(), source);
      Object value = YamlSupport.load(override.substring(eq + 1), source);
      Object leaf =
          value == null ? new Scalar("", Scalar.Kind.NULL) : YamlSupport.leaf(key, value, source);
      next.put(key, new ConfigEntry(leaf, source));
    }
    return overrides.isEmpty() ? root(next, origin) : root(next, origin + " with --set overrides");
  }

  /**
   * A new map where this map's entries win over {@code defaults}'; its used-key record is empty.
   */
  public ConfigMap withDefaults(ConfigMap defaults) {
    SortedMap<String, ConfigEntry> merged = defaults.stripped();
    merged.putAll(stripped());
    return root(merged, origin + " over defaults " + defaults.origin);
  }

  /** True if the key is present, even with a null value. Does not mark it used. */
  public boolean has(String key) {
    return entries.containsKey(fullKey(key));
  }

  /**
   * The value as text; scalars of any type are returned as written. {@code defaultValue} may be
   * null.
   */
  public String string(String key, String defaultValue) {
    return read(key, defaultValue, YamlSupport::quoteIfNeeded, (full, e) -> single(full, e).text());
  }

  /** The value as text; absent or null is a {@link ConfigException} naming the key. */
  public String requiredString(String key) {
    String full = fullKey(key);
    if (present(full) == null) {
      throw new ConfigException("Missing required config key '" + full + "' (in " + origin + ")");
    }
    return string(key, null);
  }

  /** An integer in [min, max], inclusive. */
  public int integer(String key, int defaultValue, int min, int max) {
    requireRange(min, max);
    String expected = "an integer in [" + min + ", " + max + "]";
    return read(
        key,
        defaultValue,
        String::valueOf,
        (full, e) -> {
          Long value = single(full, e).longOrNull();
          if (value == null || value < min || value > max) {
            throw invalid(full, e, expected);
          }
          return value.intValue();
        });
  }

  /** Any integer that fits a long. */
  public long longValue(String key, long defaultValue) {
    return read(
        key,
        defaultValue,
        String::valueOf,
        (full, e) -> {
          Long value = single(full, e).longOrNull();
          if (value == null) {
            throw invalid(
                full, e, "an integer in [" + Long.MIN_VALUE + ", " + Long.MAX_VALUE + "]");
          }
          return value;
        });
  }

  /** A finite number in [min, max], inclusive; integers are accepted. */
  public double number(String key, double defaultValue, double min, double max) {
    requireRange(min, max);
    String expected = "a finite number in [" + min + ", " + max + "]";
    return read(
        key,
        defaultValue,
        String::valueOf,
        (full, e) -> toNumber(full, e, single(full, e), expected, min, max));
  }

  /** A finite number strictly greater than zero. */
  public double positive(String key, double defaultValue) {
    String expected = "a finite number > 0"; // MIN_VALUE is the smallest double above zero
    return read(
        key,
        defaultValue,
        String::valueOf,
        (full, e) ->
            toNumber(full, e, single(full, e), expected, Double.MIN_VALUE, Double.MAX_VALUE));
  }

  /** {@code true} or {@code false} only (YAML 1.2: not yes/no/on/off). */
  public boolean bool(String key, boolean defaultValue) {
    return read(
        key,
        defaultValue,
        String::valueOf,
        (full, e) -> {
          Boolean value = single(full, e).booleanOrNull();
          if (value == null) {
            throw invalid(full, e, "true or false");
          }
          return value;
        });
  }

  /**
   * Matches kebab-case or the constant name, ignoring case ("task-arithmetic" is TASK_ARITHMETIC).
   */
  public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
    return read(
        key,
        defaultValue,
        d -> d == null ? "null" : ConfigKeys.kebab(d),
        (full, e) -> {
          E value = ConfigKeys.matchEnum(type, single(full, e).text());
          if (value == null) {
            throw invalid(full, e, "one of " + ConfigKeys.kebabNames(type));
          }
          return value;
        });
  }

  /** A YAML sequence of numbers, or a single number as a one-element list; each in [min, max]. */
  public List<Double> numbers(String key, List<Double> defaultValue, double min, double max) {
    requireRange(min, max);
    String expected = "finite numbers in [" + min + ", " + max + "]";
    return read(
        key,
        defaultValue,
        ConfigEntry::renderList,
        (full, e) -> {
          List<Double> out = new ArrayList<>();
          for (Scalar item : items(e)) {
            out.add(toNumber(full, e, item, expected, min, max));
          }
          return List.copyOf(out);
        });
  }

  /** A YAML sequence of scalars as text, or a single scalar as a one-element list. */
  public List<String> strings(String key, List<String> defaultValue) {
    return read(
        key,
        defaultValue,
        ConfigEntry::renderList,
        (full, e) -> items(e).stream().map(Scalar::text).toList());
  }

  /**
   * The keys under {@code prefix.}, with the prefix stripped. Reading from the section marks the
   * full key used in this map; errors name full keys.
   */
  public ConfigMap section(String prefix) {
    return new ConfigMap(entries, fullKey(prefix) + ".", origin, used);
  }

  /**
   * Throws naming every key nobody asked for, with its source and the nearest valid key when one is
   * close enough to be a typo, then the valid (asked-for) keys.
   */
  public void rejectUnknown() {
    Set<String> valid = usedKeys();
    List<String> unknown = new ArrayList<>();
    entries.forEach(
        (full, entry) -> {
          if (full.startsWith(prefix) && !used.isUsed(full)) {
            String hint =
                ConfigHelp.nearest(full, valid).map(k -> "; did you mean '" + k + "'?").orElse("");
            unknown.add("'" + full + "' (in " + entry.source() + hint + ")");
          }
        });
    if (!unknown.isEmpty()) {
      String brief =
          "Unknown config key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown);
      throw ConfigException.withDetail(brief, "; valid keys: " + valid);
    }
  }

  /** Every asked-for key (full names), sorted: the keys a config record reads. */
  public Set<String> usedKeys() {
    return used.under(prefix).keySet().stream()
        .map(k -> prefix + k)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Every asked-for key with the value used (given or default), sorted, as "key: value" lines. */
  public String describeEffective() {
    return used.under(prefix).entrySet().stream()
        .map(e -> e.getKey() + ": " + e.getValue())
        .collect(Collectors.joining("\n"));
  }

  /** All keys present (relative to this section), sorted. */
  public Set<String> keys() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(stripped().keySet()));
  }

  @Override
  public String toString() {
    return "ConfigMap("
        + origin
        + (prefix.isEmpty() ? "" : ", section " + prefix)
        + ", keys "
        + keys()
        + ")";
  }

  /**
   * Reads a key: absent or null uses (and records) the default, else converts and records the
   * value.
   */
  private <T> T read(
      String key, T defaultValue, Function<T, String> renderDefault, Converter<T> converter) {
    String full = fullKey(key);
    ConfigEntry entry = present(full);
    if (entry == null) {
      used.record(full, defaultValue == null ? "null" : renderDefault.apply(defaultValue));
      return defaultValue;
    }
    T value = converter.convert(full, entry);
    used.record(full, entry.render());
    return value;
  }

  @FunctionalInterface
  private interface Converter<T> {
    T convert(String fullKey, ConfigEntry entry);
  }

  /**
   * A full key name relative to this map: the name itself at the root, the part after the prefix in
   * a section; a key outside the section is a programming error.
   */
  String relative(String fullKey) {
    if (!fullKey.startsWith(prefix)) {
      throw new IllegalArgumentException(
          "Cannot read config key '" + fullKey + "' from section '" + prefix + "'");
    }
    return fullKey.substring(prefix.length());
  }

  private ConfigEntry present(String full) {
    ConfigEntry entry = entries.get(full);
    return entry == null || entry.isNull() ? null : entry;
  }

  private String fullKey(String key) {
    String full = prefix + key;
    if (!ConfigKeys.isValid(full)) {
      throw new IllegalArgumentException(
          "Cannot read config key '" + full + "': not dotted kebab-case");
    }
    return full;
  }

  private Scalar single(String full, ConfigEntry entry) {
    if (entry.value() instanceof Scalar scalar) {
      return scalar;
    }
    throw invalid(full, entry, "a single value, not a list");
  }

  @SuppressWarnings("unchecked")
  private static List<Scalar> items(ConfigEntry entry) {
    return entry.value() instanceof Scalar s ? List.of(s) : (List<Scalar>) entry.value();
  }

  private double toNumber(
      String full, ConfigEntry entry, Scalar item, String expected, double min, double max) {
    Double value = item.doubleOrNull();
    if (value == null || !Double.isFinite(value) || value < min || value > max) {
      String got = entry.value() instanceof List<?> ? " (element '" + item.text() + "')" : "";
      throw invalid(full, entry, expected + got);
    }
    return value;
  }

  private static ConfigException invalid(String full, ConfigEntry entry, String expected) {
    return new ConfigException(
        String.format(
            "Invalid value for config key '%s' in %s: expected %s, got %s",
            full, entry.source(), expected, entry.display()));
  }

  private static void requireRange(double min, double max) {
    if (!(min <= max)) {
      throw new IllegalArgumentException(
          "Cannot read config: empty range [" + min + ", " + max + "]");
    }
  }

  private SortedMap<String, ConfigEntry> stripped() {
    SortedMap<String, ConfigEntry> out = new TreeMap<>();
    entries.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }
}
