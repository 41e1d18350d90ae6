package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.vector.IncompatibleVectorException;

/** Process exit codes; schedulers (Airflow) branch on them. */
public enum ExitCode {
  /** The job completed and committed its outputs. */
  SUCCESS(0),
  /** Anything unexpected at run time (I/O, Spark, native). Retrying may help. */
  RUNTIME_FAILURE(1),
  /** Bad command line or configuration: unknown key, invalid value. Retrying will not help. */
  BAD_CONFIG(2),
  /** Bad input data: missing/corrupt npz, malformed Parquet, checksum mismatch (ours or Hadoop's). */
  BAD_INPUT(3),
  /** Data vectors that cannot be combined: another base fingerprint, another layout, a duplicate hospital. */
  INCOMPATIBLE_VECTORS(4);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
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
      // a file whose content no longer matches its Hadoop checksum (.crc / HDFS block checksum) is corrupt
      if (t instanceof IllegalArgumentException || t instanceof org.apache.hadoop.fs.ChecksumException) {
        return BAD_INPUT;
      }
    }
    return RUNTIME_FAILURE;
  }
}
