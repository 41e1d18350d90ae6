package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
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
    assertThat(listNames(dir.resolve("out")))
        .contains("new-part", "_SUCCESS")
        .doesNotContain("old-part");
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
    failing.setClass(
        "fs.failrename.impl", FailingRenameFileSystem.class, org.apache.hadoop.fs.FileSystem.class);
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
  /** Commits {@code content} into {@code name} through an AtomicDir. */
  private void commit(String name, String content) throws IOException {
    try (AtomicDir out = AtomicDir.begin(conf, path(name))) {
      Files.writeString(local(out.tmp()).resolve("part-0"), content);
      out.commit();
    }
  }

  /**
   * The state a writer of {@code name} leaves when killed between the two renames of a commit: the
   * committed version moved aside, its own complete temp directory, no target.
   */
  private void dieBetweenRenames(String name, String newContent) throws IOException {
    String mangled = name.replace('=', '-');
    Files.move(
        dir.resolve(name), dir.resolve("_old-" + mangled + "-" + java.util.UUID.randomUUID()));
    java.nio.file.Path tmp =
        Files.createDirectories(dir.resolve("_tmp-" + mangled + "-" + java.util.UUID.randomUUID()));
    Files.writeString(tmp.resolve("part-0"), newContent);
    Files.writeString(tmp.resolve(AtomicDir.SUCCESS_MARKER), name);
  }

  @Test
  void theSuccessMarkerNamesItsTarget() throws IOException {
    commit("run_id=a", "x");
    assertThat(Files.readString(dir.resolve("run_id=a/_SUCCESS"))).isEqualTo("run_id=a");
  }

  @Test
  void aCommitKilledBetweenItsRenamesIsReadFromTheMovedAsideCopyAndRepairedByTheNextWriter()
      throws IOException {
    commit("hospital=h1", "v1");
    dieBetweenRenames("hospital=h1", "v2");
    Path target = path("hospital=h1");
    assertThat(AtomicDir.isComplete(conf, target)).isFalse();
    Path last = AtomicDir.lastCommitted(conf, target).orElseThrow();
    assertThat(last.getName()).startsWith("_old-hospital-h1-");
    assertThat(Files.readString(local(last).resolve("part-0"))).isEqualTo("v1");

    try (AtomicDir out = AtomicDir.begin(conf, target)) {
      // the last committed version is back before anything new is written, and the dead writer's
      // leftovers are gone
      assertThat(Files.readString(dir.resolve("hospital=h1/part-0"))).isEqualTo("v1");
      assertThat(listNames(dir))
          .containsExactlyInAnyOrder(
              "hospital=h1", out.tmp().getName(), WriterLease.PREFIX + "hospital-h1");
      Files.writeString(local(out.tmp()).resolve("part-0"), "v3");
      out.commit();
    }
    assertThat(listNames(dir)).containsExactly("hospital=h1");
    assertThat(Files.readString(dir.resolve("hospital=h1/part-0"))).isEqualTo("v3");
    assertThat(AtomicDir.lastCommitted(conf, target)).contains(target);
  }

  @Test
  void leftoversOfCompletedCommitsAndDeadWritersAreDeletedButNotThoseOfOtherTargets()
      throws IOException {
    commit("a", "a1");
    commit("a-b", "ab1");
    Files.createDirectories(
        dir.resolve("_tmp-a-" + java.util.UUID.randomUUID())); // writer of a killed mid-write
    Files.createDirectories(
        dir.resolve("_old-a-" + java.util.UUID.randomUUID())); // delete after commit lost
    java.nio.file.Path otherTmp =
        Files.createDirectories(dir.resolve("_tmp-a-b-" + java.util.UUID.randomUUID()));
    commit("a", "a2");
    assertThat(listNames(dir))
        .containsExactlyInAnyOrder("a", "a-b", otherTmp.getFileName().toString());
    assertThat(AtomicDir.lastCommitted(conf, path("missing"))).isEmpty();
  }

  @Test
  void aMovedAsideCopyOfAnotherTargetIsNeverTakenForThisOne() throws IOException {
    commit("a-b", "ab1");
    // "_old-a-b-<uuid>" matches target "a" by name only if "b-<uuid>" were a uuid; it is not, and
    // a marker naming another target is ignored as well
    Files.move(dir.resolve("a-b"), dir.resolve("_old-a-" + java.util.UUID.randomUUID()));
    Files.writeString(dir.resolve(listNames(dir).get(0)).resolve(AtomicDir.SUCCESS_MARKER), "a-b");
    assertThat(AtomicDir.lastCommitted(conf, path("a"))).isEmpty();
  }

  /**
   * The local file system under another scheme, whose rename of a {@code _tmp-} directory fails.
   */
  public static final class FailingRenameFileSystem extends OtherSchemeLocalFileSystem {
    public FailingRenameFileSystem() {
      super("failrename");
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
      return children
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".crc"))
          .sorted()
          .toList();
    }
  }
}
