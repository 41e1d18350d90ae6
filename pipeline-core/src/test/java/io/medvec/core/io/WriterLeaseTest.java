package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writer leases on the local file system; {@code WriterLeaseHdfsIT} runs the same on HDFS. */
class WriterLeaseTest {
  static final LeaseSettings SETTINGS = new LeaseSettings(60_000, 10_000);

  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  @Test
  void theLeaseFileNamesItsHolderAndIsGoneAfterRelease() throws Exception {
    Path target = path("hospital=h1");
    Instant now = Instant.now();
    try (WriterLease lease = acquire(target, Clock.fixed(now, ZoneOffset.UTC))) {
      assertThat(lease.file().getName()).isEqualTo("_lease-hospital-h1");
      JsonNode json = Json.readTree(Files.readString(local(lease.file())), "lease");
      assertThat(json.get("target").asText()).isEqualTo(lease.target().toString());
      assertThat(json.get("owner").asText()).isEqualTo(System.getProperty("user.name"));
      assertThat(json.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(json.get("host").asText()).isNotBlank();
      assertThat(json.get("started_at_ms").asLong()).isEqualTo(now.toEpochMilli());
      assertThat(json.get("expires_at_ms").asLong()).isEqualTo(now.toEpochMilli() + 60_000);
      assertThat(json.get("token").asText()).isEqualTo(lease.token());
    }
    assertThat(AtomicDirTest.listNames(dir)).isEmpty();
    try (WriterLease again = acquire(target, Clock.systemUTC())) {
      assertThat(again.token()).as("a released lease is taken at once").isNotBlank();
    }
  }

  @Test
  void aSecondWriterIsRefusedWithTheHolderNamed() {
    Path target = path("merged");
    try (WriterLease first = acquire(target, Clock.systemUTC())) {
      assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
          .isInstanceOf(TargetBusyException.class)
          .hasMessageStartingWith("Cannot write " + first.target() + ": another job is writing it")
          .hasMessageContaining("owner " + System.getProperty("user.name"))
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining(", host ")
          .hasMessageContaining("since " + Instant.ofEpochMilli(first.record().startedAtMs()))
          .hasMessageContaining("expires " + Instant.ofEpochMilli(first.record().expiresAtMs()))
          .hasMessageContaining("lease file " + first.file());
      first.requireHeld(); // the refused writer touched nothing
    }
  }

  @Test
  void ofManyConcurrentWritersExactlyOneGetsTheLease() throws Exception {
    Path target = path("merged");
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
      WriterLease lease = r.get(30, TimeUnit.SECONDS);
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
  void renewalExtendsTheExpiryWhileTheTokenIsOurs() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    WriterLease lease = acquire(path("out"), clock);
    long firstExpiry = lease.record().expiresAtMs();
    clock.advance(Duration.ofSeconds(10));
    assertThat(lease.renew()).isTrue();
    JsonNode json = Json.readTree(Files.readString(local(lease.file())), "lease");
    assertThat(json.get("expires_at_ms").asLong()).isEqualTo(firstExpiry + 10_000);
    assertThat(json.get("token").asText()).isEqualTo(lease.token());
    lease.close();
  }

  @Test
  void aLeaseWhoseFileHoldsAnotherTokenIsLostAndNotDeletedOnRelease() throws Exception {
    WriterLease lease = acquire(path("out"), Clock.systemUTC());
    String other = Files.readString(local(lease.file())).replace(lease.token(), "someone-else");
    Files.writeString(local(lease.file()), other);
    assertThat(lease.renew()).isFalse();
    assertThatThrownBy(lease::requireHeld)
        .isInstanceOf(TargetBusyException.class)
        .hasMessageStartingWith("Cannot commit " + lease.target() + ": this job's writer lease")
        .hasMessageContaining("taken over by owner");
    lease.close();
    assertThat(Files.readString(local(lease.file()))).isEqualTo(other);
  }

  @Test
  void aLiveLeaseIsNotTakenOverBeforeItExpires() {
    Path target = path("out");
    MutableClock clock = new MutableClock(Instant.now());
    try (WriterLease first = acquire(target, clock)) {
      MutableClock later = new MutableClock(clock.instant().plus(Duration.ofSeconds(59)));
      assertThatThrownBy(() -> acquire(target, later)).isInstanceOf(TargetBusyException.class);
    }
  }

  @Test
  void anExpiredLeaseIsTakenOverAndItsFormerHolderCannotCommitNorRelease() throws Exception {
    Path target = path("out");
    WriterLease stale = acquire(target, Clock.systemUTC());
    MutableClock later = new MutableClock(Instant.now().plus(Duration.ofSeconds(61)));
    try (WriterLease taker = acquire(target, later)) {
      assertThat(taker.token()).isNotEqualTo(stale.token());
      assertThat(stale.renew()).as("the former holder finds another token").isFalse();
      assertThatThrownBy(stale::requireHeld).isInstanceOf(TargetBusyException.class);
      stale.close();
      taker.requireHeld();
      assertThat(Files.readString(local(taker.file()))).contains(taker.token());
    }
    assertThat(AtomicDirTest.listNames(dir)).as("no takeover marker left").isEmpty();
  }

  @Test
  void aLeaseOfAProcessOnThisHostThatEndedIsTakenOverAtOnce() throws Exception {
    Path target = path("out");
    WriterLease dead = acquire(target, Clock.systemUTC());
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    String text =
        Files.readString(local(dead.file()))
            .replace("\"pid\" : " + ProcessHandle.current().pid(), "\"pid\" : " + ended.pid());
    assertThat(text).contains("\"pid\" : " + ended.pid());
    Files.writeString(local(dead.file()), text);
    try (WriterLease taker = acquire(target, Clock.systemUTC())) {
      assertThat(taker.token()).isNotEqualTo(dead.token());
    }
  }

  @Test
  void anUnreadableLeaseFileIsLiveUntilItIsOlderThanTheTtl() throws Exception {
    Path target = path("out");
    Files.writeString(dir.resolve("_lease-out"), "");
    assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
        .isInstanceOf(TargetBusyException.class)
        .hasMessageContaining("unreadable lease, modified ");
    MutableClock later = new MutableClock(Instant.now().plus(Duration.ofSeconds(61)));
    acquire(target, later).close();
  }

  @Test
  void aTakeoverMarkerOfAnotherTakerKeepsTheDeadLeaseUntilTheMarkerIsOld() throws Exception {
    Path target = path("out");
    Instant now = Instant.now();
    WriterLease stale = acquire(target, Clock.fixed(now.minusSeconds(120), ZoneOffset.UTC));
    Files.setLastModifiedTime(
        local(stale.file()), java.nio.file.attribute.FileTime.from(now.minusSeconds(120)));
    Files.writeString(dir.resolve("_lease-out.takeover-" + stale.token()), "other taker");
    assertThatThrownBy(() -> acquire(target, Clock.systemUTC()))
        .as("dead, but another taker is at it")
        .isInstanceOf(TargetBusyException.class);
    assertThat(Files.readString(local(stale.file()))).contains(stale.token());
    // a marker older than the TTL is its dead taker's: removed, and the dead lease taken over
    MutableClock later = new MutableClock(now.plus(Duration.ofSeconds(61)));
    try (WriterLease taker = acquire(target, later)) {
      assertThat(taker.token()).isNotEqualTo(stale.token());
    }
  }

  @Test
  void aDaemonThreadRenewsTheLeaseUntilItIsReleased() throws Exception {
    LeaseSettings fast = new LeaseSettings(2_000, 50);
    WriterLease lease = WriterLease.acquire(conf, path("out"), fast, Clock.systemUTC(), true);
    long first = lease.record().expiresAtMs();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (expiry(lease) <= first && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(expiry(lease)).as("renewed in the background").isGreaterThan(first);
    lease.close();
    assertThat(Files.exists(local(lease.file()))).isFalse();
  }

  @Test
  void anAtomicDirWritesUnderTheLeaseItsThreadHoldsAndAnotherThreadIsRefused() throws Exception {
    Path target = path("merged");
    try (WriterLease lease = WriterLease.acquire(conf, target)) {
      try (AtomicDir out = AtomicDir.begin(conf, target)) {
        ExecutorService other = Executors.newSingleThreadExecutor();
        Future<?> second = other.submit(() -> AtomicDir.begin(conf, target).close());
        refusedByTheLease(second);
        other.shutdown();
        assertThat(Files.isDirectory(local(out.tmp()))).as("the live writer's tmp").isTrue();
        out.commit();
      }
      assertThat(Files.exists(local(lease.file()))).as("the job's lease outlives the dir").isTrue();
      lease.requireHeld();
    }
    assertThat(AtomicDirTest.listNames(dir)).containsExactly("merged");
  }

  @Test
  void recoveryNeverDeletesTheTmpOfALiveWriter() throws Exception {
    Path target = path("hospital=h1");
    try (AtomicDir first = AtomicDir.begin(conf, target)) {
      Files.writeString(local(first.tmp()).resolve("vector.parquet"), "v");
      assertThatThrownBy(() -> AtomicDir.begin(conf, target))
          .isInstanceOf(TargetBusyException.class)
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
      assertThat(local(first.tmp()).resolve("vector.parquet")).exists();
      first.commit();
    }
    assertThat(AtomicDirTest.listNames(dir)).containsExactly("hospital=h1");
    assertThat(Files.readString(dir.resolve("hospital=h1/vector.parquet"))).isEqualTo("v");
  }

  @Test
  void settingsRefuseARenewalIntervalAboveHalfTheTtl() {
    assertThatThrownBy(() -> new LeaseSettings(1000, 600))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot time writer leases: the renewal interval must be positive and at most half the"
                + " time to live (ttl 1000 ms, renew 600 ms)");
    Configuration c = new LeaseSettings(4000, 1000).applyTo(new Configuration());
    assertThat(LeaseSettings.of(c)).isEqualTo(new LeaseSettings(4000, 1000));
    assertThat(LeaseSettings.of(new Configuration())).isEqualTo(LeaseSettings.DEFAULT);
  }

  private static void refusedByTheLease(Future<?> f) {
    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TargetBusyException.class)
        .cause()
        .hasMessageContaining("another job is writing it");
  }

  private long expiry(WriterLease lease) throws Exception {
    return Json.readTree(Files.readString(local(lease.file())), "lease")
        .get("expires_at_ms")
        .asLong();
  }

  private WriterLease acquire(Path target, Clock clock) {
    return WriterLease.acquire(conf, target, SETTINGS, clock, false);
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }

  private static java.nio.file.Path local(Path path) {
    return java.nio.file.Path.of(path.toUri().getPath());
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
