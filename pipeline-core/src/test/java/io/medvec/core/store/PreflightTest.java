package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.io.HadoopFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreflightTest {

  private final Configuration conf = new Configuration();
  @TempDir Path tmp;

  private static long entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.count();
    }
  }

  @Test
  void aWritableLocationPassesAndIsLeftAsItWas() throws IOException {
    Files.createDirectories(tmp.resolve("out/runs"));
    long before = entries(tmp);
    Preflight.requireWritable(
        conf, HadoopFiles.qualify(conf, tmp.resolve("out/runs/r1/merged").toString()));
    assertThat(entries(tmp)).isEqualTo(before);
    assertThat(Files.exists(tmp.resolve("out/runs/r1"))).isFalse();
  }

  @Test
  void anExistingFileTheJobReplacesIsWritableThroughItsDirectory() throws IOException {
    Path record =
        Files.writeString(
            Files.createDirectories(tmp.resolve("out/runs/r1")).resolve("finetune.json"), "{}");
    long before = entries(tmp);
    Preflight.requireWritable(conf, HadoopFiles.qualify(conf, record.toString()));
    assertThat(entries(tmp)).isEqualTo(before);
    assertThat(Files.readString(record)).isEqualTo("{}");
  }

  @Test
  void aLocationUnderAFileIsRefusedNamingBoth() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    assertThatThrownBy(
            () ->
                Preflight.requireWritable(
                    conf, HadoopFiles.qualify(conf, file.resolve("out/runs").toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Cannot write ")
        .hasMessageContaining("not-a-dir is a file, not a directory");
  }

  @Test
  void aReadOnlyDirectoryIsRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("ro"));
    try (ReadOnly ro = ReadOnly.make(dir)) {
      assertThatThrownBy(
              () ->
                  Preflight.requireWritable(
                      conf, HadoopFiles.qualify(conf, dir.resolve("out").toString())))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("the output location is not writable")
          .hasMessageContaining(dir.toString());
    }
    assertThat(entries(dir)).isEqualTo(1);
  }
}
