package io.medvec.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A job's command line: {@code --config FILE}, repeatable {@code --set key=value}, other {@code
 * --name value} options (each at most once) and positional arguments. The user-facing CLI parses
 * with picocli and hands its result over through {@link #of}; {@link #parse} splits programmatic
 * command lines (benchmarks, tests). Every option also accepts the {@code --name=value} form;
 * {@code --} ends options. Which options a job accepts is its own business: see {@link
 * #rejectFlagsExcept(Set)}.
 */
public final class CliArgs {
  static final String CONFIG = "config";
  static final String SET = "set";
  private static final Pattern NAME = Pattern.compile(ConfigKeys.SEGMENT);

  private final String config;
  private final List<String> overrides;
  private final Map<String, String> flags;
  private final List<String> positional;

  private CliArgs(
      String config, List<String> overrides, Map<String, String> flags, List<String> positional) {
    this.config = config;
    this.overrides = List.copyOf(overrides);
    this.flags = Collections.unmodifiableMap(new LinkedHashMap<>(flags));
    this.positional = List.copyOf(positional);
  }

  /**
   * A command line already split by another parser (the CLI's): {@code config} may be null; flags
   * are option names without dashes, in command-line order.
   */
  public static CliArgs of(
      String config, List<String> overrides, Map<String, String> flags, List<String> positional) {
    return new CliArgs(config, overrides, flags, positional);
  }

  /** Splits {@code args}; an option without a value, or given twice (except --set), is an error. */
  public static CliArgs parse(String[] args) {
    Parser parser = new Parser();
    for (int i = 0; i < args.length; i++) {
      i = parser.consume(args, i);
    }
    return new CliArgs(parser.config, parser.overrides, parser.flags, parser.positional);
  }

  /** Options other than --config and --set, by name without dashes, in command-line order. */
  public Map<String, String> flags() {
    return flags;
  }

  /** The value of an option other than --config/--set, by name without dashes. */
  public Optional<String> flag(String name) {
    return Optional.ofNullable(flags.get(name));
  }

  /** The value of a required option; IAE "Missing required option --name" if absent. */
  public String requiredFlag(String name) {
    return flag(name)
        .orElseThrow(() -> new IllegalArgumentException("Missing required option --" + name));
  }

  public Optional<String> config() {
    return Optional.ofNullable(config);
  }

  /** The {@code --set} values, {@code key=value}, in command-line order. */
  public List<String> overrides() {
    return overrides;
  }

  public List<String> positional() {
    return positional;
  }

  /**
   * Throws {@code IllegalArgumentException("Unknown option --x (valid: ...)")} for any option not
   * in {@code allowed} (names with or without leading dashes); --config and --set are always valid.
   */
  public void rejectFlagsExcept(Set<String> allowed) {
    Set<String> valid = new TreeSet<>();
    allowed.forEach(name -> valid.add(name.startsWith("--") ? name.substring(2) : name));
    valid.add(CONFIG);
    valid.add(SET);
    for (String name : flags.keySet()) {
      if (!valid.contains(name)) {
        throw new IllegalArgumentException(
            "Unknown option --"
                + name
                + " (valid: "
                + String.join(", ", valid.stream().map(n -> "--" + n).toList())
                + ")");
      }
    }
  }

  @Override
  public String toString() {
    return "CliArgs(config="
        + config
        + ", overrides="
        + overrides
        + ", flags="
        + flags
        + ", positional="
        + positional
        + ")";
  }

  /** Accumulates options while scanning; one instance per parse. */
  private static final class Parser {
    private String config;
    private final List<String> overrides = new ArrayList<>();
    private final Map<String, String> flags = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private boolean optionsEnded;

    /**
     * Consumes the argument at {@code i} (and its value); returns the index of the last one used.
     */
    int consume(String[] args, int i) {
      String arg = args[i];
      if (optionsEnded || !arg.startsWith("--")) {
        positional.add(arg);
        return i;
      }
      if (arg.equals("--")) {
        optionsEnded = true;
        return i;
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "Cannot parse option " + arg + ": names are kebab-case, as in --run-id");
      }
      if (eq >= 0) {
        accept(name, arg.substring(eq + 1));
        return i;
      }
      if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
        throw new IllegalArgumentException("Option --" + name + " requires a value");
      }
      accept(name, args[i + 1]);
      return i + 1;
    }

    private void accept(String name, String value) {
      if (value.isEmpty()) {
        throw new IllegalArgumentException("Option --" + name + " requires a value");
      }
      if (name.equals(SET)) {
        overrides.add(value);
      } else if (name.equals(CONFIG)) {
        requireFirst(name, config != null);
        config = value;
      } else {
        requireFirst(name, flags.containsKey(name));
        flags.put(name, value);
      }
    }

    private static void requireFirst(String name, boolean seen) {
      if (seen) {
        throw new IllegalArgumentException("Option --" + name + " given more than once");
      }
    }
  }
}
