package io.medvec.core.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Key syntax and enum naming shared by {@link ConfigMap} and {@link CliArgs}. */
final class ConfigKeys {
  static final String SEGMENT = "[a-z0-9]+(-[a-z0-9]+)*";
  private static final Pattern KEY = Pattern.compile(SEGMENT + "(\\." + SEGMENT + ")*");

  private ConfigKeys() {}

  static boolean isValid(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /**
   * Throws a {@link ConfigException} naming the key and its source unless it is dotted kebab-case.
   */
  static String requireValid(String key, String source) {
    if (!isValid(key)) {
      throw new ConfigException(
          "Invalid config key '"
              + key
              + "' in "
              + source
              + ": keys are kebab-case segments "
              + SEGMENT
              + " joined by '.'");
    }
    return key;
  }

  /** The kebab-case spelling of an enum constant: TASK_ARITHMETIC becomes task-arithmetic. */
  static String kebab(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The constant named by kebab-case or by its Java name, ignoring case; null if none. */
  static <E extends Enum<E>> E matchEnum(Class<E> type, String text) {
    String wanted = text.trim().replace('-', '_');
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(wanted)) {
        return constant;
      }
    }
    return null;
  }

  static <E extends Enum<E>> List<String> kebabNames(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(ConfigKeys::kebab).toList();
  }
}
