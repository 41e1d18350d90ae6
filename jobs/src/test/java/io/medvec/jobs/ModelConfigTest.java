package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.NpzReader;
import io.medvec.core.model.ModelArch;
import io.medvec.core.model.Network;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code model.arch} and its keys pick and shape the network built for the data. */
class ModelConfigTest {

  static MedMnist data;

  @BeforeAll
  static void load() {
    data = NpzReader.read(SparkTests.sharedData().resolve("pneumoniamnist.npz"));
  }

  static ModelConfig config(String... overrides) {
    return ModelConfig.from(ConfigMap.empty().withOverrides(List.of(overrides)));
  }

  @Test
  void defaultIsTheCnnAndArchPicksTheGraphs() {
    assertThat(config().arch()).isEqualTo(ModelArch.CNN);
    assertThat(config().build(data, 1e-3).isGraph()).isFalse();

    Network resnet =
        config("model.arch=resnet", "model.resnet.width=0.125", "model.resnet.blocks=[1, 1]")
            .build(data, 1e-3);
    assertThat(resnet.isGraph()).isTrue();
    assertThat(resnet.paramTable()).containsKey("s2_b1_proj_W").doesNotContainKey("s3_b1_conv1_W");
    assertThat(resnet.paramTable().get("stem_conv_W").shape()).containsExactly(8, 1, 3, 3);
    assertThat(resnet.paramTable().get("output_W").shape()).containsExactly(16, 2);

    Network mobilenet =
        config("model.arch=mobilenet", "model.mobilenet.alpha=0.25", "model.mobilenet.blocks=2")
            .build(data, 1e-3);
    assertThat(mobilenet.paramTable()).containsKey("b2_pw_W").doesNotContainKey("b3_dw_W");
    assertThat(mobilenet.paramTable().get("output_W").shape()).containsExactly(32, 2);
  }

  @Test
  void keysAreRangeCheckedByName() {
    assertThatThrownBy(() -> config("model.arch=vgg"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.arch");
    assertThatThrownBy(() -> config("model.mobilenet.blocks=14"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG))
        .hasMessageContaining("model.mobilenet.blocks")
        .hasMessageContaining("got '14'");
    assertThatThrownBy(() -> config("model.resnet.width=0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.resnet.width");
  }
}
