package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/medvec}'s refusals before it starts anything: no Java on the PATH, a Java older than
 * 17, and a JRE where a build needs a JDK. The launcher runs with a PATH that holds only the tools
 * it uses (and, per case, a stand-in {@code java} that prints a given version), so the machine's
 * own JDK is out of sight.
 */
class LauncherTest {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final List<String> TOOLS =
      List.of("bash", "dirname", "sed", "grep", "head", "readlink", "find", "cat", "env");

  @TempDir Path dir;

  record Run(int exit, String stderr) {}

  /** A PATH directory holding the launcher's tools, plus {@code java} printing this version. */
  Path pathWith(String javaVersionOutput) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("path"));
    for (String tool : TOOLS) {
      Path real = Path.of("/usr/bin", tool);
      if (!Files.exists(real)) {
        real = Path.of("/bin", tool);
      }
      Files.createSymbolicLink(bin.resolve(tool), real.toRealPath());
    }
    if (javaVersionOutput != null) {
      Path java = bin.resolve("java");
      Files.writeString(
          java,
          "#!/usr/bin/env bash\n"
              + "if [[ \"$1\" == -version ]]; then printf '%s\\n' '"
              + javaVersionOutput
              + "' >&2; exit 0; fi\n"
              + "echo 'stand-in java started' >&2; exit 42\n");
      Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return bin;
  }

  Run launch(Path launcher, Path path) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/bash", launcher.toString(), "demo");
    pb.environment().put("PATH", path.toString());
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Path err = dir.resolve("stderr.txt");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void noJavaOnThePathExits2NamingWhatToInstall() throws Exception {
    Run run = launch(REPO.resolve("bin/medvec"), pathWith(null));
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).contains("medvec: no java on PATH; install a JDK 17 or newer");
  }

  @Test
  void aJavaOlderThan17Exits2NamingTheJavaAndItsVersion() throws Exception {
    for (String version :
        List.of("openjdk version \"11.0.22\" 2024-01-16", "java version \"1.8.0_392\"")) {
      Path path = pathWith(version);
      Run run = launch(REPO.resolve("bin/medvec"), path);
      assertThat(run.exit()).as(version).isEqualTo(2);
      assertThat(run.stderr())
          .as(version)
          .contains("medvec: Java 17 or newer is needed, found " + path.resolve("java"))
          .contains(version);
      assertThat(run.stderr()).doesNotContain("stand-in java started");
      deleteTree(path);
    }
  }

  @Test
  void aJreWhereABuildIsNeededExits2() throws Exception {
    // a copy of the launcher in an empty project: nothing is built, so it must build, which needs
    // javac beside java
    Path home = Files.createDirectories(dir.resolve("home/bin"));
    Path launcher = Files.copy(REPO.resolve("bin/medvec"), home.resolve("medvec"));
    Path path = pathWith("openjdk version \"17.0.15\" 2025-04-15");
    Run run = launch(launcher, path);
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr())
        .contains("medvec: " + path.resolve("java") + " is a JRE (no javac beside it)")
        .contains("needs a JDK 17 or newer");
  }

  static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
