package io.medvec.jobs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@code main} in a fresh JVM with this JVM's options and class path (benchmark workers).
 */
final class ChildJvm {

  /** Prefix of the one stdout line that carries a worker's JSON result. */
  static final String RESULT_MARKER = "MEDVEC-BENCH-RESULT ";

  private ChildJvm() {}

  /**
   * Whether {@code main} exits with 0 in a fresh JVM with this JVM's options except its heap and
   * collector settings, replaced by {@code jvmOptions}; output discarded. A child still running
   * after {@code timeoutSeconds} is killed and counts as failed.
   */
  static boolean succeeds(
      Class<?> main, List<String> jvmOptions, long timeoutSeconds, String... args) {
    List<String> options =
        new ArrayList<>(
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(
                    o ->
                        !o.startsWith("-Xmx")
                            && !o.startsWith("-Xms")
                            && !o.matches("-XX:[+-]Use\\w*GC"))
                .toList());
    options.addAll(jvmOptions);
    ProcessBuilder builder =
        new ProcessBuilder(command(options, main, args))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      Process process = builder.start();
      if (!process.waitFor(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start benchmark worker " + main.getSimpleName(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "Interrupted while waiting for benchmark worker " + main.getSimpleName(), e);
    }
  }

  /** Runs {@code main} with extra environment; returns the JSON after {@link #RESULT_MARKER}. */
  static String run(Class<?> main, Map<String, String> env, String... args) {
    ProcessBuilder builder =
        new ProcessBuilder(
                command(ManagementFactory.getRuntimeMXBean().getInputArguments(), main, args))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      String result = null;
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith(RESULT_MARKER)) {
            result = line.substring(RESULT_MARKER.length());
          }
        }
      }
      int code = process.waitFor();
      if (code != 0 || result == null) {
        throw new IllegalStateException(
            "Cannot run benchmark worker "
                + main.getSimpleName()
                + ": exit code "
                + code
                + " "
                + env);
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start benchmark worker " + main.getSimpleName(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "Interrupted while waiting for benchmark worker " + main.getSimpleName(), e);
    }
  }

  /**
   * This JVM's java executable, {@code jvmOptions}, this JVM's class path, {@code main} and its
   * args.
   */
  private static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return command;
  }
}
