package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.model.PixelScale;
import io.medvec.core.source.Preprocessing;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

class PretrainModelJobTest {

  @Test
  void kerasImportKeysAreReadAndDefaulted() {
    PretrainModelJob.Config defaults = PretrainModelJob.Config.from(ConfigMap.empty());
    assertThat(defaults.freezeThrough()).isEmpty();
    assertThat(defaults.inputScale()).isEqualTo(PixelScale.Range.UNIT);
    PretrainModelJob.Config set =
        PretrainModelJob.Config.from(
            ConfigMap.empty()
                .withOverrides(
                    List.of(
                        "pretrain.import=/models/m.h5",
                        "pretrain.input-scale=signed",
                        "pretrain.freeze-through=conv2d_3")));
    assertThat(set.importModel()).isEqualTo("/models/m.h5");
    assertThat(set.inputScale()).isEqualTo(PixelScale.Range.SIGNED);
    assertThat(set.freezeThrough()).isEqualTo("conv2d_3");
  }

  @Test
  void aMeanStdScalingIsTheBasesInputScaleAndRefusedBesideAnotherRange() {
    List<String> standardise =
        List.of(
            "data.image.channels=rgb",
            "data.image.scaling=mean-std",
            "data.image.mean=[0.6, 0.5, 0.4]",
            "data.image.std=[0.2, 0.25, 0.3]");
    ConfigMap map = ConfigMap.empty().withOverrides(standardise);
    Preprocessing p =
        PretrainModelJob.Config.from(map)
            .common()
            .source()
            .preprocessing(32, Preprocessing.Channels.RGB);
    assertThat(PretrainModelJob.inputScale(PretrainModelJob.Config.from(map), p))
        .isEqualTo(PixelScale.meanStd(List.of(0.6, 0.5, 0.4), List.of(0.2, 0.25, 0.3)));
    Preprocessing unit = Preprocessing.unit(32, Preprocessing.Channels.RGB);
    PretrainModelJob.Config signed =
        PretrainModelJob.Config.from(
            ConfigMap.empty().withOverrides(List.of("pretrain.input-scale=signed")));
    assertThat(PretrainModelJob.inputScale(signed, unit)).isSameAs(PixelScale.SIGNED);
    List<String> both = new java.util.ArrayList<>(standardise);
    both.add("pretrain.input-scale=byte");
    PretrainModelJob.Config conflicting =
        PretrainModelJob.Config.from(ConfigMap.empty().withOverrides(both));
    assertThatThrownBy(() -> PretrainModelJob.inputScale(conflicting, p))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_CONFIG))
        .hasMessageContaining("'pretrain.input-scale' = byte with data.image.scaling: mean-std");
  }

  @Test
  void anHdf5FileOnARemoteFileSystemIsRefusedNamingIt() {
    Path remote = new Path("hdfs://namenode:8020/models/resnet8.h5");
    assertThatThrownBy(() -> PretrainModelJob.localFile(remote))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot import Keras model: HDF5 files are read from the local file system, not hdfs"
                + " (hdfs://namenode:8020/models/resnet8.h5)");
    assertThat(PretrainModelJob.localFile(new Path("file:/models/resnet8.h5")))
        .isEqualTo(java.nio.file.Path.of("/models/resnet8.h5"));
  }
}
