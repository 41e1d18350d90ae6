package io.medvec.core.merge.strategy;

import java.util.regex.Pattern;

/**
 * A merge strategy's parameter: a real number with a default and a valid range.
 *
 * @param name kebab-case name, as in {@code merge.params.<name>}
 * @param defaultValue value used when the parameter is not given
 * @param min lower bound of the valid range
 * @param minInclusive whether {@code min} itself is valid
 * @param max upper bound of the valid range
 * @param maxInclusive whether {@code max} itself is valid
 * @param description what it does, for help texts and errors
 */
public record ParamSpec(
    String name,
    double defaultValue,
    double min,
    boolean minInclusive,
    double max,
    boolean maxInclusive,
    String description) {

  private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

  public ParamSpec {
    if (name == null || !KEBAB.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Cannot declare merge parameter: name must be kebab-case (" + name + ")");
    }
    if (!(min <= max)) {
      throw new IllegalArgumentException(
          "Cannot declare merge parameter " + name + ": empty range [" + min + ", " + max + "]");
    }
    if (description == null || description.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot declare merge parameter " + name + ": description is missing");
    }
    if (!accepts(defaultValue, min, minInclusive, max, maxInclusive)) {
      throw new IllegalArgumentException(
          "Cannot declare merge parameter "
              + name
              + ": default "
              + defaultValue
              + " is outside its range");
    }
  }

  /** The parameter's type, as shown in help texts; all current parameters are real numbers. */
  public String type() {
    return "real";
  }

  /** Whether {@code value} is finite and inside the valid range. */
  public boolean accepts(double value) {
    return accepts(value, min, minInclusive, max, maxInclusive);
  }

  /** The valid range in interval notation, e.g. {@code (0, 1]}. */
  public String range() {
    return (minInclusive ? "[" : "(")
        + format(min)
        + ", "
        + format(max)
        + (maxInclusive ? "]" : ")");
  }

  @Override
  public String toString() {
    return name
        + " ("
        + type()
        + " in "
        + range()
        + ", default "
        + format(defaultValue)
        + "): "
        + description;
  }

  private static boolean accepts(
      double v, double min, boolean minInclusive, double max, boolean maxInclusive) {
    return Double.isFinite(v)
        && (minInclusive ? v >= min : v > min)
        && (maxInclusive ? v <= max : v < max);
  }

  private static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
