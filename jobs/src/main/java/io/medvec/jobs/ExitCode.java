package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.io.TargetBusyException;
import io.medvec.core.vector.IncompatibleVectorException;

/** Process exit codes; schedulers (Airflow) branch on them. */
public enum ExitCode {
  /** The job completed and committed its outputs. */
  SUCCESS(0, "ok"),
  /** Anything unexpected at run time (I/O, Spark, native). Retrying may help. */
  RUNTIME_FAILURE(1, "runtime failure (retrying may help)"),
  /** Bad command line or configuration: unknown key, invalid value. Retrying will not help. */
  BAD_CONFIG(2, "bad command line or configuration"),
  /**
   * Bad input data: missing/corrupt npz, malformed Parquet, checksum mismatch (ours or Hadoop's).
   */
  BAD_INPUT(3, "bad input data"),
  /**
   * Data vectors that cannot be combined: another base fingerprint, another layout, a duplicate
   * hospital.
   */
  INCOMPATIBLE_VECTORS(4, "incompatible data vectors"),
  /**
   * An output this job must write is being written by another job (its writer lease is held).
   * Retrying after that job ends succeeds.
   */
  TARGET_BUSY(5, "target is being written by another job; retry after it ends");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  /** What the code tells a person, as help and error lines say it. */
  public String meaning() {
    return meaning;
  }

  /**
   * Whether the failure is the user's to fix (input, configuration) or the schedule's (two jobs on
   * one target), not the software's: one line says it all, no stack trace.
   */
  public boolean isUserError() {
    return this == BAD_CONFIG
        || this == BAD_INPUT
        || this == INCOMPATIBLE_VECTORS
        || this == TARGET_BUSY;
  }

  /** Classifies a failure, looking through wrapping exceptions (Spark wraps task failures). */
  public static ExitCode of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConfigException) {
        return BAD_CONFIG;
      }
      if (t instanceof IncompatibleVectorException) {
        return INCOMPATIBLE_VECTORS;
      }
      if (t instanceof TargetBusyException) {
        return TARGET_BUSY;
      }
      // a file whose content no longer matches its Hadoop checksum (.crc / HDFS block checksum) is
      // corrupt
      if (t instanceof IllegalArgumentException
          || t instanceof org.apache.hadoop.fs.ChecksumException) {
        return BAD_INPUT;
      }
    }
    return RUNTIME_FAILURE;
  }
}
