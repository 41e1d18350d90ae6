package io.medvec.core.source;

import static io.medvec.core.source.SourceKeys.*;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import java.util.List;

/**
 * The {@code data.*} source and preprocessing settings as read from config ({@link SourceKeys}).
 * The preprocessing is completed by {@link #preprocessing(int, Preprocessing.Channels)} once the
 * data's own size and channels are known.
 */
public record SourceConfig(
    SourceFormat format,
    List<String> classes,
    ManifestColumns columns,
    SplitRule splitRule,
    int size,
    Preprocessing.Aspect aspect,
    Preprocessing.Interpolation interpolation,
    SourceKeys.ChannelsChoice channels,
    Preprocessing.Scaling scaling,
    List<Double> mean,
    List<Double> std,
    Augmentation augmentation,
    int cacheMb)
    implements java.io.Serializable {

  public SourceConfig {
    classes = List.copyOf(classes);
    mean = List.copyOf(mean);
    std = List.copyOf(std);
  }

  /**
   * The defaults: format auto, default columns, a 0.1/0.1 split with seed 0, size from the data.
   */
  public static SourceConfig defaults() {
    return from(ConfigMap.empty());
  }

  /**
   * Reads every {@code data.*} key of {@link SourceKeys}. Settings that would be ignored or cannot
   * fit the channels are refused naming the key: a {@code data.augment.*} setting without {@code
   * data.augment.enabled=true}, {@code data.image.mean}/{@code std} without {@code mean-std}
   * scaling, {@code mean-std} without both, or with lengths that differ or do not match {@code
   * data.image.channels}.
   */
  /**
   * The source keys of {@code map} only (format, classes, columns, split rule, cache), the
   * preprocessing at its defaults: for jobs that list a source, or preprocess as a model records,
   * where the {@code data.image.*} and {@code data.augment.*} keys do not apply.
   */
  public static SourceConfig sourceKeysOnly(ConfigMap map) {
    SourceConfig d = defaults();
    return new SourceConfig(
        SourceKeys.FORMAT.read(map),
        SourceKeys.CLASSES.read(map),
        new ManifestColumns(
            SourceKeys.PATH_COLUMN.read(map),
            SourceKeys.BYTES_COLUMN.read(map),
            SourceKeys.LABEL_COLUMN.read(map),
            SourceKeys.CLASS_NAME_COLUMN.read(map),
            SourceKeys.SPLIT_COLUMN.read(map),
            SourceKeys.SITE_COLUMN.read(map),
            SourceKeys.PATIENT_COLUMN.read(map)),
        new SplitRule(
            SourceKeys.VAL_FRACTION.read(map),
            SourceKeys.TEST_FRACTION.read(map),
            SourceKeys.SPLIT_SEED.read(map)),
        d.size(),
        d.aspect(),
        d.interpolation(),
        d.channels(),
        d.scaling(),
        d.mean(),
        d.std(),
        d.augmentation(),
        SourceKeys.CACHE_MB.read(map));
  }

  public static SourceConfig from(ConfigMap map) {
    checkScaling(map);
    ManifestColumns columns =
        new ManifestColumns(
            PATH_COLUMN.read(map),
            BYTES_COLUMN.read(map),
            LABEL_COLUMN.read(map),
            CLASS_NAME_COLUMN.read(map),
            SPLIT_COLUMN.read(map),
            SITE_COLUMN.read(map),
            PATIENT_COLUMN.read(map));
    boolean augment = AUGMENT.read(map);
    if (!augment) {
      for (ConfigKey<?> key :
          List.of(HORIZONTAL_FLIP, VERTICAL_FLIP, ROTATION, CROP, BRIGHTNESS, CONTRAST)) {
        if (key.isSet(map)) {
          throw new ConfigException(
              "Invalid config key '"
                  + key.name()
                  + "': only used with data.augment.enabled=true (it is false)");
        }
      }
    }
    Augmentation augmentation =
        augment
            ? new Augmentation(
                true,
                HORIZONTAL_FLIP.read(map),
                VERTICAL_FLIP.read(map),
                ROTATION.read(map),
                CROP.read(map),
                BRIGHTNESS.read(map),
                CONTRAST.read(map))
            : Augmentation.NONE;
    return new SourceConfig(
        FORMAT.read(map),
        CLASSES.read(map),
        columns,
        new SplitRule(VAL_FRACTION.read(map), TEST_FRACTION.read(map), SPLIT_SEED.read(map)),
        SIZE.read(map),
        ASPECT.read(map),
        INTERPOLATION.read(map),
        CHANNELS.read(map),
        SCALING.read(map),
        MEAN.read(map),
        STD.read(map),
        augmentation,
        CACHE_MB.read(map));
  }

  private static void checkScaling(ConfigMap map) {
    Preprocessing.Scaling scaling = SCALING.read(map);
    if (scaling != Preprocessing.Scaling.MEAN_STD) {
      for (ConfigKey<List<Double>> key : List.of(MEAN, STD)) {
        if (key.isSet(map)) {
          throw new ConfigException(
              "Invalid config key '"
                  + key.name()
                  + "': only used with data.image.scaling=mean-std (it is "
                  + Preprocessing.kebab(scaling)
                  + ")");
        }
      }
      return;
    }
    List<Double> mean = MEAN.read(map);
    List<Double> std = STD.read(map);
    for (ConfigKey<List<Double>> key : List.of(MEAN, STD)) {
      if (key.read(map).isEmpty()) {
        throw new ConfigException(
            "Missing required config key '"
                + key.name()
                + "': data.image.scaling=mean-std needs one value per channel");
      }
    }
    SourceKeys.ChannelsChoice channels = CHANNELS.read(map);
    int expected =
        switch (channels) {
          case GREY -> 1;
          case RGB -> 3;
          case AUTO -> mean.size();
        };
    if (mean.size() != std.size() || (mean.size() != 1 && mean.size() != 3)) {
      throw new ConfigException(
          "Invalid config key '"
              + STD.name()
              + "': needs as many values as data.image.mean, 1 (grey) or 3 (rgb) ("
              + mean
              + ", "
              + std
              + ")");
    }
    if (mean.size() != expected) {
      throw new ConfigException(
          "Invalid config key '"
              + MEAN.name()
              + "': "
              + mean.size()
              + " values but data.image.channels is "
              + Preprocessing.kebab(channels)
              + " ("
              + mean
              + ")");
    }
  }

  /**
   * The preprocessing, with {@code dataSize} (a square side) and {@code dataChannels} where the
   * config leaves size (0) or channels ({@code auto}) to the data.
   */
  public Preprocessing preprocessing(int dataSize, Preprocessing.Channels dataChannels) {
    int side = size > 0 ? size : dataSize;
    Preprocessing.Channels c =
        switch (channels) {
          case AUTO -> dataChannels;
          case GREY -> Preprocessing.Channels.GREY;
          case RGB -> Preprocessing.Channels.RGB;
        };
    return new Preprocessing(
        side, side, aspect, interpolation, c, scaling, mean, std, augmentation);
  }

  /** A cache of {@link #cacheMb()} MiB, or null for none. */
  public DecodedCache cache() {
    return cacheMb == 0 ? null : new DecodedCache((long) cacheMb << 20);
  }
}
