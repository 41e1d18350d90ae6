package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.junit.jupiter.api.Test;

/**
 * What a writer lease guarantees on any file system with an atomic create-if-absent and replace:
 * one holder, named to the refused writer; renewal, release, expiry and takeover; recovery that
 * never deletes a live writer's temporary directory. {@code WriterLeaseTest} runs it on the local
 * file system, {@code WriterLeaseHdfsIT} (jobs) on a {@code MiniDFSCluster}.
 */
public abstract class WriterLeaseContract {
  static final LeaseSettings SETTINGS = new LeaseSettings(60_000, 10_000);

  /** The configuration the file system under test is reached with. */
  protected abstract Configuration conf();

  /** The file system under test. */
  protected abstract FileSystem fs() throws IOException;

  /** A new empty directory on the file system under test, qualified. */
  protected abstract Path newDir() throws IOException;

  @Test
  void theLeaseFileNamesItsHolderAndASecondWriterIsRefusedWithTheHolderNamed() throws Exception {
    Path target = target("hospital=h1");
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // leases record milliseconds
    try (WriterLease lease = acquire(target, Clock.fixed(now, ZoneOffset.UTC))) {
      assertThat(lease.file().getName()).isEqualTo("_lease-hospital-h1");
      assertThat(lease.file().getParent().toUri().getPath())
          .isEqualTo(target.getParent().toUri().getPath());
      JsonNode json = Json.readTree(read(lease.file()), "lease");
      assertThat(json.get("target").asText()).isEqualTo(lease.target().toString());
      assertThat(json.get("owner").asText()).isEqualTo(System.getProperty("user.name"));
      assertThat(json.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(json.get("host").asText()).isNotBlank();
      assertThat(json.get("started_at_ms").asLong()).isEqualTo(now.toEpochMilli());
      assertThat(json.get("expires_at_ms").asLong()).isEqualTo(now.toEpochMilli() + 60_000);
      assertThat(json.get("token").asText()).isEqualTo(lease.token());
      assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
          .isInstanceOf(TargetBusyException.class)
          .hasMessageStartingWith("Cannot write " + lease.target() + ": another job is writing it")
          .hasMessageContaining("owner " + System.getProperty("user.name"))
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining(", host ")
          .hasMessageContaining("since " + now)
          .hasMessageContaining("expires " + now.plusMillis(60_000))
          .hasMessageContaining("lease file " + lease.file());
      lease.requireHeld(); // the refused writer touched nothing
    }
    assertThat(names(target.getParent())).as("released").isEmpty();
    try (WriterLease again = acquire(target, Clock.systemUTC())) {
      assertThat(again.token()).as("a released lease is taken at once").isNotBlank();
    }
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
  void renewalExtendsTheExpiryWhileTheTokenIsOursAndALeaseWithAnotherTokenIsLost()
      throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    WriterLease lease = acquire(target("out"), clock);
    long firstExpiry = lease.record().expiresAtMs();
    clock.advance(Duration.ofSeconds(10));
    assertThat(lease.renew()).isTrue();
    JsonNode json = Json.readTree(read(lease.file()), "lease");
    assertThat(json.get("expires_at_ms").asLong()).isEqualTo(firstExpiry + 10_000);
    assertThat(json.get("token").asText()).isEqualTo(lease.token());

    String other = read(lease.file()).replace(lease.token(), "someone-else");
    files().replace(lease.file(), other);
    assertThat(lease.renew()).isFalse();
    assertThatThrownBy(lease::requireHeld)
        .isInstanceOf(TargetBusyException.class)
        .hasMessageStartingWith("Cannot commit " + lease.target() + ": this job's writer lease")
        .hasMessageContaining("is lost (taken over by owner");
    lease.close();
    assertThat(read(lease.file())).as("not ours to delete").isEqualTo(other);
  }

  @Test
  void anExpiredLeaseIsTakenOverAndItsFormerHolderCannotCommitNorRelease() throws Exception {
    Path target = target("out");
    WriterLease stale = acquire(target, Clock.systemUTC());
    MutableClock later = new MutableClock(Instant.now().plus(Duration.ofSeconds(59)));
    assertThatThrownBy(() -> acquire(target, later))
        .as("live until it expires")
        .isInstanceOf(TargetBusyException.class);
    later.advance(Duration.ofSeconds(2));
    try (WriterLease taker = acquire(target, later)) {
      assertThat(taker.token()).isNotEqualTo(stale.token());
      assertThat(stale.renew()).as("the former holder finds another token").isFalse();
      assertThatThrownBy(stale::requireHeld).isInstanceOf(TargetBusyException.class);
      stale.close();
      taker.requireHeld();
      assertThat(read(taker.file())).contains(taker.token());
    }
    assertThat(names(target.getParent())).as("no lease nor takeover marker left").isEmpty();
  }

  @Test
  void aLeaseOfAProcessOnThisHostThatEndedIsTakenOverAtOnce() throws Exception {
    Path target = target("out");
    WriterLease dead = acquire(target, Clock.systemUTC());
    Process ended = new ProcessBuilder("true").start();
    assertThat(ended.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String text =
        read(dead.file())
            .replace("\"pid\" : " + ProcessHandle.current().pid(), "\"pid\" : " + ended.pid());
    assertThat(text).contains("\"pid\" : " + ended.pid());
    files().replace(dead.file(), text);
    try (WriterLease taker = acquire(target, Clock.systemUTC())) {
      assertThat(taker.token()).isNotEqualTo(dead.token());
    }
  }

  @Test
  void anUnreadableLeaseFileIsLiveUntilItIsOlderThanTheTtl() throws Exception {
    Path target = target("out");
    assertThat(files().createIfAbsent(WriterLease.fileFor(target), "")).isTrue();
    assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
        .isInstanceOf(TargetBusyException.class)
        .hasMessageContaining("unreadable lease, modified ");
    MutableClock later = new MutableClock(Instant.now().plus(Duration.ofSeconds(61)));
    acquire(target, later).close();
  }

  @Test
  void aTakeoverMarkerOfAnotherTakerKeepsTheDeadLeaseUntilTheMarkerIsOld() throws Exception {
    Path target = target("out");
    Instant now = Instant.now();
    WriterLease stale = acquire(target, Clock.fixed(now.minusSeconds(120), ZoneOffset.UTC));
    fs().setTimes(stale.file(), now.minusSeconds(120).toEpochMilli(), -1);
    Path marker = new Path(target.getParent(), "_lease-out.takeover-" + stale.token());
    files().createIfAbsent(marker, "other taker");
    assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
        .as("dead, but another taker is at it")
        .isInstanceOf(TargetBusyException.class);
    assertThat(read(stale.file())).contains(stale.token());
    // a marker older than the TTL is its dead taker's: removed, and the dead lease taken over
    MutableClock later = new MutableClock(now.plus(Duration.ofSeconds(61)));
    try (WriterLease taker = acquire(target, later)) {
      assertThat(taker.token()).isNotEqualTo(stale.token());
    }
    assertThat(fs().exists(marker)).isFalse();
  }

  @Test
  void aDaemonThreadRenewsTheLeaseUntilItIsReleased() throws Exception {
    LeaseSettings fast = new LeaseSettings(2_000, 50);
    WriterLease lease = WriterLease.acquire(conf(), target("out"), fast, Clock.systemUTC(), true);
    long first = lease.record().expiresAtMs();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (expiry(lease) <= first && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(expiry(lease)).as("renewed in the background").isGreaterThan(first);
    lease.close();
    assertThat(fs().exists(lease.file())).isFalse();
  }

  @Test
  void anAtomicDirWritesUnderTheLeaseItsThreadHoldsAndAnotherThreadIsRefused() throws Exception {
    Path target = target("merged");
    try (WriterLease lease = WriterLease.acquire(conf(), target)) {
      try (AtomicDir out = AtomicDir.begin(conf(), target)) {
        ExecutorService other = Executors.newSingleThreadExecutor();
        Future<?> second = other.submit(() -> AtomicDir.begin(conf(), target).close());
        assertThatThrownBy(() -> second.get(60, TimeUnit.SECONDS))
            .hasCauseInstanceOf(TargetBusyException.class)
            .cause()
            .hasMessageContaining("another job is writing it");
        other.shutdown();
        assertThat(fs().getFileStatus(out.tmp()).isDirectory())
            .as("the live writer's tmp")
            .isTrue();
        out.commit();
      }
      assertThat(fs().exists(lease.file())).as("the job's lease outlives the dir").isTrue();
      lease.requireHeld();
    }
    assertThat(names(target.getParent())).containsExactly("merged");
  }

  @Test
  void recoveryNeverDeletesTheTmpOfALiveWriter() throws Exception {
    Path target = target("hospital=h1");
    try (AtomicDir first = AtomicDir.begin(conf(), target)) {
      try (FSDataOutputStream o = fs().create(new Path(first.tmp(), "vector.parquet"))) {
        o.write('v');
      }
      assertThatThrownBy(() -> AtomicDir.begin(conf(), target))
          .isInstanceOf(TargetBusyException.class)
          .hasMessageContaining("another job is writing it")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
      assertThat(fs().exists(new Path(first.tmp(), "vector.parquet"))).isTrue();
      first.commit();
    }
    assertThat(names(target.getParent())).containsExactly("hospital=h1");
    assertThat(fs().getFileStatus(new Path(target, "vector.parquet")).getLen()).isEqualTo(1);
  }

  // ---- helpers ----

  WriterLease acquire(Path target, Clock clock) {
    return WriterLease.acquire(conf(), target, SETTINGS, clock, false);
  }

  /** A target in a fresh directory of its own. */
  Path target(String name) throws IOException {
    return new Path(newDir(), name);
  }

  LeaseFiles files() throws IOException {
    return new LeaseFiles(conf(), fs());
  }

  /** The lease file's text, read as the lease reads it (a renewal may replace it meanwhile). */
  String read(Path file) throws IOException {
    return files().read(file).orElseThrow().text();
  }

  long expiry(WriterLease lease) throws IOException {
    return Json.readTree(read(lease.file()), "lease").get("expires_at_ms").asLong();
  }

  /** The names in {@code dir} (Hadoop's .crc companions left out: they are not outputs). */
  List<String> names(Path dir) throws IOException {
    return Arrays.stream(fs().listStatus(dir))
        .map(s -> s.getPath().getName())
        .filter(n -> !n.endsWith(".crc"))
        .sorted()
        .toList();
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
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
