package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writer leases on the local file system (the {@link WriterLeaseContract}; {@code
 * WriterLeaseHdfsIT} runs the same on HDFS), and the lease timing settings.
 */
class WriterLeaseTest extends WriterLeaseContract {

  private final Configuration conf = new Configuration();
  private int dirs;

  @TempDir java.nio.file.Path dir;

  @Override
  protected Configuration conf() {
    return conf;
  }

  @Override
  protected FileSystem fs() throws IOException {
    return FileSystem.getLocal(conf);
  }

  @Override
  protected Path newDir() throws IOException {
    return new Path(Files.createDirectory(dir.resolve("t" + (++dirs))).toUri());
  }

  @Test
  void settingsRefuseARenewalIntervalAboveHalfTheTtl() {
    assertThatThrownBy(() -> new LeaseSettings(1000, 600))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot time writer leases: the renewal interval must be positive and at most half the"
                + " time to live (ttl 1000 ms, renew 600 ms)");
    Configuration c = new LeaseSettings(4000, 1000).applyTo(new Configuration());
    assertThat(LeaseSettings.of(c)).isEqualTo(new LeaseSettings(4000, 1000));
    assertThat(LeaseSettings.of(new Configuration())).isEqualTo(LeaseSettings.DEFAULT);
  }
}
