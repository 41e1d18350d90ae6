package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writer leases on a real in-process HDFS ({@code MiniDFSCluster}): the {@link WriterLeaseContract}
 * that {@code WriterLeaseTest} (pipeline-core) runs on the local file system, here with
 * create-if-absent at the name node and its modification times.
 */
class WriterLeaseHdfsIT extends WriterLeaseContract {

  @TempDir static java.nio.file.Path tmp;
  static MiniDFSCluster cluster;
  static Configuration conf;
  static FileSystem fs;
  static int dirs;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration dfsConf = new Configuration();
    dfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
    cluster = new MiniDFSCluster.Builder(dfsConf).numDataNodes(1).build();
    cluster.waitActive();
    conf = new Configuration();
    conf.set("dfs.replication", "1");
    fs = FileSystem.get(cluster.getURI(), conf);
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  @Override
  protected Configuration conf() {
    return conf;
  }

  @Override
  protected FileSystem fs() {
    return fs;
  }

  @Override
  protected Path newDir() throws IOException {
    Path dir = new Path(fs.getUri() + "/t" + (++dirs));
    assertThat(fs.mkdirs(dir)).isTrue();
    assertThat(dir.toString()).startsWith("hdfs://");
    return dir;
  }
}
