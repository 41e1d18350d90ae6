package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.model.PixelScale;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

class PretrainModelJobTest {

  @Test
  void kerasImportKeysAreReadAndDefaulted() {
    PretrainModelJob.Config defaults = PretrainModelJob.Config.from(ConfigMap.empty());
    assertThat(defaults.freezeThrough()).isEmpty();
    assertThat(defaults.inputScale()).isEqualTo(PixelScale.UNIT);
    PretrainModelJob.Config set =
        PretrainModelJob.Config.from(
            ConfigMap.empty()
                .withOverrides(
                    List.of(
                        "pretrain.import=/models/m.h5",
                        "pretrain.input-scale=signed",
                        "pretrain.freeze-through=conv2d_3")));
    assertThat(set.importModel()).isEqualTo("/models/m.h5");
    assertThat(set.inputScale()).isEqualTo(PixelScale.SIGNED);
    assertThat(set.freezeThrough()).isEqualTo("conv2d_3");
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
