package io.medvec.core.io;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.apache.hadoop.fs.Path;

/**
 * Test-only fault injection, off unless a system property names a target. It lets a test kill a job
 * (SIGKILL) at a known point instead of guessing with timers.
 *
 * <p>{@value #PAUSE_BEFORE_COMMIT}={@code NAME}: an {@link AtomicDir} whose target is named {@code
 * NAME} (e.g. {@code hospital=h1}, {@code merged}) prints {@value #PAUSED_LINE} and its temporary
 * directory on stdout once everything but the {@code _SUCCESS} marker is written, then blocks
 * forever, waiting to be killed.
 *
 * <p>{@value #PAUSE_BETWEEN_RENAMES}={@code NAME}: likewise, inside the commit of a target that
 * already existed, after the old version was moved aside and before the new one takes its place.
 *
 * <p>{@value #RESUME_FILE}={@code PATH} (with either pause): the paused writer goes on once the
 * local file {@code PATH} exists, instead of waiting to be killed; a test holds a writer (and its
 * {@link WriterLease}) at a known point while it starts a second one.
 */
final class FaultPoints {

  /** System property naming the target directory to pause before committing. */
  static final String PAUSE_BEFORE_COMMIT = "medvec.fault.pause-before-commit";

  /** System property naming the target directory to pause between a commit's two renames. */
  static final String PAUSE_BETWEEN_RENAMES = "medvec.fault.pause-between-renames";

  /** System property naming a local file whose creation ends a pause. */
  static final String RESUME_FILE = "medvec.fault.resume-file";

  /** Printed on stdout, followed by the temporary directory, when paused. */
  static final String PAUSED_LINE = "MEDVEC-FAULT-PAUSED";

  private FaultPoints() {}

  static void beforeCommit(Path target, Path tmp) {
    pauseIfNamed(PAUSE_BEFORE_COMMIT, target, tmp);
  }

  static void betweenRenames(Path target, Path tmp) {
    pauseIfNamed(PAUSE_BETWEEN_RENAMES, target, tmp);
  }

  private static void pauseIfNamed(String property, Path target, Path tmp) {
    String name = System.getProperty(property);
    if (name == null || !name.equals(target.getName())) {
      return;
    }
    System.out.println(PAUSED_LINE + " " + tmp);
    System.out.flush();
    String resume = System.getProperty(RESUME_FILE);
    if (resume != null) {
      java.nio.file.Path file = java.nio.file.Path.of(resume);
      while (!java.nio.file.Files.exists(file)) {
        LockSupport.parkNanos(20_000_000L); // a test-only wait for the test's signal
      }
      return;
    }
    CountDownLatch never = new CountDownLatch(1);
    while (true) {
      try {
        never.await();
      } catch (InterruptedException e) {
        // a test-only pause ends with the process; keep blocking
      }
    }
  }
}
