package io.medvec.core.io;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import org.apache.hadoop.conf.Configuration;

/**
 * How long a {@link WriterLease} lives without renewal and how often its holder renews it. Jobs
 * read the two keys below and put them into the Hadoop configuration ({@link #applyTo}), which
 * travels to every Spark task, so that every lease of a job is taken with the same timing.
 *
 * @param ttlMillis {@link #TTL}: a lease not renewed for this long is dead and may be taken over
 * @param renewMillis {@link #RENEW}: how often the holder rewrites its lease with a new expiry
 */
public record LeaseSettings(long ttlMillis, long renewMillis) {

  static final String TTL_PROPERTY = "medvec.store.lease.ttl-ms";
  static final String RENEW_PROPERTY = "medvec.store.lease.renew-ms";

  public static final ConfigKey<Integer> TTL =
      ConfigKey.integer(
          "store.lease.ttl-seconds",
          120,
          5,
          86_400,
          "seconds a writer lease on an output stays valid without renewal; a lease older than"
              + " this (by its expiry and its file's modification time) is dead and may be taken"
              + " over; must exceed renew-seconds plus the worst clock skew and pause between hosts");
  public static final ConfigKey<Integer> RENEW =
      ConfigKey.integer(
          "store.lease.renew-seconds",
          20,
          1,
          3_600,
          "seconds between renewals of a writer lease by its holder; at most half of"
              + " store.lease.ttl-seconds");

  /** The defaults of {@link #TTL} and {@link #RENEW}. */
  public static final LeaseSettings DEFAULT =
      new LeaseSettings(TTL.defaultValue() * 1000L, RENEW.defaultValue() * 1000L);

  public LeaseSettings {
    if (ttlMillis <= 0 || renewMillis <= 0 || renewMillis * 2 > ttlMillis) {
      throw new IllegalArgumentException(
          "Cannot time writer leases: the renewal interval must be positive and at most half the"
              + " time to live (ttl "
              + ttlMillis
              + " ms, renew "
              + renewMillis
              + " ms)");
    }
  }

  /** Reads {@link #TTL} and {@link #RENEW}; a renewal interval above half the TTL is refused. */
  public static LeaseSettings from(ConfigMap map) {
    int ttl = TTL.read(map);
    int renew = RENEW.read(map);
    if (renew * 2 > ttl) {
      throw new ConfigException(
          "Invalid config key '"
              + RENEW.name()
              + "': at most half of "
              + TTL.name()
              + ", so that one late renewal does not lose the lease ("
              + renew
              + " > "
              + ttl
              + " / 2)");
    }
    return new LeaseSettings(ttl * 1000L, renew * 1000L);
  }

  /** The settings a job put into {@code conf}, else {@link #DEFAULT}. */
  public static LeaseSettings of(Configuration conf) {
    return new LeaseSettings(
        conf.getLong(TTL_PROPERTY, DEFAULT.ttlMillis()),
        conf.getLong(RENEW_PROPERTY, DEFAULT.renewMillis()));
  }

  /** Puts these settings into {@code conf} (which then carries them to Spark tasks). */
  public Configuration applyTo(Configuration conf) {
    conf.setLong(TTL_PROPERTY, ttlMillis);
    conf.setLong(RENEW_PROPERTY, renewMillis);
    return conf;
  }
}
