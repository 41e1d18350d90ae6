package io.medvec.jobs.spark;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal Spark distribution for {@code local-cluster[N,C,MEM]} masters, whose workers launch
 * executors as {@code java -cp SPARK_HOME/jars/*}: {@code jars/} (symbolic links to the given jars)
 * and a {@code RELEASE} file (without it the launcher looks for a source build's assembly directory
 * and fails with "Cannot find any build directories"). The processes that start such a master also
 * need {@code SPARK_SCALA_VERSION=2.13} in their environment ({@link #ENV_SCALA}), which a
 * distribution's {@code bin/load-spark-env.sh} would set.
 */
public final class SparkHome {

  /** The environment variable and value a local-cluster master's launcher needs. */
  public static final String[] ENV_SCALA = {"SPARK_SCALA_VERSION", "2.13"};

  private SparkHome() {}

  /**
   * {@code home} with {@code jars/} linking every jar of {@code classPath}, and {@code RELEASE}.
   */
  public static synchronized Path assemble(Path home, String classPath, String release) {
    try {
      Path jars = home.resolve("jars");
      Files.createDirectories(jars);
      for (String entry : jars(classPath)) {
        Path jar = Path.of(entry).toAbsolutePath();
        Path link = jars.resolve(jar.getFileName());
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, jar);
        }
      }
      Files.writeString(home.resolve("RELEASE"), release + "\n");
      return home;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot assemble SPARK_HOME in " + home, e);
    }
  }

  /** The jar files of {@code classPath}. */
  public static List<String> jars(String classPath) {
    List<String> jars = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.endsWith(".jar") && Files.isRegularFile(Path.of(entry))) {
        jars.add(entry);
      }
    }
    return jars;
  }

  /** The directories of {@code classPath} (class folders, e.g. a build's target/classes). */
  public static String directories(String classPath) {
    List<String> dirs = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isDirectory(Path.of(entry))) {
        dirs.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, dirs);
  }
}
