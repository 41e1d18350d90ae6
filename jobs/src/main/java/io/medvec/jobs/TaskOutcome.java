package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.io.TargetBusyException;
import io.medvec.core.vector.IncompatibleVectorException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Spark task's result, or the user error (exit code 2, 3, 4 or 5) it ran into, returned instead
 * of thrown. Spark retries a task that throws up to {@code spark.task.maxFailures} times whatever
 * the exception, and a bad input fails the same way every time; returned as a result it fails the
 * job at once, with its exit code and message whole, whether or not the exception's class would
 * survive the trip from the executor. Runtime failures are still thrown, so Spark retries them. A
 * target another job writes is returned too: retrying it at once cannot help, the scheduler retries
 * later.
 *
 * @param value the task's result, or null when it failed
 * @param exitCode 0, or the code of the user error
 * @param message the user error's one-line message with its causes
 */
record TaskOutcome<T>(T value, int exitCode, String message) implements Serializable {

  /** Runs {@code body} in the task; a user error becomes a failed outcome. */
  static <T> TaskOutcome<T> of(Supplier<T> body) {
    try {
      return new TaskOutcome<>(body.get(), ExitCode.SUCCESS.code(), null);
    } catch (RuntimeException e) {
      ExitCode code = ExitCode.of(e);
      if (!code.isUserError()) {
        throw e;
      }
      return new TaskOutcome<>(null, code.code(), JobMain.describe(e));
    }
  }

  /** The values of {@code outcomes}, in order; the first user error is thrown on the driver. */
  static <T> List<T> values(List<TaskOutcome<T>> outcomes) {
    List<T> values = new ArrayList<>(outcomes.size());
    for (TaskOutcome<T> outcome : outcomes) {
      if (outcome.exitCode() == ExitCode.BAD_CONFIG.code()) {
        throw new ConfigException(outcome.message());
      }
      if (outcome.exitCode() == ExitCode.INCOMPATIBLE_VECTORS.code()) {
        throw new IncompatibleVectorException(outcome.message());
      }
      if (outcome.exitCode() == ExitCode.TARGET_BUSY.code()) {
        throw new TargetBusyException(outcome.message());
      }
      if (outcome.exitCode() != ExitCode.SUCCESS.code()) {
        throw new IllegalArgumentException(outcome.message());
      }
      values.add(outcome.value());
    }
    return values;
  }
}
