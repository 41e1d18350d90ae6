package io.medvec.jobs;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.TargetBusyException;
import io.medvec.core.model.FastPath;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ParameterException;

/**
 * The shared body of every entry point: parse → validate config → build session → run → exit code.
 * Configuration errors are reported before Spark starts.
 */
public final class JobMain {

  private static final Logger LOG = LoggerFactory.getLogger(JobMain.class);

  /** Command-line flags that are shorthands for config keys. */
  static final Map<String, String> FLAG_KEYS =
      Map.of("data", "data.path", "out", "out", "run-id", "run-id", "base", "base");

  private JobMain() {}

  public static <C> void run(
      String[] args,
      String job,
      Function<ConfigMap, C> parse,
      BiFunction<SparkSession, C, ?> body) {
    int code = execute(args, job, parse, body);
    System.exit(code);
  }

  static <C> int execute(
      String[] args,
      String job,
      Function<ConfigMap, C> parse,
      BiFunction<SparkSession, C, ?> body) {
    return executeCli(args, job, cli -> parseConfig(cli, job, parse), body);
  }

  /**
   * As above for a job that reads its command line itself (positional arguments, own flags). Help
   * ({@code -h}, {@code --help}) prints and returns 0; a user error (exit code 2, 3, 4) prints one
   * line naming what to fix and the exit code's meaning, with the stack trace only under {@code
   * --verbose}.
   */
  static <C> int executeCli(
      String[] args, String job, Function<CliArgs, C> parse, BiFunction<SparkSession, C, ?> body) {
    boolean verbose = Verbosity.requested();
    try {
      Optional<JobCli.Parsed> parsed = JobCli.parse(job, args, new PrintWriter(System.out, true));
      if (parsed.isEmpty()) {
        return ExitCode.SUCCESS.code();
      }
      verbose |= parsed.get().common().verbose;
      if (verbose) {
        Verbosity.raise();
      }
      // before any network is built or restored, in this JVM (local mode runs the tasks here too)
      FastPath.enable();
      C config = commandLine(parsed.get().cli(), parse);
      SparkSession spark = session(job);
      try {
        body.apply(spark, config);
      } finally {
        spark.stop();
      }
      return ExitCode.SUCCESS.code();
    } catch (ParameterException e) {
      report(
          job,
          ExitCode.BAD_CONFIG,
          JobCli.describe(e) + " (medvec " + job + " --help lists the options)",
          e,
          verbose);
      return ExitCode.BAD_CONFIG.code();
    } catch (Exception | Error e) { // Exception: Spark throws its checked SparkException unchecked
      Optional<ExitCode.Cause> cause = ExitCode.cause(e);
      ExitCode code = cause.map(ExitCode.Cause::code).orElse(ExitCode.RUNTIME_FAILURE);
      Throwable decisive = unwrapped(e);
      boolean detailLeftOut =
          decisive instanceof ConfigException c && !c.brief().equals(c.getMessage());
      String message =
          cause.isPresent() && cause.get().failure() == null
              ? cause.get().message()
              : describe(code == ExitCode.TARGET_BUSY ? busyCause(e) : decisive);
      report(
          job,
          code,
          message + (detailLeftOut ? "; medvec " + job + " --help lists the valid keys" : ""),
          e,
          verbose);
      return code.code();
    }
  }

  /**
   * The refusal that names the other writer, wherever it is in the chain (a Spark task's failure
   * arrives wrapped in the job's).
   */
  private static Throwable busyCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TargetBusyException) {
        return t;
      }
    }
    return failure;
  }

  /**
   * One line on stderr: {@code medvec JOB: MESSAGE (exit N: MEANING)}; the stack trace goes to the
   * log first for a runtime failure, and for any failure under {@code --verbose}.
   */
  static void report(
      String job, ExitCode code, String message, Throwable failure, boolean verbose) {
    if (logsStackTrace(code, verbose)) {
      LOG.error(
          "medvec {} failed with exit code {} ({})", job, code.code(), code.meaning(), failure);
    }
    System.err.println(
        "medvec "
            + job
            + ": "
            + oneLine(message)
            + " (exit "
            + code.code()
            + ": "
            + code.meaning()
            + ")");
  }

  /** A runtime failure is the software's: its stack trace helps; a user error's only on request. */
  static boolean logsStackTrace(ExitCode code, boolean verbose) {
    return verbose || !code.isUserError();
  }

  /**
   * Parses the command line; any error in it is a configuration error (exit code 2), not bad input.
   */
  private static <C> C commandLine(CliArgs cli, Function<CliArgs, C> parse) {
    try {
      return parse.apply(cli);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /**
   * Loads the job's YAML (--config, else conf/JOB.yaml under MEDVEC_HOME if present), flags, --set.
   */
  public static <C> C parseConfig(CliArgs cli, String job, Function<ConfigMap, C> parse) {
    if (!cli.positional().isEmpty()) {
      throw new ConfigException(
          "Unexpected argument(s) " + cli.positional() + " for medvec " + job);
    }
    return parseConfig(cli, job, FLAG_KEYS, parse);
  }

  /**
   * As above with the job's own flag shorthands (flag name → config key); positionals are the
   * job's.
   */
  static <C> C parseConfig(
      CliArgs cli, String job, Map<String, String> flagKeys, Function<ConfigMap, C> parse) {
    cli.rejectFlagsExcept(flagKeys.keySet());
    ConfigMap map = configFile(cli, job).map(ConfigMap::load).orElseGet(ConfigMap::empty);
    List<String> overrides = new ArrayList<>();
    cli.flags().forEach((flag, value) -> overrides.add(flagKeys.get(flag) + "=" + value));
    overrides.addAll(cli.overrides());
    map = map.withOverrides(overrides);
    C config = parse.apply(map);
    map.rejectUnknown();
    LOG.debug("medvec {} effective configuration:\n{}", job, map.describeEffective());
    return config;
  }

  private static Optional<Path> configFile(CliArgs cli, String job) {
    if (cli.config().isPresent()) {
      return cli.config().map(Path::of);
    }
    String home = System.getProperty("medvec.home", System.getenv("MEDVEC_HOME"));
    if (home == null) {
      return Optional.empty();
    }
    Path file = Path.of(home, "conf", job + ".yaml");
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** A session on the submitted master, or {@code local[*]} when none was given (embedded mode). */
  public static SparkSession session(String job) {
    SparkSession.Builder builder = SparkSession.builder().appName("medvec-" + job);
    if (!new SparkConf().contains("spark.master")) {
      builder.master("local[*]");
    }
    return builder.getOrCreate();
  }

  /**
   * The failure without the layers that only say where it happened (Spark's "Job aborted due to
   * stage failure …" around a task's exception, an executor's {@code ExecutionException}): what the
   * one-line message starts from.
   */
  static Throwable unwrapped(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null
        && t.getCause() != t
        && (t instanceof org.apache.spark.SparkException
            || t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.util.concurrent.CompletionException
            || t instanceof java.lang.reflect.InvocationTargetException
            || t instanceof java.lang.reflect.UndeclaredThrowableException)) {
      t = t.getCause();
    }
    return t;
  }

  /** The failure's message with its causes (a config error's without its detail). */
  public static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder(String.valueOf(message(t)));
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      String m = message(c);
      if (m != null && !sb.toString().contains(m)) {
        sb.append(" (caused by: ").append(m).append(')');
      }
    }
    return sb.toString();
  }

  private static String message(Throwable t) {
    return t instanceof ConfigException c ? c.brief() : t.getMessage();
  }

  /** Line breaks (Spark's analysis errors have them) become spaces. */
  static String oneLine(String message) {
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
