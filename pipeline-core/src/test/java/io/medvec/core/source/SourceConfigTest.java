package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.source.Preprocessing.Aspect;
import io.medvec.core.source.Preprocessing.Channels;
import io.medvec.core.source.Preprocessing.Interpolation;
import io.medvec.core.source.Preprocessing.Scaling;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SourceConfigTest {

  private static final String EVERY_KEY =
      """
      data:
        format: manifest
        classes: [nevus, melanoma]
        columns:
          path: file
          bytes: content
          label: dx
          class-name: name
          split: fold
          site: clinic
          patient-id: lesion
        split:
          val-fraction: 0.2
          test-fraction: 0.25
          seed: 42
        image:
          size: 96
          aspect: pad
          interpolation: area
          channels: rgb
          scaling: mean-std
          mean: [0.5, 0.4, 0.3]
          std: [0.25, 0.2, 0.15]
        augment:
          enabled: true
          horizontal-flip: false
          vertical-flip: true
          rotation-degrees: 20
          crop-fraction: 0.7
          brightness: 0.05
          contrast: 0.3
        cache-mb: 512
      """;

  @Test
  void everyDataKeyIsReadIntoTheConfigAndThePreprocessing() {
    ConfigMap map = ConfigMap.parse(EVERY_KEY, "finetune.yaml");
    SourceConfig c = SourceConfig.from(map);
    assertThat(c.format()).isEqualTo(SourceFormat.MANIFEST);
    assertThat(c.classes()).containsExactly("nevus", "melanoma");
    assertThat(c.columns())
        .isEqualTo(
            new ManifestColumns("file", "content", "dx", "name", "fold", "clinic", "lesion"));
    assertThat(c.splitRule()).isEqualTo(new SplitRule(0.2, 0.25, 42));
    assertThat(c.size()).isEqualTo(96);
    assertThat(c.cacheMb()).isEqualTo(512);
    assertThat(c.cache()).isNotNull();
    Preprocessing p = c.preprocessing(28, Channels.GREY);
    assertThat(p)
        .isEqualTo(
            new Preprocessing(
                96,
                96,
                Aspect.PAD,
                Interpolation.AREA,
                Channels.RGB,
                Scaling.MEAN_STD,
                List.of(0.5, 0.4, 0.3),
                List.of(0.25, 0.2, 0.15),
                new Augmentation(true, false, true, 20, 0.7, 0.05, 0.3)));
    map.rejectUnknown(); // every key above was read
    // every data.* key of SourceKeys is in one of its help groups, and the YAML above sets each
    Set<String> grouped = new HashSet<>();
    for (ConfigGroup g : List.of(SourceKeys.SOURCE, SourceKeys.PREPROCESSING)) {
      g.keys().forEach(k -> grouped.add(k.name()));
    }
    assertThat(grouped).isEqualTo(declaredKeys()).allMatch(k -> k.startsWith("data."));
    assertThat(map.keys()).containsAll(grouped);
  }

  @Test
  void theDefaultsTakeSizeAndChannelsFromTheData() {
    SourceConfig d = SourceConfig.defaults();
    assertThat(d.format()).isEqualTo(SourceFormat.AUTO);
    assertThat(d.columns()).isEqualTo(ManifestColumns.DEFAULT);
    assertThat(d.splitRule()).isEqualTo(new SplitRule(0.1, 0.1, 0));
    assertThat(d.cache()).isNull();
    assertThat(d.preprocessing(28, Channels.GREY)).isEqualTo(Preprocessing.unit(28, Channels.GREY));
    assertThat(d.preprocessing(180, Channels.RGB)).isEqualTo(Preprocessing.unit(180, Channels.RGB));
    SourceConfig grey =
        SourceConfig.from(ConfigMap.parse("data.image.channels: grey\ndata.image.size: 64", "f"));
    assertThat(grey.preprocessing(180, Channels.RGB))
        .isEqualTo(Preprocessing.unit(64, Channels.GREY));
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    refused("data.format: dicom-folder", "'data.format'", "one of [auto, npz, image-folder,");
    refused("data.image.size: 5000", "'data.image.size'", "an integer in [0, 4096]");
    refused("data.image.aspect: stretch", "'data.image.aspect'", "one of [pad, center-crop]");
    refused("data.image.channels: 4", "'data.image.channels'", "one of [auto, grey, rgb]");
    refused("data.split.val-fraction: 0.95", "'data.split.val-fraction'", "in [0.0, 0.9]");
    String on = "data.augment.enabled: true\n";
    refused(on + "data.augment.crop-fraction: 0.01", "'data.augment.crop-fraction'", "[0.05, 1.0]");
    refused(
        on + "data.augment.rotation-degrees: 90", "'data.augment.rotation-degrees'", "[0.0, 45.0]");
    refused("data.cache-mb: -1", "'data.cache-mb'", "an integer in [0, 1048576]");
    refused(
        "data.image.scaling: mean-std\ndata.image.mean: [2]",
        "'data.image.mean'",
        "finite numbers in [0.0, 1.0]");
  }

  @Test
  void settingsThatWouldBeIgnoredOrCannotFitAreRefusedNamingTheKey() {
    refused(
        "data.image.mean: [0.5]",
        "Invalid config key 'data.image.mean': only used with data.image.scaling=mean-std (it is"
            + " unit)");
    refused(
        "data.augment.brightness: 0.2",
        "Invalid config key 'data.augment.brightness': only used with data.augment.enabled=true"
            + " (it is false)");
    refused(
        "data.image.scaling: mean-std\ndata.image.mean: [0.5, 0.5, 0.5]",
        "Missing required config key 'data.image.std': data.image.scaling=mean-std needs one value"
            + " per channel");
    refused(
        "data.image.scaling: mean-std\ndata.image.mean: [0.5, 0.5, 0.5]\ndata.image.std: [0.2]",
        "Invalid config key 'data.image.std': needs as many values as data.image.mean, 1 (grey)"
            + " or 3 (rgb) ([0.5, 0.5, 0.5], [0.2])");
    refused(
        "data.image.scaling: mean-std\ndata.image.channels: grey\n"
            + "data.image.mean: [0.5, 0.5, 0.5]\ndata.image.std: [0.2, 0.2, 0.2]",
        "Invalid config key 'data.image.mean': 3 values but data.image.channels is grey ([0.5,"
            + " 0.5, 0.5])");
    // channels from the data: a count that does not fit is refused once the data is known
    SourceConfig auto =
        SourceConfig.from(
            ConfigMap.parse(
                "data.image.scaling: mean-std\ndata.image.mean: [0.5]\ndata.image.std: [0.2]",
                "f"));
    assertThat(auto.preprocessing(28, Channels.GREY).mean()).containsExactly(0.5);
    assertThatThrownBy(() -> auto.preprocessing(28, Channels.RGB))
        .hasMessageStartingWith(
            "Cannot declare preprocessing: mean and std need 3 values for mean-std with rgb");
  }

  private static void refused(String yaml, String... parts) {
    assertThatThrownBy(() -> SourceConfig.from(ConfigMap.parse(yaml, "f.yaml")))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e -> {
              for (String part : parts) {
                assertThat(e.getMessage()).contains(part);
              }
            });
  }

  private static Set<String> declaredKeys() {
    Set<String> names = new HashSet<>();
    for (Field f : SourceKeys.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && ConfigKey.class.isAssignableFrom(f.getType())) {
        try {
          names.add(((ConfigKey<?>) f.get(null)).name());
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return names;
  }
}
