package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import java.util.regex.Pattern;

/**
 * Keys every job reads.
 *
 * @param runId {@code run-id}: names this run's outputs; a rerun with the same id replaces them
 *     (Airflow passes {@code {{ ds }}}). Letters, digits, '.', '_', '-'. Default {@code default}.
 * @param out {@code out}: output root, a local path or any Hadoop URI (hdfs://, s3a://). Default
 *     {@code medvec-out}.
 * @param dataPath {@code data.path}: the MedMNIST .npz; falls back to the {@code MEDVEC_DATA}
 *     environment variable. Required by jobs that read images.
 * @param base {@code base}: fingerprint of θ_pre to use; empty = the one this run's pretrain job
 *     produced.
 * @param overwrite {@code overwrite}: allow replacing outputs that another run (other inputs under
 *     the same out and run-id) produced; checked by the partition job, which defines a run. Default
 *     false.
 * @param runVectors {@code vectors.scope}: {@code shared} (default) publishes and merges data vectors
 *     under {@code OUT/vectors}, the consortium's store every run of the same base adds to and
 *     merges from; {@code run} keeps them under {@code OUT/runs/RUN/vectors}, so that runs sharing a
 *     base but simulating different hospitals (the experiment's cells) never see or replace each
 *     other's vectors.
 */
public record CommonConfig(
    String runId, String out, String dataPath, String base, boolean overwrite, boolean runVectors) {

  /** Values of {@code vectors.scope}. */
  static final String SHARED = "shared";
  static final String RUN = "run";

  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

  public CommonConfig {
    if (!RUN_ID.matcher(runId).matches()) {
      throw new ConfigException("Invalid config key 'run-id': letters, digits, '.', '_', '-' only (" + runId + ")");
    }
    if (out.isBlank()) {
      throw new ConfigException("Invalid config key 'out': must not be empty");
    }
    if (!base.isEmpty() && !FINGERPRINT.matcher(base).matches()) {
      throw new ConfigException("Invalid config key 'base': expected a 64-hex-digit fingerprint (" + base + ")");
    }
  }

  static CommonConfig from(ConfigMap map) {
    String envData = System.getenv("MEDVEC_DATA");
    return new CommonConfig(
        map.string("run-id", "default"),
        map.string("out", "medvec-out"),
        map.string("data.path", envData == null ? "" : envData),
        map.string("base", ""),
        map.bool("overwrite", false),
        runVectors(map.string("vectors.scope", SHARED)));
  }

  private static boolean runVectors(String scope) {
    if (!scope.equals(SHARED) && !scope.equals(RUN)) {
      throw new ConfigException(
          "Invalid config key 'vectors.scope': expected " + SHARED + " or " + RUN + " (" + scope + ")");
    }
    return scope.equals(RUN);
  }

  /** The data path, or a config error telling how to set it. */
  public String requireData() {
    if (dataPath.isBlank()) {
      throw new ConfigException(
          "Missing config key 'data.path': set it (--set data.path=FILE.npz or --data FILE.npz), or set MEDVEC_DATA,"
              + " or fetch the file with: bin/medvec download --dataset pneumoniamnist --to DIR");
    }
    return dataPath;
  }
}
