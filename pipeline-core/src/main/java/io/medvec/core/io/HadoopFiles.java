package io.medvec.core.io;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/** Small-file helpers on any Hadoop file system (local, HDFS, s3a). */
public final class HadoopFiles {

  /**
   * Hadoop IPC settings that {@link #failFast} lowers: by default a client retries a refused
   * connection 10 times a second apart and a timed-out one 45 times, so a job pointed at a dead
   * namenode hangs for minutes before it says anything. A scheduler retries the whole job instead.
   */
  static final java.util.Map<String, String> FAIL_FAST =
      java.util.Map.of(
          "ipc.client.connect.max.retries", "1",
          "ipc.client.connect.max.retries.on.timeouts", "1",
          "ipc.client.connect.timeout", "5000",
          "ipc.client.connect.retry.interval", "200");

  private HadoopFiles() {}

  /**
   * A copy of {@code conf} whose IPC client gives up on an unreachable server within seconds (see
   * {@link #FAIL_FAST}); values set explicitly (not from *-default.xml) are kept.
   */
  public static Configuration failFast(Configuration conf) {
    if (conf == null) {
      throw new IllegalArgumentException("Cannot copy Hadoop configuration: it is null");
    }
    Configuration copy = new Configuration(conf);
    FAIL_FAST.forEach(
        (key, value) -> {
          String[] sources = copy.getPropertySources(key);
          boolean fromDefaults =
              sources == null
                  || java.util.Arrays.stream(sources).allMatch(s -> s.endsWith("-default.xml"));
          if (fromDefaults) {
            copy.set(key, value, "medvec fail-fast default");
          }
        });
    return copy;
  }

  /**
   * Writes {@code content} as UTF-8 to a hidden temporary file next to {@code file} and renames it
   * over {@code file}, replacing an existing file, so readers see the old or the new content, never
   * a partial one.
   */
  public static void writeStringAtomically(Configuration conf, Path file, String content) {
    checkNotNull(conf, file, "write file");
    if (content == null) {
      throw new IllegalArgumentException("Cannot write file: content is null (" + file + ")");
    }
    writeAtomically(conf, file, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
  }

  /** Writes a file's bytes to a stream. */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Streams {@code writer}'s bytes to a hidden temporary file next to {@code file} and renames it
   * over {@code file}, replacing an existing file, so readers see the old or the new content, never
   * a partial one; on failure the temporary file is removed.
   */
  public static void writeAtomically(Configuration conf, Path file, StreamWriter writer) {
    checkNotNull(conf, file, "write file");
    if (file.getParent() == null) {
      throw new IllegalArgumentException("Cannot write file: path has no parent (" + file + ")");
    }
    Path tmp = new Path(file.getParent(), "_tmp-" + file.getName() + "-" + UUID.randomUUID());
    try {
      FileSystem fs = file.getFileSystem(conf);
      try (OutputStream out = fs.create(tmp, false)) {
        writer.write(out);
      }
      renameOver(conf, fs, tmp, file);
    } catch (IOException e) {
      deleteQuietly(conf, tmp, e);
      throw new UncheckedIOException("Cannot write file " + file, e);
    }
  }

  /** Whether {@code path} exists on its file system. */
  public static boolean exists(Configuration conf, Path path) {
    try {
      return path.getFileSystem(conf).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path, e);
    }
  }

  public static String readString(Configuration conf, Path file) {
    return new String(readBytes(conf, file), StandardCharsets.UTF_8);
  }

  /** Reads a whole file; IAE naming the file if it is missing. */
  public static byte[] readBytes(Configuration conf, Path file) {
    try (InputStream in = open(conf, file)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read file " + file, e);
    }
  }

  /** Opens a file for reading; IAE naming the file if it is missing. The caller closes it. */
  public static InputStream open(Configuration conf, Path file) {
    checkNotNull(conf, file, "open file");
    try {
      return file.getFileSystem(conf).open(file);
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot open file: does not exist or is a directory (" + file + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open file " + file, e);
    }
  }

  /**
   * Plain local paths (absolute or relative to the working directory) become {@code file:/abs};
   * URIs with a scheme (hdfs://, s3a://, file:) are kept as they are.
   */
  public static Path qualify(Configuration conf, String pathOrUri) {
    if (conf == null || pathOrUri == null || pathOrUri.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot qualify path: configuration or path is null or blank (" + pathOrUri + ")");
    }
    Path path = new Path(pathOrUri);
    if (path.toUri().getScheme() != null) {
      return path;
    }
    return normalize(new Path(new File(pathOrUri).getAbsoluteFile().toURI()));
  }

  /** Drops a trailing slash (kept by {@code new Path(URI)}), so that getName() is the last name. */
  static Path normalize(Path path) {
    URI uri = path.toUri();
    return new Path(uri.getScheme(), uri.getAuthority(), uri.getPath());
  }

  /**
   * Renames {@code tmp} over {@code file}, replacing it in one step. On the local file system with
   * {@code java.nio}: {@code FileContext}'s overwriting rename forks a {@code readlink} for every
   * path it checks when libhadoop is not loaded (the usual case), about 80 ms per file. There the
   * order is: drop the target's old checksum, rename the file over the target (one POSIX rename),
   * then move the new checksum beside it — a reader, or a process that dies in between, sees old
   * content with no checksum or new content with none or its own, never a checksum of other
   * content. Elsewhere (HDFS: atomic) {@code FileContext}, since {@code FileSystem.rename} cannot
   * overwrite.
   */
  private static void renameOver(Configuration conf, FileSystem fs, Path tmp, Path file)
      throws IOException {
    if (fs instanceof LocalFileSystem local) {
      java.nio.file.Path targetChecksum = local.pathToFile(local.getChecksumFile(file)).toPath();
      java.nio.file.Path tmpChecksum = local.pathToFile(local.getChecksumFile(tmp)).toPath();
      Files.deleteIfExists(targetChecksum);
      Files.move(
          local.pathToFile(tmp).toPath(),
          local.pathToFile(file).toPath(),
          StandardCopyOption.ATOMIC_MOVE);
      if (Files.exists(tmpChecksum)) {
        Files.move(tmpChecksum, targetChecksum, StandardCopyOption.ATOMIC_MOVE);
      }
      return;
    }
    FileContext context = FileContext.getFileContext(fs.getUri(), conf);
    context.rename(fs.makeQualified(tmp), fs.makeQualified(file), Options.Rename.OVERWRITE);
  }

  private static void deleteQuietly(Configuration conf, Path tmp, Exception cause) {
    try {
      tmp.getFileSystem(conf).delete(tmp, false);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  private static void checkNotNull(Configuration conf, Path file, String action) {
    if (conf == null || file == null) {
      throw new IllegalArgumentException(
          "Cannot " + action + ": configuration or path is null (" + file + ")");
    }
  }
}
