package io.medvec.core.io;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The four file operations a lease needs, each atomic: create-if-absent, replace, read, delete.
 *
 * <p>On HDFS {@code FileSystem.create(path, overwrite=false)} is atomic at the namenode. Hadoop's
 * local file system is not: it checks for the file and then opens it, so two processes can both
 * "create" it. There the lease is written to a temporary file and hard-linked to its name ({@code
 * link(2)} fails if the name exists), so it appears atomically and complete; replacing is a POSIX
 * rename. No checksum files are written for lease files.
 */
final class LeaseFiles {

  /** A lease file's text and its modification time on the file system (epoch ms). */
  record Stored(String text, long modifiedMs) {}

  private static final int READ_ATTEMPTS = 5;

  private final Configuration conf;
  private final FileSystem fs;
  private final Function<Path, File> local;

  LeaseFiles(Configuration conf, FileSystem fs) {
    this.conf = conf;
    this.fs = fs;
    if (fs instanceof LocalFileSystem checksummed) {
      this.local = checksummed::pathToFile;
    } else if (fs instanceof RawLocalFileSystem raw) {
      this.local = raw::pathToFile;
    } else {
      this.local = null;
    }
  }

  /** Writes {@code text} to {@code file} unless it exists; false if it does. */
  boolean createIfAbsent(Path file, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (local != null) {
      java.nio.file.Path target = local.apply(file).toPath();
      java.nio.file.Path tmp = target.resolveSibling(file.getName() + ".tmp-" + UUID.randomUUID());
      Files.createDirectories(target.getParent());
      Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW);
      try {
        Files.createLink(target, tmp);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(bytes);
      return true;
    } catch (IOException e) {
      // HDFS reports a file that exists, or one another client is still creating, in several ways
      if (fs.exists(file)) {
        return false;
      }
      throw e;
    }
  }

  /** Replaces {@code file}'s content in one step (readers see the old or the new text). */
  void replace(Path file, String text) throws IOException {
    if (local != null) {
      java.nio.file.Path target = local.apply(file).toPath();
      java.nio.file.Path tmp = target.resolveSibling(file.getName() + ".tmp-" + UUID.randomUUID());
      Files.writeString(tmp, text, StandardOpenOption.CREATE_NEW);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    HadoopFiles.writeStringAtomically(conf, file, text);
  }

  /** The file's text and modification time; empty if there is no such file. */
  Optional<Stored> read(Path file) throws IOException {
    if (local != null) {
      java.nio.file.Path target = local.apply(file).toPath();
      try {
        long modified = Files.getLastModifiedTime(target).toMillis();
        return Optional.of(new Stored(Files.readString(target), modified));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
    }
    for (int attempt = 1; ; attempt++) {
      try {
        FileStatus status = fs.getFileStatus(file);
        try (FSDataInputStream in = fs.open(file)) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          return Optional.of(new Stored(text, status.getModificationTime()));
        }
      } catch (FileNotFoundException e) {
        return Optional.empty();
      } catch (IOException e) {
        // HDFS: the holder renewed (renamed a new file over this one) while it was being read
        if (attempt == READ_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Deletes {@code file}; false if it was not there. */
  boolean delete(Path file) throws IOException {
    if (local != null) {
      return Files.deleteIfExists(local.apply(file).toPath());
    }
    return fs.delete(file, false);
  }
}
