package io.medvec.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code io.medvec.jobs.Medvec COMMAND ...} in a separate JVM with the test class path and this
 * JVM's Java 17 module flags, stderr (the log) to a file, stdout readable line by line.
 */
final class MedvecProcess implements AutoCloseable {

  private static final List<String> INHERITED_FLAGS =
      List.of(
          "--add-opens",
          "-XX:+IgnoreUnrecognizedVMOptions",
          "-Djdk.reflect",
          "-Dio.netty",
          "-Dorg.bytedeco");

  final Process process;
  final Path log;
  private final BufferedReader stdout;

  private MedvecProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.stdout =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Starts {@code Medvec args} with extra JVM options (e.g. -Dspark.master=local[2,2]). */
  static MedvecProcess start(Path log, List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> INHERITED_FLAGS.stream().anyMatch(a::startsWith))
        .forEach(cmd::add);
    cmd.add("-Dspark.ui.enabled=false");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    cmd.add(Medvec.class.getName());
    cmd.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectError(log.toFile());
    builder.environment().remove("MEDVEC_HOME"); // no conf/*.yaml: the test passes every setting
    builder.environment().put("OMP_NUM_THREADS", "1");
    try {
      return new MedvecProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start child JVM " + cmd, e);
    }
  }

  /**
   * Reads stdout until a line starts with {@code prefix}; returns the rest of it, or fails with the
   * log.
   */
  String awaitLine(String prefix) throws IOException {
    for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).trim();
      }
    }
    throw new AssertionError(
        "Child JVM ended ("
            + process.onExit().join().exitValue()
            + ") before printing "
            + prefix
            + "; its log:\n"
            + logTail());
  }

  /** SIGKILL (destroyForcibly on Unix), then the exit value. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    return process.waitFor();
  }

  int await() throws InterruptedException {
    return process.waitFor();
  }

  String logTail() {
    try {
      String text = Files.readString(log);
      return text.substring(Math.max(0, text.length() - 6000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  String logText() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
