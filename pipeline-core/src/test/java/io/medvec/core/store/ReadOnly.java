package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Makes a directory read-only for the duration of a test, also for root (who ignores permission
 * bits): by permissions, else by the immutable attribute ({@code chattr +i}).
 */
public final class ReadOnly implements AutoCloseable {

  private final Path dir;
  private final boolean immutable;

  private ReadOnly(Path dir, boolean immutable) {
    this.dir = dir;
    this.immutable = immutable;
  }

  public static ReadOnly make(Path dir) throws IOException, InterruptedException {
    dir.toFile().setWritable(false, false);
    if (!writable(dir)) {
      return new ReadOnly(dir, false);
    }
    chattr("+i", dir);
    assertThat(writable(dir)).as("%s is read-only by chmod or chattr", dir).isFalse();
    return new ReadOnly(dir, true);
  }

  private static boolean writable(Path dir) {
    try {
      Files.delete(Files.createFile(dir.resolve("probe")));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void chattr(String flag, Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("chattr", flag, dir.toString()).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (immutable) {
      chattr("-i", dir);
    }
    dir.toFile().setWritable(true, false);
  }
}
