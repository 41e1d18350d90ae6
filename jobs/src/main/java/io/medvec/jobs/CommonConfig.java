package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.LeaseSettings;
import io.medvec.core.source.SourceConfig;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.store.OutputLayout;
import java.util.regex.Pattern;

/**
 * Keys every job reads, declared below with their defaults and meaning.
 *
 * @param runId {@link #RUN_ID}
 * @param out {@link #OUT}
 * @param dataPath {@link #DATA_PATH}, else the {@code MEDVEC_DATA} environment variable
 * @param base {@link #BASE}
 * @param overwrite {@link #OVERWRITE}
 * @param runVectors {@link #VECTORS_SCOPE} is {@code run}
 * @param lease {@link LeaseSettings#TTL} and {@link LeaseSettings#RENEW}: the timing of the writer
 *     lease every output is written under
 * @param source the {@code data.*} source and preprocessing keys ({@link SourceKeys})
 * @param preprocessingSet the preprocessing keys written in the config (not defaulted): the ones a
 *     job that takes the base model's preprocessing compares with it
 */
public record CommonConfig(
    String runId,
    String out,
    String dataPath,
    String base,
    boolean overwrite,
    boolean runVectors,
    LeaseSettings lease,
    SourceConfig source,
    java.util.Set<String> preprocessingSet) {

  /** Values of {@code vectors.scope}. */
  static final String SHARED = "shared";

  static final String RUN = "run";

  static final ConfigKey<String> RUN_ID_KEY =
      ConfigKey.string(
          "run-id",
          "default",
          "names this run's outputs; a rerun with the same id replaces them (letters, digits, '.', '_', '-')");
  static final ConfigKey<String> OUT =
      ConfigKey.string(
          "out", "medvec-out", "output root: a local path or any Hadoop URI (hdfs://, s3a://)");
  static final ConfigKey<String> DATA_PATH =
      ConfigKey.string(
              "data.path",
              "",
              "the images: an image folder (ROOT/SPLIT/CLASS/* or ROOT/CLASS/*), a manifest CSV or"
                  + " Parquet, a binaryFile Parquet table or a MedMNIST .npz (see data.format)")
          .defaultText("$MEDVEC_DATA");
  static final ConfigKey<String> BASE =
      ConfigKey.string(
              "base",
              "",
              "fingerprint of the base model theta_pre to use; empty: the one this run's pretrain job produced")
          .accepts("empty or 64 hex digits");
  static final ConfigKey<Boolean> OVERWRITE =
      ConfigKey.bool(
          "overwrite",
          false,
          "allow replacing outputs that another run (other inputs, same out and run-id) produced");
  static final ConfigKey<String> VECTORS_SCOPE =
      ConfigKey.string(
              "vectors.scope",
              SHARED,
              "shared: data vectors under OUT/vectors, the consortium's store every run of the base adds to;"
                  + " run: under OUT/runs/RUN/vectors, seen by this run only")
          .accepts(SHARED + " or " + RUN);

  /** The keys {@link #from} reads. */
  static final ConfigGroup KEYS =
      ConfigGroup.of(
          "common",
          RUN_ID_KEY,
          OUT,
          DATA_PATH,
          BASE,
          OVERWRITE,
          VECTORS_SCOPE,
          LeaseSettings.TTL,
          LeaseSettings.RENEW);

  private static final Pattern RUN_ID = OutputLayout.RUN_ID;
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

  public CommonConfig {
    if (!RUN_ID.matcher(runId).matches()) {
      throw new ConfigException(
          "Invalid config key 'run-id': letters, digits, '.', '_', '-' only (" + runId + ")");
    }
    if (out.isBlank()) {
      throw new ConfigException("Invalid config key 'out': must not be empty");
    }
    if (!base.isEmpty() && !FINGERPRINT.matcher(base).matches()) {
      throw new ConfigException(
          "Invalid config key 'base': expected a 64-hex-digit fingerprint (" + base + ")");
    }
  }

  static CommonConfig from(ConfigMap map) {
    String envData = System.getenv("MEDVEC_DATA");
    return new CommonConfig(
        RUN_ID_KEY.read(map),
        OUT.read(map),
        DATA_PATH.read(map, envData == null ? DATA_PATH.defaultValue() : envData),
        BASE.read(map),
        OVERWRITE.read(map),
        runVectors(VECTORS_SCOPE.read(map)),
        LeaseSettings.from(map),
        SourceConfig.from(map),
        SourceKeys.PREPROCESSING.keys().stream()
            .filter(k -> k.isSet(map))
            .map(ConfigKey::name)
            .collect(java.util.stream.Collectors.toUnmodifiableSet()));
  }

  private static boolean runVectors(String scope) {
    if (!scope.equals(SHARED) && !scope.equals(RUN)) {
      throw new ConfigException(
          "Invalid config key 'vectors.scope': expected "
              + SHARED
              + " or "
              + RUN
              + " ("
              + scope
              + ")");
    }
    return scope.equals(RUN);
  }

  /** The data path, or a config error telling how to set it. */
  public String requireData() {
    if (dataPath.isBlank()) {
      throw new ConfigException(
          "Missing config key 'data.path': set it (--set data.path=PATH or --data PATH: an image folder, a manifest or a .npz), or set MEDVEC_DATA,"
              + " or fetch the file with: bin/medvec download --dataset pneumoniamnist --to DIR");
    }
    return dataPath;
  }
}
