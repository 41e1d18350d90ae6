package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writer leases on a real in-process HDFS ({@code MiniDFSCluster}): create-if-absent at the name
 * node, renewal, release, expiry and takeover, and an {@link AtomicDir} that never deletes a live
 * writer's temporary directory. {@code WriterLeaseTest} (pipeline-core) runs the same on the local
 * file system.
 */
class WriterLeaseHdfsIT {
  static final LeaseSettings SETTINGS = new LeaseSettings(60_000, 10_000);

  @TempDir static java.nio.file.Path tmp;
  static MiniDFSCluster cluster;
  static Configuration conf;
  static FileSystem fs;
  static int dirs;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration dfsConf = new Configuration();
    dfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
    cluster = new MiniDFSCluster.Builder(dfsConf).numDataNodes(1).build();
    cluster.waitActive();
    conf = new Configuration();
    conf.set("dfs.replication", "1");
    fs = FileSystem.get(cluster.getURI(), conf);
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  @Test
  void aLeaseIsTakenRefusedToASecondWriterAndReleased() throws Exception {
    Path target = target("hospital=h1");
    try (WriterLease lease = acquire(target, Clock.systemUTC())) {
      assertThat(lease.file().toString()).startsWith("hdfs://").endsWith("/_lease-hospital-h1");
      String json = read(lease.file());
      assertThat(json)
          .contains(lease.token())
          .contains("\"pid\" : " + ProcessHandle.current().pid());
      assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
          .isInstanceOf(TargetBusyException.class)
          .hasMessageStartingWith("Cannot write " + target + ": another job is writing it")
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining("lease file " + lease.file());
      lease.requireHeld();
    }
    assertThat(fs.exists(WriterLease.fileFor(target))).isFalse();
    acquire(target, Clock.systemUTC()).close();
  }

  @Test
  void ofManyConcurrentWritersExactlyOneGetsTheLease() throws Exception {
    Path target = target("merged");
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<WriterLease>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      results.add(
          pool.submit(
              () -> {
                start.await();
                try {
                  return acquire(target, Clock.systemUTC());
                } catch (TargetBusyException e) {
                  return null;
                }
              }));
    }
    start.countDown();
    List<WriterLease> won = new ArrayList<>();
    for (Future<WriterLease> r : results) {
      WriterLease lease = r.get(60, TimeUnit.SECONDS);
      if (lease != null) {
        won.add(lease);
      }
    }
    pool.shutdown();
    assertThat(won).hasSize(1);
    won.get(0).requireHeld();
    won.get(0).close();
  }

  @Test
  void renewalRewritesTheExpiryAndALeaseWithAnotherTokenIsLost() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    WriterLease lease = acquire(target("out"), clock);
    long first = lease.record().expiresAtMs();
    clock.advance(Duration.ofSeconds(10));
    assertThat(lease.renew()).isTrue();
    assertThat(read(lease.file())).contains("\"expires_at_ms\" : " + (first + 10_000));
    String other = read(lease.file()).replace(lease.token(), "someone-else");
    try (FSDataOutputStream o = fs.create(lease.file(), true)) {
      o.write(other.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(lease.renew()).isFalse();
    assertThatThrownBy(lease::requireHeld)
        .isInstanceOf(TargetBusyException.class)
        .hasMessageContaining("this job's writer lease is lost (taken over by owner");
    lease.close();
    assertThat(read(lease.file())).as("not ours to delete").isEqualTo(other);
  }

  @Test
  void anExpiredLeaseIsTakenOverAndItsFormerHolderCannotCommit() throws Exception {
    Path target = target("out");
    WriterLease stale = acquire(target, Clock.systemUTC());
    MutableClock later = new MutableClock(Instant.now().plus(Duration.ofSeconds(59)));
    assertThatThrownBy(() -> acquire(target, later)).isInstanceOf(TargetBusyException.class);
    later.advance(Duration.ofSeconds(2));
    try (WriterLease taker = acquire(target, later)) {
      assertThat(taker.token()).isNotEqualTo(stale.token());
      assertThatThrownBy(stale::requireHeld).isInstanceOf(TargetBusyException.class);
      stale.close();
      assertThat(read(taker.file())).contains(taker.token());
    }
    assertThat(fs.listStatus(target.getParent())).as("no lease nor marker left").isEmpty();
  }

  @Test
  void aDaemonThreadRenewsTheLease() throws Exception {
    WriterLease lease =
        WriterLease.acquire(
            conf, target("out"), new LeaseSettings(2_000, 50), Clock.systemUTC(), true);
    String first = read(lease.file());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (read(lease.file()).equals(first) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(read(lease.file())).as("renewed in the background").isNotEqualTo(first);
    lease.close();
    assertThat(fs.exists(lease.file())).isFalse();
  }

  @Test
  void aSecondAtomicDirNeverDeletesTheLiveWritersTmp() throws Exception {
    Path target = target("hospital=h1");
    try (AtomicDir first = AtomicDir.begin(conf, target)) {
      try (FSDataOutputStream o = fs.create(new Path(first.tmp(), "vector.parquet"))) {
        o.write(1);
      }
      assertThatThrownBy(() -> AtomicDir.begin(conf, target))
          .isInstanceOf(TargetBusyException.class)
          .hasMessageContaining("another job is writing it");
      assertThat(fs.exists(new Path(first.tmp(), "vector.parquet"))).isTrue();
      first.commit();
    }
    assertThat(fs.exists(new Path(target, "vector.parquet"))).isTrue();
    assertThat(fs.listStatus(target.getParent())).hasSize(1);
  }

  private static WriterLease acquire(Path target, Clock clock) {
    return WriterLease.acquire(conf, target, SETTINGS, clock, false);
  }

  /** The lease file's text, read as the lease reads it (a renewal may replace it meanwhile). */
  private static String read(Path file) throws Exception {
    return new LeaseFiles(conf, fs).read(file).orElseThrow().text();
  }

  /** A target in a fresh directory of its own. */
  private static synchronized Path target(String name) {
    return new Path(fs.getUri() + "/t" + (++dirs) + "/" + name);
  }

  /** A clock a test moves by hand. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
