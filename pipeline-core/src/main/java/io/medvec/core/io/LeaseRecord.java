package io.medvec.core.io;

import java.time.Instant;

/**
 * The content of a lease file ({@code _lease-NAME} beside the target), as JSON.
 *
 * @param target the output directory the lease is for
 * @param owner the operating-system user of the holder
 * @param host the holder's host name
 * @param pid the holder's process id
 * @param processStartMs when the holder's process started (epoch ms; -1 unknown): tells a reused
 *     process id from the holder
 * @param startedAtMs when the lease was taken (epoch ms, holder's clock)
 * @param expiresAtMs until when it is valid unless renewed (epoch ms, holder's clock)
 * @param token random, names this holding: renewal and release check it is still theirs
 */
record LeaseRecord(
    String target,
    String owner,
    String host,
    long pid,
    long processStartMs,
    long startedAtMs,
    long expiresAtMs,
    String token) {

  /** This record with a new expiry. */
  LeaseRecord renewed(long expiresAt) {
    return new LeaseRecord(target, owner, host, pid, processStartMs, startedAtMs, expiresAt, token);
  }

  /** The holder as messages name it: owner, host, process, since, expiry. */
  String describe() {
    return "owner "
        + owner
        + ", host "
        + host
        + ", pid "
        + pid
        + ", since "
        + Instant.ofEpochMilli(startedAtMs)
        + ", expires "
        + Instant.ofEpochMilli(expiresAtMs);
  }
}
