package io.medvec.core.config;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * One YAML scalar as written: its original text and the type the YAML 1.2 core schema resolved it
 * to. Keeping the text means {@code run-id: 007} reads back as "007", not 7.
 */
record Scalar(String text, Kind kind) {

  /** Resolved YAML type of a scalar. */
  enum Kind {
    STRING,
    INTEGER,
    FLOAT,
    BOOLEAN,
    NULL
  }

  Scalar {
    if (text == null || kind == null) {
      throw new IllegalArgumentException("Cannot create scalar: text and kind are required");
    }
  }

  /** The text, so that SnakeYAML messages such as "duplicate key seed" read naturally. */
  @Override
  public String toString() {
    return text;
  }

  boolean isNull() {
    return kind == Kind.NULL;
  }

  /** The integer value, or null if this is not an integer scalar or does not fit a long. */
  Long longOrNull() {
    if (kind != Kind.INTEGER) {
      return null;
    }
    try {
      return parseInteger(text);
    } catch (NumberFormatException e) {
      return null; // overflow: callers report it as out of range with the text
    }
  }

  /** The numeric value (integers widen), or null if this is not a number scalar. */
  Double doubleOrNull() {
    if (kind == Kind.INTEGER) {
      Long value = longOrNull();
      return value != null ? Double.valueOf(value) : bigDoubleOrNull(text);
    }
    if (kind != Kind.FLOAT) {
      return null;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".inf")) {
      return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (lower.equals(".nan")) {
      return Double.NaN;
    }
    try {
      return Double.valueOf(text);
    } catch (NumberFormatException e) {
      return null; // only reachable through an explicit !!float tag on non-numeric text
    }
  }

  /** The boolean value, or null if this is not a boolean scalar. */
  Boolean booleanOrNull() {
    if (kind != Kind.BOOLEAN) {
      return null;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    return lower.equals("true") ? Boolean.TRUE : lower.equals("false") ? Boolean.FALSE : null;
  }

  private static Double bigDoubleOrNull(String text) {
    try {
      return new BigDecimal(text).doubleValue();
    } catch (NumberFormatException e) {
      return null; // hex/octal beyond a long: too big to be a sensible setting anyway
    }
  }

  private static long parseInteger(String text) {
    if (text.startsWith("0x")) {
      return Long.parseLong(text.substring(2), 16);
    }
    if (text.startsWith("0o")) {
      return Long.parseLong(text.substring(2), 8);
    }
    return Long.parseLong(text); // accepts a leading '+' or '-'; leading zeros stay decimal
  }
}
