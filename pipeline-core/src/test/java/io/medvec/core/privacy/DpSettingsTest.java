package io.medvec.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.Json;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import java.util.List;
import org.junit.jupiter.api.Test;

class DpSettingsTest {

  static DpSettings parse(String... overrides) {
    ConfigMap map = ConfigMap.empty().withOverrides(List.of(overrides));
    DpSettings settings = DpSettings.from(map.section("finetune").section("dp"));
    map.rejectUnknown();
    return settings;
  }

  @Test
  void offByDefault() {
    assertThat(parse()).isNull();
    assertThat(parse("finetune.dp.enabled=false")).isNull();
  }

  @Test
  void epsilonCalibratesTheNoiseForOneReleaseAtDelta() {
    DpSettings dp =
        parse(
            "finetune.dp.enabled=true",
            "finetune.dp.clip-norm=0.5",
            "finetune.dp.epsilon=4",
            "finetune.dp.delta=1e-6");
    assertThat(dp.clipNorm()).isEqualTo(0.5);
    assertThat(dp.delta()).isEqualTo(1e-6);
    assertThat(dp.noiseSeed()).as("secret by default").isNull();
    assertThat(dp.mechanism().epsilon(1e-6, 1)).isCloseTo(4, within(1e-6));
    DpRelease first = DpRelease.of(dp, 1);
    assertThat(first.epsilon()).isCloseTo(4, within(1e-6));
    assertThat(first.sigma()).isCloseTo(0.5 * dp.noiseMultiplier(), within(1e-12));
    assertThat(first.noiseSeed()).isEqualTo("secret");
    // RDP composition: two releases cost more than one, less than twice as much
    assertThat(DpRelease.of(dp, 2).epsilon()).isGreaterThan(4).isLessThan(8);
  }

  @Test
  void aNoiseMultiplierIsTakenAsGiven() {
    DpSettings dp =
        parse(
            "finetune.dp.enabled=true",
            "finetune.dp.clip-norm=2",
            "finetune.dp.noise-multiplier=1.5",
            "finetune.dp.noise-seed=42");
    assertThat(dp.noiseMultiplier()).isEqualTo(1.5);
    assertThat(dp.delta()).isEqualTo(1e-5);
    assertThat(dp.noiseSeed()).isEqualTo(42L);
    assertThat(DpRelease.of(dp, 1).noiseSeed()).isEqualTo("fixed");
  }

  @Test
  void aFixedSeedIsReproduciblePerHospitalAndDiffersAcrossHospitals() {
    DpSettings dp =
        parse(
            "finetune.dp.enabled=true",
            "finetune.dp.clip-norm=2",
            "finetune.dp.noise-multiplier=1",
            "finetune.dp.noise-seed=42");
    assertThat(dp.seedFor("h0")).isEqualTo(dp.seedFor("h0")).isNotEqualTo(dp.seedFor("h1"));
    DpSettings secret = new DpSettings(2, 1, 1e-5, null);
    assertThat(secret.seedFor("h0")).isNotEqualTo(secret.seedFor("h0"));
  }

  @Test
  void badSettingsAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> parse("finetune.dp.epsilon=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'finetune.dp.epsilon'")
        .hasMessageContaining("enabled=true");
    assertThatThrownBy(() -> parse("finetune.dp.enabled=true", "finetune.dp.epsilon=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'finetune.dp.clip-norm'");
    assertThatThrownBy(() -> parse("finetune.dp.enabled=true", "finetune.dp.clip-norm=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("exactly one");
    assertThatThrownBy(
            () ->
                parse(
                    "finetune.dp.enabled=true",
                    "finetune.dp.clip-norm=-1",
                    "finetune.dp.epsilon=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("finetune.dp.clip-norm");
    assertThatThrownBy(
            () ->
                parse(
                    "finetune.dp.enabled=true", "finetune.dp.clip-norm=1", "finetune.dp.epsilon=0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("finetune.dp.epsilon");
    assertThatThrownBy(
            () ->
                parse(
                    "finetune.dp.enabled=true",
                    "finetune.dp.clip-norm=1",
                    "finetune.dp.epsilon=1",
                    "finetune.dp.delta=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("finetune.dp.delta");
    assertThatThrownBy(
            () ->
                parse(
                    "finetune.dp.enabled=true",
                    "finetune.dp.clip-norm=1",
                    "finetune.dp.epsilon=1",
                    "finetune.dp.noise-seed=often"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("finetune.dp.noise-seed")
        .hasMessageContaining("often");
    assertThatThrownBy(
            () ->
                parse(
                    "finetune.dp.enabled=true",
                    "finetune.dp.clip-norm=1",
                    "finetune.dp.epsilon=1",
                    "finetune.dp.sigma=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("finetune.dp.sigma");
  }

  @Test
  void theManifestCarriesThePrivacyRecordThroughJson() {
    VectorLayout layout = new VectorLayout(List.of(new TensorSpec("0_W", List.of(2L, 2L), 0, 4)));
    VectorManifest plain =
        new VectorManifest(
            VectorManifest.FORMAT,
            "h0",
            "pneumoniamnist",
            "r",
            "a".repeat(64),
            3,
            List.of(2L, 1L),
            layout,
            new VectorLayout(List.of()),
            new TrainingInfo(1, 2, 1e-3, 3, 0.5, 1),
            "v",
            "b".repeat(64),
            "s",
            "c".repeat(64),
            "2026-11-27T00:00:00Z");
    assertThat(plain.privacy()).isNull();
    VectorManifest dp = plain.withPrivacy(DpRelease.of(new DpSettings(0.5, 2, 1e-5, 7L), 2));
    VectorManifest back = Json.read(Json.write(dp), VectorManifest.class, "test");
    assertThat(back.privacy()).isEqualTo(dp.privacy());
    assertThat(back.withFiles("v2", "d".repeat(64), "s2", "e".repeat(64)).privacy())
        .isEqualTo(dp.privacy());
    assertThat(Json.read(Json.write(plain), VectorManifest.class, "test").privacy()).isNull();
  }
}
