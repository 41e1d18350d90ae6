package io.medvec.core.data;

/** Argument preconditions; messages are built only when a check fails. */
final class Checks {
  private Checks() {}

  static void checkArgument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  static <T> T checkNotNull(T value, String format, Object... args) {
    checkArgument(value != null, format, args);
    return value;
  }
}
