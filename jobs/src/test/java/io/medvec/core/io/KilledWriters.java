package io.medvec.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Test-only: writers in this JVM that die as a SIGKILLed process does, leaving their temporary
 * directory and their lease file behind, the lease naming a process of this host that has ended.
 */
public final class KilledWriters {

  private KilledWriters() {}

  /** An {@link AtomicDir} for {@code target} whose writer is then dead; write into its tmp. */
  public static AtomicDir begin(Configuration conf, Path target) {
    AtomicDir dir = AtomicDir.begin(conf, target);
    WriterLease lease = dir.lease();
    lease.stopRenewing();
    LeaseRecord r = lease.record();
    LeaseRecord dead =
        new LeaseRecord(
            r.target(),
            r.owner(),
            r.host(),
            endedProcess(),
            r.processStartMs(),
            r.startedAtMs(),
            r.expiresAtMs(),
            r.token());
    try {
      lease.files().replace(lease.file(), Json.write(dead));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  private static long endedProcess() {
    try {
      Process p = new ProcessBuilder("true").start();
      p.waitFor();
      return p.pid();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
