package io.medvec.core.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One config key, declared once: its full dotted name, default, accepted values and one-line
 * meaning. Config records read their values through {@link #read(ConfigMap)}, and {@code --help}
 * renders the same declaration ({@link ConfigHelp}), so what is documented is what is parsed.
 *
 * <p>A key reads from the root map or from any {@link ConfigMap#section section} whose prefix its
 * name starts with: {@code merge.screening.mode} reads the same from the root and from {@code
 * section("merge")}.
 *
 * @param <T> the value's Java type
 */
public final class ConfigKey<T> {

  /** How a value is read: the accessor of {@link ConfigMap} with this key's default and range. */
  @FunctionalInterface
  private interface Reader<T> {
    T read(ConfigMap map, String relativeKey, T defaultValue);
  }

  private final String name;
  private final T defaultValue;
  private final String defaultText;
  private final String accepts;
  private final String doc;
  private final boolean family;
  private final Reader<T> reader;

  private ConfigKey(
      String name,
      T defaultValue,
      String defaultText,
      String accepts,
      String doc,
      boolean family,
      Reader<T> reader) {
    if (!ConfigKeys.isValid(name)) {
      throw new IllegalArgumentException(
          "Cannot declare config key '" + name + "': not dotted kebab-case");
    }
    if (doc == null || doc.isBlank()) {
      throw new IllegalArgumentException("Cannot declare config key '" + name + "': no doc");
    }
    this.name = name;
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.accepts = accepts;
    this.doc = doc;
    this.family = family;
    this.reader = reader;
  }

  /** An integer in [min, max], inclusive. */
  public static ConfigKey<Integer> integer(
      String name, int defaultValue, int min, int max, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        String.valueOf(defaultValue),
        "an integer in [" + min + ", " + max + "]",
        doc,
        false,
        (m, k, d) -> m.integer(k, d, min, max));
  }

  /** Any integer that fits a long. */
  public static ConfigKey<Long> longValue(String name, long defaultValue, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        String.valueOf(defaultValue),
        "an integer",
        doc,
        false,
        ConfigMap::longValue);
  }

  /** A finite number in [min, max], inclusive. */
  public static ConfigKey<Double> number(
      String name, double defaultValue, double min, double max, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        String.valueOf(defaultValue),
        "a number in [" + min + ", " + max + "]",
        doc,
        false,
        (m, k, d) -> m.number(k, d, min, max));
  }

  /** A finite number strictly greater than zero. */
  public static ConfigKey<Double> positive(String name, double defaultValue, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        String.valueOf(defaultValue),
        "a number > 0",
        doc,
        false,
        ConfigMap::positive);
  }

  /** {@code true} or {@code false}. */
  public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        String.valueOf(defaultValue),
        "true or false",
        doc,
        false,
        ConfigMap::bool);
  }

  /** Text; the record that reads it validates it further. */
  public static ConfigKey<String> string(String name, String defaultValue, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        defaultValue == null ? "none" : YamlSupport.quoteIfNeeded(defaultValue),
        null,
        doc,
        false,
        ConfigMap::string);
  }

  /** One constant of {@code type}, written in kebab-case. */
  public static <E extends Enum<E>> ConfigKey<E> enumValue(
      String name, Class<E> type, E defaultValue, String doc) {
    return new ConfigKey<>(
        name,
        defaultValue,
        ConfigKeys.kebab(defaultValue),
        "one of " + ConfigKeys.kebabNames(type),
        doc,
        false,
        (m, k, d) -> m.enumValue(k, type, d));
  }

  /** A list of numbers, each in [min, max]. */
  public static ConfigKey<List<Double>> numbers(
      String name, List<Double> defaultValue, double min, double max, String doc) {
    return new ConfigKey<>(
        name,
        List.copyOf(defaultValue),
        defaultValue.stream()
            .map(
                d ->
                    d == Math.rint(d) && Math.abs(d) < 1e15
                        ? String.valueOf(d.longValue())
                        : d.toString())
            .collect(Collectors.joining(", ", "[", "]")),
        "a list of numbers in [" + min + ", " + max + "]",
        doc,
        false,
        (m, k, d) -> m.numbers(k, d, min, max));
  }

  /** A list of text values. */
  public static ConfigKey<List<String>> strings(
      String name, List<String> defaultValue, String doc) {
    return new ConfigKey<>(
        name,
        List.copyOf(defaultValue),
        ConfigEntry.renderList(defaultValue),
        "a list",
        doc,
        false,
        ConfigMap::strings);
  }

  /**
   * Every key under {@code name.} as text, by its name below the prefix (a strategy's parameters,
   * say); help shows it as {@code name.NAME}.
   */
  public static ConfigKey<Map<String, String>> family(String name, String doc) {
    return new ConfigKey<>(
        name,
        Map.of(),
        "none",
        "NAME: value pairs",
        doc,
        true,
        (m, k, d) -> {
          ConfigMap section = m.section(k);
          Map<String, String> values = new TreeMap<>();
          section.keys().forEach(sub -> values.put(sub, section.string(sub, null)));
          return Map.copyOf(values);
        });
  }

  /** The same key with the default shown as {@code text} in help (a computed or a required one). */
  public ConfigKey<T> defaultText(String text) {
    return new ConfigKey<>(name, defaultValue, text, accepts, doc, family, reader);
  }

  /** The same key with its accepted values described as {@code text} in help. */
  public ConfigKey<T> accepts(String text) {
    return new ConfigKey<>(name, defaultValue, defaultText, text, doc, family, reader);
  }

  /** Reads the value (or the declared default) from {@code map}, a root map or a section. */
  public T read(ConfigMap map) {
    return reader.read(map, map.relative(name), defaultValue);
  }

  /** Reads the value, with {@code fallback} when absent instead of the declared default. */
  public T read(ConfigMap map, T fallback) {
    return reader.read(map, map.relative(name), fallback);
  }

  /** Whether the key is written in {@code map} (even as null); does not mark it used. */
  public boolean isSet(ConfigMap map) {
    return map.has(map.relative(name));
  }

  /** The full dotted name, e.g. {@code merge.lambda}. */
  public String name() {
    return name;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /** The default as help shows it, YAML-like. */
  public String defaultText() {
    return defaultText;
  }

  /** What values are accepted, e.g. "an integer in [1, 10000]"; empty for free text. */
  public Optional<String> accepts() {
    return Optional.ofNullable(accepts);
  }

  /** The one-line meaning. */
  public String doc() {
    return doc;
  }

  /** The name as help shows it: {@code merge.params.NAME} for a family. */
  public String displayName() {
    return family ? name + ".NAME" : name;
  }

  /** Whether reading this key records {@code fullKey}: its own name, or one of its family. */
  public boolean covers(String fullKey) {
    return fullKey.equals(name) || (family && fullKey.startsWith(name + "."));
  }

  @Override
  public String toString() {
    return "ConfigKey(" + displayName() + ")";
  }
}
