package io.medvec.core.source;

import io.medvec.core.dicom.DicomOptions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which decoder reads which file: each {@link Format} names its file extensions and recognises its
 * magic bytes. The magic decides; the extension is the fallback and also selects which files an
 * image folder lists. {@link #standard()} reads JPEG, PNG and BMP; {@link #withDicom} adds DICOM;
 * other formats are added with {@link #with}.
 */
public final class ImageDecoders {

  /**
   * One file format.
   *
   * @param name shown in messages, e.g. {@code jpeg}
   * @param extensions lower-case, without the dot
   * @param magic whether the first bytes are this format's
   * @param decoder reads the bytes
   */
  public record Format(
      String name, Set<String> extensions, Predicate<byte[]> magic, ImageDecoder decoder) {
    public Format {
      extensions = Set.copyOf(extensions);
    }
  }

  private static final ImageDecoder IMAGE_IO = new ImageIoDecoder();
  private static final ImageDecoders STANDARD =
      new ImageDecoders(
          List.of(
              new Format("jpeg", Set.of("jpg", "jpeg"), magicAt(0, 0xff, 0xd8, 0xff), IMAGE_IO),
              new Format(
                  "png", Set.of("png"), magicAt(0, 0x89, 'P', 'N', 'G', 0x0d, 0x0a), IMAGE_IO),
              new Format("bmp", Set.of("bmp"), magicAt(0, 'B', 'M'), IMAGE_IO)));

  private final List<Format> formats;

  private ImageDecoders(List<Format> formats) {
    this.formats = List.copyOf(formats);
  }

  /** JPEG, PNG and BMP through ImageIO. */
  public static ImageDecoders standard() {
    return STANDARD;
  }

  /**
   * JPEG, PNG and BMP, and DICOM ({@code .dcm}, {@code .dicom}, or {@code DICM} at byte 128 under
   * any name) decoded with {@code options}.
   */
  public static ImageDecoders withDicom(DicomOptions options) {
    return STANDARD.with(
        new Format(
            "dicom",
            Set.of("dcm", "dicom"),
            magicAt(128, 'D', 'I', 'C', 'M'),
            new DicomImageDecoder(options)));
  }

  /** These formats and {@code format}, which is tried first. */
  public ImageDecoders with(Format format) {
    List<Format> all = new ArrayList<>();
    all.add(format);
    all.addAll(formats);
    return new ImageDecoders(all);
  }

  /** A magic test: the bytes at {@code offset} are {@code expected} (each 0..255). */
  public static Predicate<byte[]> magicAt(int offset, int... expected) {
    return bytes -> {
      if (bytes.length < offset + expected.length) {
        return false;
      }
      for (int i = 0; i < expected.length; i++) {
        if ((bytes[offset + i] & 0xff) != expected[i]) {
          return false;
        }
      }
      return true;
    };
  }

  /** Whether a file named {@code fileName} has one of the formats' extensions. */
  public boolean accepts(String fileName) {
    String ext = extension(fileName);
    return formats.stream().anyMatch(f -> f.extensions().contains(ext));
  }

  /** Decodes {@code bytes} with the format its magic, else its name's extension, names. */
  public DecodedImage decode(byte[] bytes, String name) {
    for (Format format : formats) {
      if (format.magic().test(bytes)) {
        return format.decoder().decode(bytes, name);
      }
    }
    String ext = extension(name);
    for (Format format : formats) {
      if (format.extensions().contains(ext)) {
        return format.decoder().decode(bytes, name);
      }
    }
    byte[] head = java.util.Arrays.copyOf(bytes, Math.min(8, bytes.length));
    throw ImageIoDecoder.refuse(
        name,
        "unknown image format, expected one of "
            + formats.stream().map(Format::name).toList()
            + " (first bytes "
            + HexFormat.of().formatHex(head)
            + ")",
        null);
  }

  static String extension(String name) {
    int slash = name.lastIndexOf('/');
    int dot = name.lastIndexOf('.');
    return dot > slash ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
  }
}
