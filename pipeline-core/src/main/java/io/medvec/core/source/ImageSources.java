package io.medvec.core.source;

import io.medvec.core.dicom.DicomOptions;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Opens the source at a path in the format the config names or {@link SourceFormat#AUTO} finds. */
public final class ImageSources {

  private ImageSources() {}

  /** The source at {@code path} reading JPEG, PNG, BMP and DICOM (default DICOM options). */
  public static ImageSource open(Configuration conf, Path path, SourceConfig config) {
    return open(conf, path, config, ImageDecoders.withDicom(DicomOptions.defaults()));
  }

  /** The source at {@code path}, decoding with {@code decoders}. */
  public static ImageSource open(
      Configuration conf, Path path, SourceConfig config, ImageDecoders decoders) {
    SourceFormat format =
        config.format() == SourceFormat.AUTO ? detect(conf, path) : config.format();
    return switch (format) {
      case NPZ -> new NpzSource(conf, path);
      case IMAGE_FOLDER -> new ImageFolderSource(conf, path, config.splitRule(), decoders);
      case MANIFEST ->
          new ManifestSource(
              conf, path, config.columns(), config.classes(), config.splitRule(), decoders);
      case IMAGE_TABLE ->
          new ManifestSource(
              conf,
              path,
              binaryFile(config.columns()),
              config.classes(),
              config.splitRule(),
              decoders);
      case AUTO -> throw new IllegalStateException("Cannot open source: format not detected");
    };
  }

  /** The binaryFile columns, with the label, split, site and patient columns of {@code given}. */
  static ManifestColumns binaryFile(ManifestColumns given) {
    ManifestColumns b = ManifestColumns.BINARY_FILE;
    return new ManifestColumns(
        b.path(),
        given.bytes().isEmpty() ? b.bytes() : given.bytes(),
        given.label(),
        given.className(),
        given.split(),
        given.site(),
        given.patientId());
  }

  /**
   * The format of {@code path}: a {@code .npz} file, a {@code .csv} manifest, a directory of
   * folders (image folder), or Parquet (an image table when it has {@code path} and {@code content}
   * columns, else a manifest).
   */
  public static SourceFormat detect(Configuration conf, Path path) {
    String name = path.getName().toLowerCase(Locale.ROOT);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(path);
      if (!status.isDirectory()) {
        if (name.endsWith(".npz")) {
          return SourceFormat.NPZ;
        }
        if (name.endsWith(".csv")) {
          return SourceFormat.MANIFEST;
        }
        return parquet(conf, path);
      }
      List<FileStatus> children = Arrays.asList(fs.listStatus(path));
      boolean folders =
          children.stream()
              .anyMatch(c -> c.isDirectory() && !c.getPath().getName().startsWith("."));
      return folders ? SourceFormat.IMAGE_FOLDER : parquet(conf, path);
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot open image source: does not exist (" + path + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open image source " + path, e);
    }
  }

  private static SourceFormat parquet(Configuration conf, Path path) {
    List<String> columns;
    try {
      columns = ParquetRows.columns(conf, path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot open image source "
              + path
              + ": not an .npz, a .csv, a folder of class folders or a Parquet table",
          e);
    }
    return columns.contains("path") && columns.contains("content")
        ? SourceFormat.IMAGE_TABLE
        : SourceFormat.MANIFEST;
  }
}
