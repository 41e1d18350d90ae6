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
 */
public record CommonConfig(String runId, String out, String dataPath, String base, boolean overwrite) {

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
        map.bool("overwrite", false));
  }

  /** The data path, or a config error telling how to set it. */
  String requireData() {
    if (dataPath.isBlank()) {
      throw new ConfigException(
          "Missing config key 'data.path': set it (--set data.path=FILE.npz or --data FILE.npz), or set MEDVEC_DATA,"
              + " or fetch the file with: bin/medvec download --dataset pneumoniamnist --to DIR");
    }
    return dataPath;
  }
}
