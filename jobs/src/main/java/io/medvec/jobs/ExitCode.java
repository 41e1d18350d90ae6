package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.io.TargetBusyException;
import io.medvec.core.vector.IncompatibleVectorException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Process exit codes; schedulers (Airflow) branch on them. */
public enum ExitCode {
  /** The job completed and committed its outputs. */
  SUCCESS(0, "ok"),
  /** Anything unexpected at run time (I/O, Spark, native). Retrying may help. */
  RUNTIME_FAILURE(1, "runtime failure (retrying may help)"),
  /** Bad command line or configuration: unknown key, invalid value. Retrying will not help. */
  BAD_CONFIG(2, "bad command line or configuration"),
  /**
   * Bad input data: missing/corrupt npz, malformed Parquet, checksum mismatch (ours or Hadoop's).
   */
  BAD_INPUT(3, "bad input data"),
  /**
   * Data vectors that cannot be combined: another base fingerprint, another layout, a duplicate
   * hospital.
   */
  INCOMPATIBLE_VECTORS(4, "incompatible data vectors"),
  /**
   * An output this job must write is being written by another job (its writer lease is held).
   * Retrying after that job ends succeeds.
   */
  TARGET_BUSY(5, "target is being written by another job; retry after it ends");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  /** What the code tells a person, as help and error lines say it. */
  public String meaning() {
    return meaning;
  }

  /**
   * Whether the failure is the user's to fix (input, configuration) or the schedule's (two jobs on
   * one target), not the software's: one line says it all, no stack trace.
   */
  public boolean isUserError() {
    return this == BAD_CONFIG
        || this == BAD_INPUT
        || this == INCOMPATIBLE_VECTORS
        || this == TARGET_BUSY;
  }

  /**
   * Whether running the same job again may succeed: a runtime failure, or a target another job was
   * writing. Configuration, input and vectors fail the same way every time (schedulers do not retry
   * them; Spark tasks return them instead of throwing, see {@code TaskOutcome}).
   */
  public boolean retryMayHelp() {
    return this == RUNTIME_FAILURE || this == TARGET_BUSY;
  }

  /**
   * Classifies a failure by the first cause in its chain that is a user error (see {@link #cause}),
   * else {@link #RUNTIME_FAILURE}.
   */
  public static ExitCode of(Throwable failure) {
    return cause(failure).map(Cause::code).orElse(RUNTIME_FAILURE);
  }

  /**
   * What decides a failure's exit code, and the message a person should read.
   *
   * @param code the exit code
   * @param failure the exception in the chain that decided it, or null when it survived only as
   *     text (a Spark task failure whose exception did not reach the driver as an object)
   * @param message that exception's message
   */
  public record Cause(ExitCode code, Throwable failure, String message) {}

  /**
   * A task failure as Spark reports it: {@code Lost task 0.0 in stage 1.0 (TID 1) (…): CLASS:
   * MESSAGE}.
   */
  private static final Pattern TASK_FAILURE =
      Pattern.compile(
          "Lost task [^\\n]*?\\(TID \\d+\\) \\([^)\\n]*\\): ([\\p{Alpha}_$][\\w$.]*): ([^\\n]*)");

  /**
   * The user error (exit 2, 3 or 4) that caused {@code failure}, looking through wrapping
   * exceptions ({@code SparkException}, {@code ExecutionException}, {@code UncheckedIOException},
   * …) and, for a Spark task failure that reached the driver only as text, through the exception
   * class named in its message; empty for a runtime failure.
   */
  public static Optional<Cause> cause(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      chain.add(t);
    }
    for (Throwable t : chain) {
      ExitCode code = classify(t.getClass());
      if (code != RUNTIME_FAILURE) {
        return Optional.of(new Cause(code, t, t.getMessage()));
      }
    }
    for (Throwable t : chain) {
      Matcher m = TASK_FAILURE.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        ExitCode code = classify(m.group(1));
        if (code != RUNTIME_FAILURE) {
          return Optional.of(new Cause(code, null, m.group(2).strip()));
        }
      }
    }
    return Optional.empty();
  }

  private static ExitCode classify(Class<?> type) {
    if (ConfigException.class.isAssignableFrom(type)) {
      return BAD_CONFIG;
    }
    if (IncompatibleVectorException.class.isAssignableFrom(type)) {
      return INCOMPATIBLE_VECTORS;
    }
    if (TargetBusyException.class.isAssignableFrom(type)) {
      return TARGET_BUSY;
    }
    // a file whose content no longer matches its Hadoop checksum (.crc / HDFS block checksum) is
    // corrupt
    if (IllegalArgumentException.class.isAssignableFrom(type)
        || org.apache.hadoop.fs.ChecksumException.class.isAssignableFrom(type)) {
      return BAD_INPUT;
    }
    return RUNTIME_FAILURE;
  }

  private static ExitCode classify(String className) {
    try {
      return classify(Class.forName(className, false, ExitCode.class.getClassLoader()));
    } catch (ClassNotFoundException | LinkageError e) {
      return RUNTIME_FAILURE;
    }
  }
}
