package io.medvec.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per output target: an exclusive, expiring lease, held in the file {@code
 * <parent>/_lease-<name>} beside the target (hidden from readers by its leading underscore; '=' in
 * the name becomes '-' as for {@link AtomicDir}'s siblings).
 *
 * <p>The lease file is created with create-if-absent, so of two writers exactly one gets it; the
 * other gets a {@link TargetBusyException} naming the holder. Its JSON ({@link LeaseRecord}) names
 * owner, host, process id, start, expiry and a random token. While held, a daemon thread rewrites
 * it every {@link LeaseSettings#renewMillis} with a later expiry, after checking that the file
 * still holds this lease's token; {@link #close} deletes it under the same check.
 *
 * <p>Dead leases. A lease is dead when its expiry and its file's modification time plus the TTL
 * have both passed by the reader's clock (the holder's clock and the file system's, so one clock
 * running behind does not end a live lease early), or at once when its holder ran on this host and
 * that process is gone. A dead lease is taken over: the taker first creates the marker {@code
 * _lease-<name>.takeover-<token>} (create-if-absent, so one taker per dead lease), checks the lease
 * file still holds the dead token, deletes it and then competes for the lease like any writer.
 *
 * <p>Clock skew. Expiry is judged on the reader's clock: if clocks between hosts (or a host and the
 * name node) differ by more than {@code ttl - renew}, a live lease can look dead. Keep hosts on NTP
 * and choose the TTL well above renew interval + skew + the longest pause (GC, swap) a holder can
 * suffer. A holder that was paused past its expiry finds another token at its next renewal or at
 * commit ({@link #requireHeld}) and fails instead of committing.
 *
 * <p>{@link #acquire} registers the lease with the acquiring thread, and an {@link AtomicDir} begun
 * for the same target in that thread writes under it instead of taking its own: a job takes its
 * target's lease before hours of work, and the output written at the end is covered.
 */
public final class WriterLease implements AutoCloseable {

  /** Prefix of lease files (and their takeover markers) beside the target. */
  public static final String PREFIX = "_lease-";

  private static final Logger LOG = LoggerFactory.getLogger(WriterLease.class);
  private static final ThreadLocal<Map<Path, WriterLease>> HELD =
      ThreadLocal.withInitial(ConcurrentHashMap::new);
  private static final String HOST = localHost();
  private static final int ATTEMPTS = 3;
  private static final java.util.Set<String> OBJECT_STORES =
      java.util.Set.of(
          "s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "cos", "cosn", "obs");
  private static final java.util.Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private final LeaseFiles files;
  private final Path target;
  private final Path file;
  private final LeaseSettings settings;
  private final Clock clock;
  private final Map<Path, WriterLease> heldByThread;
  private volatile LeaseRecord record;
  private volatile String lost;
  private ScheduledExecutorService renewer;
  private boolean released;

  private WriterLease(
      LeaseFiles files,
      Path target,
      Path file,
      LeaseSettings settings,
      Clock clock,
      LeaseRecord r) {
    this.files = files;
    this.target = target;
    this.file = file;
    this.settings = settings;
    this.clock = clock;
    this.record = r;
    this.heldByThread = HELD.get();
  }

  /**
   * Takes the lease of {@code target} with the timing in {@code conf} ({@link LeaseSettings#of})
   * and renews it in the background until {@link #close}.
   *
   * @throws TargetBusyException if another live writer holds it
   */
  public static WriterLease acquire(Configuration conf, Path target) {
    return acquire(conf, target, LeaseSettings.of(conf), Clock.systemUTC(), true, true);
  }

  /** As {@link #acquire}, for one {@link AtomicDir}: not shared with its thread's later writes. */
  static WriterLease acquireUnshared(Configuration conf, Path target) {
    return acquire(conf, target, LeaseSettings.of(conf), Clock.systemUTC(), true, false);
  }

  static WriterLease acquire(
      Configuration conf, Path target, LeaseSettings settings, Clock clock, boolean renew) {
    return acquire(conf, target, settings, clock, renew, true);
  }

  private static WriterLease acquire(
      Configuration conf,
      Path target,
      LeaseSettings settings,
      Clock clock,
      boolean renew,
      boolean shared) {
    if (conf == null || target == null) {
      throw new IllegalArgumentException(
          "Cannot take writer lease: configuration or target is null (" + target + ")");
    }
    try {
      FileSystem fs = target.getFileSystem(conf);
      Path qualified = HadoopFiles.normalize(fs.makeQualified(target));
      if (qualified.getParent() == null) {
        throw new IllegalArgumentException(
            "Cannot take writer lease: target has no parent (" + qualified + ")");
      }
      warnIfObjectStore(qualified);
      WriterLease lease =
          take(new LeaseFiles(conf, fs), qualified, fileFor(qualified), settings, clock);
      if (shared) {
        lease.heldByThread.put(qualified, lease);
      }
      if (renew) {
        lease.startRenewing();
      }
      LOG.debug("Took writer lease {} ({})", lease.file, lease.record.describe());
      return lease;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take writer lease for " + target, e);
    }
  }

  /** The lease this thread holds for {@code target} (qualified), if any. */
  static Optional<WriterLease> heldByCurrentThread(Path target) {
    WriterLease lease = HELD.get().get(target);
    return lease == null || lease.released ? Optional.empty() : Optional.of(lease);
  }

  /** The lease file of {@code target}: {@code <parent>/_lease-<name with '=' as '-'>}. */
  public static Path fileFor(Path target) {
    return new Path(target.getParent(), PREFIX + target.getName().replace('=', '-'));
  }

  public Path target() {
    return target;
  }

  public Path file() {
    return file;
  }

  String token() {
    return record.token();
  }

  LeaseRecord record() {
    return record;
  }

  private static WriterLease take(
      LeaseFiles files, Path target, Path file, LeaseSettings settings, Clock clock)
      throws IOException {
    LeaseRecord current = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      LeaseRecord mine = newRecord(target, clock.millis(), settings);
      if (files.createIfAbsent(file, Json.write(mine))) {
        return new WriterLease(files, target, file, settings, clock, mine);
      }
      Optional<LeaseFiles.Stored> stored = files.read(file);
      if (stored.isEmpty()) {
        continue; // released meanwhile
      }
      current = parse(stored.get(), file).orElse(null);
      if (!isDead(current, stored.get().modifiedMs(), clock.millis(), settings)) {
        throw busy(target, file, current, stored.get());
      }
      takeOver(files, file, stored.get(), current, clock, settings);
    }
    throw busy(target, file, current, null);
  }

  /**
   * Deletes the dead lease in {@code stale}, unless another taker is at it or the file no longer
   * holds it; the caller then competes for the lease again.
   */
  private static void takeOver(
      LeaseFiles files,
      Path file,
      LeaseFiles.Stored stale,
      LeaseRecord staleRecord,
      Clock clock,
      LeaseSettings settings)
      throws IOException {
    String staleId = staleRecord != null ? staleRecord.token() : "unreadable-" + stale.modifiedMs();
    Path marker = new Path(file.getParent(), file.getName() + ".takeover-" + staleId);
    if (!files.createIfAbsent(marker, HOST + " " + ProcessHandle.current().pid())) {
      Optional<LeaseFiles.Stored> other = files.read(marker);
      if (other.isPresent() && other.get().modifiedMs() + settings.ttlMillis() < clock.millis()) {
        files.delete(marker); // its taker died; the next attempt takes over
      }
      return;
    }
    try {
      Optional<LeaseFiles.Stored> again = files.read(file);
      if (again.isPresent() && again.get().equals(stale)) {
        files.delete(file);
        LOG.warn(
            "Took over the writer lease {} of a dead writer ({})",
            file,
            staleRecord != null ? staleRecord.describe() : "unreadable lease file");
      }
    } finally {
      files.delete(marker);
    }
  }

  static boolean isDead(LeaseRecord r, long modifiedMs, long now, LeaseSettings settings) {
    boolean fileStale = modifiedMs + settings.ttlMillis() < now;
    if (r == null) {
      return fileStale; // being written, or garbage: judged by its age alone
    }
    return (r.expiresAtMs() < now && fileStale) || processGone(r);
  }

  /** Whether {@code r}'s holder ran on this host and its process has ended. */
  private static boolean processGone(LeaseRecord r) {
    if (!HOST.equals(r.host())) {
      return false;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(r.pid());
    if (process.isEmpty()) {
      return true;
    }
    Optional<Instant> started = process.get().info().startInstant();
    // the same pid, started at another time: the holder ended and its pid was reused
    return r.processStartMs() > 0
        && started.isPresent()
        && Math.abs(started.get().toEpochMilli() - r.processStartMs()) > 1000;
  }

  private static Optional<LeaseRecord> parse(LeaseFiles.Stored stored, Path file) {
    try {
      return Optional.of(Json.read(stored.text(), LeaseRecord.class, file.toString()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static LeaseRecord newRecord(Path target, long now, LeaseSettings settings) {
    ProcessHandle self = ProcessHandle.current();
    return new LeaseRecord(
        target.toString(),
        System.getProperty("user.name", "unknown"),
        HOST,
        self.pid(),
        self.info().startInstant().map(Instant::toEpochMilli).orElse(-1L),
        now,
        now + settings.ttlMillis(),
        UUID.randomUUID().toString());
  }

  private static TargetBusyException busy(
      Path target, Path file, LeaseRecord holder, LeaseFiles.Stored stored) {
    String who =
        holder != null
            ? holder.describe()
            : "unreadable lease"
                + (stored == null ? "" : ", modified " + Instant.ofEpochMilli(stored.modifiedMs()));
    return new TargetBusyException(
        "Cannot write "
            + target
            + ": another job is writing it; retry after it ends, or after its lease expires if it"
            + " died ("
            + who
            + "; lease file "
            + file
            + ")",
        target.toString(),
        who);
  }

  private void startRenewing() {
    renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "medvec-lease-" + target.getName());
              t.setDaemon(true);
              return t;
            });
    renewer.scheduleWithFixedDelay(
        this::renew, settings.renewMillis(), settings.renewMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the background renewal (as when the holder's process dies); the file stays. */
  synchronized void stopRenewing() {
    if (renewer != null) {
      renewer.shutdownNow();
    }
  }

  LeaseFiles files() {
    return files;
  }

  /**
   * Rewrites the lease with a new expiry if the file still holds this lease's token; else marks it
   * lost. False once lost or released.
   */
  synchronized boolean renew() {
    if (released || lost != null) {
      return false;
    }
    long now = clock.millis();
    try {
      Optional<String> other = otherHolder();
      if (other.isPresent()) {
        lost = other.get();
        LOG.error("Lost the writer lease {}: {}", file, lost);
        return false;
      }
      LeaseRecord renewed = record.renewed(now + settings.ttlMillis());
      files.replace(file, Json.write(renewed));
      record = renewed;
      return true;
    } catch (IOException | UncheckedIOException e) {
      if (now > record.expiresAtMs()) {
        lost = "could not renew it before it expired (" + e + ")";
      }
      LOG.warn("Could not renew the writer lease {}", file, e);
      return lost == null;
    }
  }

  /** Who holds the lease file instead of this lease, if anyone (or nobody: the file is gone). */
  private Optional<String> otherHolder() throws IOException {
    Optional<LeaseFiles.Stored> stored = files.read(file);
    if (stored.isEmpty()) {
      return Optional.of("its file is gone");
    }
    Optional<LeaseRecord> now = parse(stored.get(), file);
    if (now.isPresent() && now.get().token().equals(record.token())) {
      return Optional.empty();
    }
    return Optional.of(
        "taken over by " + now.map(LeaseRecord::describe).orElse("an unknown writer"));
  }

  /**
   * Throws {@link TargetBusyException} unless this lease is still held: called before an output
   * becomes visible, so a writer whose lease was taken over never commits.
   */
  public synchronized void requireHeld() {
    String reason = lost;
    if (reason == null && !released) {
      try {
        reason = otherHolder().orElse(null);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot check the writer lease " + file, e);
      }
    } else if (released) {
      reason = "it was released";
    }
    if (reason != null) {
      throw new TargetBusyException(
          "Cannot commit " + target + ": this job's writer lease is lost (" + reason + ")",
          target.toString(),
          reason);
    }
  }

  /** Stops renewing and deletes the lease file if it still holds this lease. */
  @Override
  public synchronized void close() {
    if (released) {
      return;
    }
    released = true;
    heldByThread.remove(target, this);
    if (renewer != null) {
      renewer.shutdownNow();
    }
    try {
      if (lost == null && otherHolder().isEmpty()) {
        files.delete(file);
      }
    } catch (IOException | UncheckedIOException e) {
      // it expires on its own; a later writer takes it over then
      LOG.warn("Could not release the writer lease {}", file, e);
    }
  }

  /**
   * Object stores behind Hadoop connectors have no atomic create-if-absent: there a lease does not
   * exclude a second writer (see docs/storage.md). Warned once per scheme.
   */
  private static void warnIfObjectStore(Path target) {
    String scheme = String.valueOf(target.toUri().getScheme());
    if (OBJECT_STORES.contains(scheme) && WARNED.add(scheme)) {
      LOG.warn(
          "Writer leases on {}:// do not exclude a second writer: the store has no atomic"
              + " create-if-absent; run one job per output ({})",
          scheme,
          target);
    }
  }

  private static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown-host");
    }
  }
}
