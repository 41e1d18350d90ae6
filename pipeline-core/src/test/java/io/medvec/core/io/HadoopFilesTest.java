package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopFilesTest {
  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  @Test
  void stringRoundTripsAndReplacesExistingFile() throws IOException {
    Path file = new Path(dir.resolve("result.json").toUri());
    HadoopFiles.writeStringAtomically(conf, file, "{\"first\": true}");
    String second = "{\"hospital\": \"Zürich ✓\", \"auc\": 0.5}";
    HadoopFiles.writeStringAtomically(conf, file, second);

    assertThat(HadoopFiles.readString(conf, file)).isEqualTo(second);
    assertThat(HadoopFiles.readBytes(conf, file))
        .isEqualTo(second.getBytes(StandardCharsets.UTF_8));
    try (InputStream in = HadoopFiles.open(conf, file)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(second);
    }
    assertThat(AtomicDirTest.listNames(dir)).containsExactly("result.json");
  }

  @Test
  void localReplacementReplacesTheChecksumSoHadoopStillReadsTheFile() throws IOException {
    Path file = new Path(dir.resolve("finetune.json").toUri());
    // a result written by Hadoop's local file system, which keeps a .crc beside it
    try (var out = file.getFileSystem(conf).create(file, false)) {
      out.write("{\"old\": true}".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(dir.resolve(".finetune.json.crc")).exists();

    HadoopFiles.writeStringAtomically(conf, file, "{\"new\": \"longer content\"}");
    // read through the checksumming file system: a stale .crc would fail this with a
    // ChecksumException
    assertThat(HadoopFiles.readString(conf, file)).isEqualTo("{\"new\": \"longer content\"}");
    // the new content's own checksum, and no temporary file or checksum left
    assertThat(dir.resolve(".finetune.json.crc")).exists();
    try (var names = java.nio.file.Files.list(dir)) {
      assertThat(names.map(n -> n.getFileName().toString()))
          .containsExactlyInAnyOrder("finetune.json", ".finetune.json.crc");
    }
  }

  @Test
  void aFailedLocalWriteNamesTheFileAndLeavesNothingBehind() throws IOException {
    java.nio.file.Files.createDirectories(dir.resolve("result.json"));
    Path file = new Path(dir.resolve("result.json").toUri());
    assertThatThrownBy(() -> HadoopFiles.writeStringAtomically(conf, file, "{}"))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessage("Cannot write file " + file);
    assertThat(AtomicDirTest.listNames(dir)).containsExactly("result.json");
    assertThat(java.nio.file.Files.isDirectory(dir.resolve("result.json"))).isTrue();
  }

  @Test
  void missingFileIsIllegalArgument() {
    Path missing = new Path(dir.resolve("missing.txt").toUri());
    assertThatThrownBy(() -> HadoopFiles.readString(conf, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot open file: does not exist or is a directory (" + missing + ")");
    assertThatThrownBy(() -> HadoopFiles.open(conf, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot open file: does not exist or is a directory (" + missing + ")");
  }

  @Test
  void qualifyTurnsLocalPathsIntoFileUrisAndKeepsUris() {
    String cwd = new File("").getAbsolutePath();
    assertThat(HadoopFiles.qualify(conf, "/data/vectors").toString())
        .isEqualTo("file:/data/vectors");
    assertThat(HadoopFiles.qualify(conf, "rel/dir").toString())
        .isEqualTo("file:" + cwd + "/rel/dir");
    assertThat(HadoopFiles.qualify(conf, "hdfs://nn:8020/a/b").toString())
        .isEqualTo("hdfs://nn:8020/a/b");
    assertThat(HadoopFiles.qualify(conf, "s3a://bucket/key").toString())
        .isEqualTo("s3a://bucket/key");
    assertThat(HadoopFiles.qualify(conf, "file:/x/y").toString()).isEqualTo("file:/x/y");
    // File.toURI() appends a slash for existing directories; it must not survive
    assertThat(HadoopFiles.qualify(conf, dir.toString()).toString()).isEqualTo("file:" + dir);
    assertThat(HadoopFiles.qualify(conf, dir.toString()).getName())
        .isEqualTo(dir.getFileName().toString());
    assertThatThrownBy(() -> HadoopFiles.qualify(conf, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot qualify path: configuration or path is null or blank ( )");
  }
}
