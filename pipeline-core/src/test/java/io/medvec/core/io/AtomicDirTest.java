package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicDirTest {
  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  @Test
  void tmpIsHiddenSiblingOfTarget() {
    Path target = path("out");
    try (AtomicDir out = AtomicDir.begin(conf, target)) {
      assertThat(out.tmp().getName()).startsWith("_tmp-out-");
      assertThat(out.tmp().getParent()).isEqualTo(out.target().getParent());
      assertThat(out.target()).isEqualTo(target);
      assertThat(Files.isDirectory(local(out.tmp()))).isTrue();
      assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }
  }

  @Test
  void tmpOfAPartitionDirectoryHasNoEqualsSignSoSparkKeepsItHidden() throws IOException {
    Files.createDirectories(dir.resolve("run_id=a"));
    Path target = path("run_id=a");
    try (AtomicDir out = AtomicDir.begin(conf, target)) {
      assertThat(out.tmp().getName()).startsWith("_tmp-run_id-a-").doesNotContain("=");
      out.commit();
    }
    assertThat(listNames(dir)).containsExactly("run_id=a");
  }

  @Test
  void commitMakesTargetVisibleWithSuccessMarker() throws IOException {
    Path target = path("out");
    try (AtomicDir out = AtomicDir.begin(conf, target)) {
      Files.writeString(local(out.tmp()).resolve("part-0"), "new");
      assertThat(AtomicDir.isComplete(conf, out.tmp())).isFalse();
      out.commit();
    }
    assertThat(AtomicDir.isComplete(conf, target)).isTrue();
    assertThat(Files.readString(dir.resolve("out/part-0"))).isEqualTo("new");
    assertThat(listNames(dir)).containsExactly("out");
  }

  @Test
  void commitReplacesExistingTargetCompletely() throws IOException {
    Files.createDirectories(dir.resolve("out"));
    Files.writeString(dir.resolve("out/old-part"), "old");
    Path target = path("out");
    assertThat(target.toString()).endsWith("/"); // URI of an existing directory
    try (AtomicDir out = AtomicDir.begin(conf, target)) {
      assertThat(out.tmp().getName()).startsWith("_tmp-out-");
      Files.writeString(local(out.tmp()).resolve("new-part"), "new");
      out.commit();
    }
    assertThat(listNames(dir.resolve("out"))).contains("new-part", "_SUCCESS").doesNotContain("old-part");
    assertThat(listNames(dir)).containsExactly("out");
  }

  @Test
  void closeWithoutCommitDeletesTmpAndKeepsTarget() throws IOException {
    Files.createDirectories(dir.resolve("out"));
    Files.writeString(dir.resolve("out/old-part"), "old");
    Path tmp;
    try (AtomicDir out = AtomicDir.begin(conf, path("out"))) {
      tmp = out.tmp();
      Files.writeString(local(tmp).resolve("half-written"), "partial");
    }
    assertThat(Files.exists(local(tmp))).isFalse();
    assertThat(Files.readString(dir.resolve("out/old-part"))).isEqualTo("old");
    assertThat(listNames(dir)).containsExactly("out");
  }

  @Test
  void commitTwiceOrAfterCloseFails() {
    Path target = path("out");
    AtomicDir out = AtomicDir.begin(conf, target);
    out.commit();
    assertThatThrownBy(out::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot commit atomic directory: already committed (" + target + ")");
    AtomicDir other = AtomicDir.begin(conf, path("other"));
    other.close();
    assertThatThrownBy(other::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot commit atomic directory: already closed (" + other.target() + ")");
  }

  @Test
  void failedRenameRestoresPreviousTarget() throws IOException {
    Files.createDirectories(dir.resolve("out"));
    Files.writeString(dir.resolve("out/old-part"), "old");
    Configuration failing = new Configuration();
    failing.setClass("fs.failrename.impl", FailingRenameFileSystem.class, org.apache.hadoop.fs.FileSystem.class);
    failing.setBoolean("fs.failrename.impl.disable.cache", true);
    Path target = new Path("failrename", null, dir.resolve("out").toString());
    try (AtomicDir out = AtomicDir.begin(failing, target)) {
      assertThatThrownBy(out::commit)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("Cannot commit atomic directory " + out.target())
          .hasCauseInstanceOf(IOException.class);
    }
    assertThat(Files.readString(dir.resolve("out/old-part"))).isEqualTo("old");
    assertThat(listNames(dir)).containsExactly("out");
  }

  /** Local file system that refuses to rename the temporary directory onto the target. */
  public static final class FailingRenameFileSystem extends RawLocalFileSystem {
    @Override
    public URI getUri() {
      return URI.create("failrename:///");
    }

    @Override
    public String getScheme() {
      return "failrename";
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
      return !src.getName().startsWith("_tmp-") && super.rename(src, dst);
    }
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }

  private static java.nio.file.Path local(Path path) {
    return java.nio.file.Path.of(path.toUri().getPath());
  }

  static java.util.List<String> listNames(java.nio.file.Path directory) throws IOException {
    try (Stream<java.nio.file.Path> children = Files.list(directory)) {
      // Hadoop's local file system adds .crc companions; they are not outputs
      return children.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
    }
  }
}
