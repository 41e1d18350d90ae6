package io.medvec.core.merge.strategy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The validated parameter values of one strategy: every declared parameter, given or defaulted.
 * Built by {@link #parse}, which refuses unknown names and out-of-range values.
 */
public final class Params {

  private final String strategy;
  private final Map<String, Double> values;

  private Params(String strategy, Map<String, Double> values) {
    this.strategy = strategy;
    this.values = Collections.unmodifiableMap(values);
  }

  /** All parameters of {@code strategy} at their defaults. */
  public static Params defaults(MergeStrategy strategy) {
    return parse(strategy, Map.of());
  }

  /**
   * Parses {@code raw} (parameter name → value text, e.g. {@code top-k → 0.2}, the keys of {@code
   * merge.params.*} without the prefix) for {@code strategy}; absent parameters take their
   * defaults.
   *
   * @throws IllegalArgumentException on an unknown name (listing the valid ones) or a value that is
   *     not a number in the parameter's range
   */
  public static Params parse(MergeStrategy strategy, Map<String, String> raw) {
    if (strategy == null || raw == null) {
      throw new IllegalArgumentException(
          "Cannot parse merge parameters: strategy or parameters are null");
    }
    for (String key : raw.keySet()) {
      if (strategy.parameter(key).isEmpty()) {
        throw new IllegalArgumentException(
            "Cannot configure merge strategy "
                + strategy.name()
                + ": unknown parameter '"
                + key
                + "' (valid: "
                + validNames(strategy)
                + ")");
      }
    }
    Map<String, Double> values = new LinkedHashMap<>();
    for (ParamSpec spec : strategy.parameters()) {
      String text = raw.get(spec.name());
      values.put(
          spec.name(), text == null ? spec.defaultValue() : parseValue(strategy, spec, text));
    }
    return new Params(strategy.name(), values);
  }

  /** Name of the strategy these parameters belong to. */
  public String strategy() {
    return strategy;
  }

  /** The value of {@code spec}; it must be one of the strategy's parameters. */
  public double value(ParamSpec spec) {
    Double value = values.get(spec.name());
    if (value == null) {
      throw new IllegalStateException(
          "Cannot read merge parameter "
              + spec.name()
              + ": strategy "
              + strategy
              + " does not declare it");
    }
    return value;
  }

  /** Every parameter's value in declaration order, e.g. for logging or a result record. */
  public Map<String, Double> values() {
    return values;
  }

  @Override
  public String toString() {
    return strategy + values;
  }

  private static double parseValue(MergeStrategy strategy, ParamSpec spec, String text) {
    double value;
    try {
      value = Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!spec.accepts(value)) {
      throw new IllegalArgumentException(
          "Cannot configure merge strategy "
              + strategy.name()
              + ": parameter "
              + spec.name()
              + " must be a "
              + spec.type()
              + " in "
              + spec.range()
              + " ("
              + text
              + ")");
    }
    return value;
  }

  private static String validNames(MergeStrategy strategy) {
    return strategy.parameters().isEmpty()
        ? "none"
        : strategy.parameters().stream().map(ParamSpec::name).collect(Collectors.joining(", "));
  }
}
