package io.medvec.jobs.spark;

import io.medvec.core.config.ConfigException;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceConfig;
import io.medvec.core.source.SourceKeys;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Refuses a config that sets a preprocessing key to another value than the base model declares:
 * preprocessing is declared once, by the coordinator's pretrain job, and every later job (a
 * hospital's fine-tune, the merge, the evaluation) applies exactly the base model's.
 */
final class PreprocessingCheck {

  /** Each preprocessing key and the field of {@link Preprocessing#canonical()} it sets. */
  private static final Map<String, String> FIELDS =
      Map.ofEntries(
          Map.entry(SourceKeys.SIZE.name(), "width"),
          Map.entry(SourceKeys.ASPECT.name(), "aspect"),
          Map.entry(SourceKeys.INTERPOLATION.name(), "interpolation"),
          Map.entry(SourceKeys.CHANNELS.name(), "channels"),
          Map.entry(SourceKeys.SCALING.name(), "scaling"),
          Map.entry(SourceKeys.MEAN.name(), "mean"),
          Map.entry(SourceKeys.STD.name(), "std"),
          Map.entry(SourceKeys.AUGMENT.name(), "augmentation.enabled"),
          Map.entry(SourceKeys.HORIZONTAL_FLIP.name(), "augmentation.horizontal_flip"),
          Map.entry(SourceKeys.VERTICAL_FLIP.name(), "augmentation.vertical_flip"),
          Map.entry(SourceKeys.ROTATION.name(), "augmentation.rotation_degrees"),
          Map.entry(SourceKeys.CROP.name(), "augmentation.crop_fraction"),
          Map.entry(SourceKeys.BRIGHTNESS.name(), "augmentation.brightness"),
          Map.entry(SourceKeys.CONTRAST.name(), "augmentation.contrast"));

  private PreprocessingCheck() {}

  /**
   * @param set the preprocessing keys written in the config
   * @throws ConfigException naming the first set key whose value differs from the base's
   */
  static void requireConfigured(Preprocessing base, SourceConfig config, Set<String> set) {
    // size 0 and channels auto take the base's; every key left unset is the base's by definition
    Preprocessing configured = config.preprocessing(base.width(), base.channels());
    Map<String, Object> mine = flat(base.canonical());
    Map<String, Object> theirs = flat(configured.canonical());
    for (String key : set.stream().sorted().toList()) {
      String field = FIELDS.get(key);
      boolean unread =
          key.startsWith("data.augment.")
              && !key.equals(SourceKeys.AUGMENT.name())
              && !configured.augmentation().enabled();
      if (field != null && !unread && !Objects.equals(mine.get(field), theirs.get(field))) {
        throwFor(key, field, mine, theirs);
      }
    }
  }

  private static void throwFor(
      String key, String field, Map<String, Object> base, Map<String, Object> given) {
    throw new ConfigException(
        "Cannot use config key '"
            + key
            + "': the base model declares preprocessing "
            + field
            + " = "
            + base.get(field)
            + ", and every job after pretrain applies the base model's preprocessing ("
            + given.get(field)
            + ")");
  }

  private static Map<String, Object> flat(Map<String, Object> canonical) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    canonical.forEach(
        (k, v) -> {
          if (v instanceof Map<?, ?> sub) {
            sub.forEach((sk, sv) -> out.put(k + "." + sk, sv));
          } else {
            out.put(k, v);
          }
        });
    return out;
  }
}
