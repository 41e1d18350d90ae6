package io.medvec.core.dicom;

import java.util.Arrays;
import java.util.Optional;

/**
 * The transfer syntaxes medvec recognises, each with how its data set is encoded and how its pixel
 * data is compressed. A recognised syntax with {@link Codec#NONE_AVAILABLE} is refused by name; an
 * unrecognised UID is refused by UID.
 */
enum TransferSyntax {
  IMPLICIT_LE("1.2.840.10008.1.2", "Implicit VR Little Endian", false, true, false, Codec.NATIVE),
  EXPLICIT_LE("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, true, false, Codec.NATIVE),
  DEFLATED_LE(
      "1.2.840.10008.1.2.1.99",
      "Deflated Explicit VR Little Endian",
      true,
      true,
      true,
      Codec.NATIVE),
  EXPLICIT_BE("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, false, false, Codec.NATIVE),
  RLE("1.2.840.10008.1.2.5", "RLE Lossless", true, true, false, Codec.RLE),
  JPEG_BASELINE("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", Codec.IMAGEIO_JPEG),
  JPEG_EXTENDED("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)", Codec.IMAGEIO_JPEG),
  JPEG_LOSSLESS("1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)", Codec.IMAGEIO_JPEG),
  JPEG_LOSSLESS_SV1(
      "1.2.840.10008.1.2.4.70", "JPEG Lossless, First-Order Prediction", Codec.IMAGEIO_JPEG),
  JPEG_LS_LOSSLESS("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", Codec.NONE_AVAILABLE),
  JPEG_LS_NEAR_LOSSLESS("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", Codec.NONE_AVAILABLE),
  JPEG_2000_LOSSLESS("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)", Codec.IMAGEIO_J2K),
  JPEG_2000("1.2.840.10008.1.2.4.91", "JPEG 2000", Codec.IMAGEIO_J2K),
  HTJ2K_LOSSLESS("1.2.840.10008.1.2.4.201", "HTJ2K (Lossless Only)", Codec.NONE_AVAILABLE),
  HTJ2K_LOSSLESS_RPCL(
      "1.2.840.10008.1.2.4.202", "HTJ2K (Lossless RPCL Only)", Codec.NONE_AVAILABLE),
  HTJ2K("1.2.840.10008.1.2.4.203", "HTJ2K", Codec.NONE_AVAILABLE),
  JPIP_REFERENCED("1.2.840.10008.1.2.4.94", "JPIP Referenced", Codec.NONE_AVAILABLE),
  MPEG2("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile", Codec.NONE_AVAILABLE),
  MPEG4("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264", Codec.NONE_AVAILABLE),
  HEVC("1.2.840.10008.1.2.4.107", "HEVC/H.265", Codec.NONE_AVAILABLE),
  JPEG_XL_LOSSLESS("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", Codec.NONE_AVAILABLE),
  JPEG_XL("1.2.840.10008.1.2.4.112", "JPEG XL", Codec.NONE_AVAILABLE);

  /** How the Pixel Data of a syntax is turned into samples. */
  enum Codec {
    /** Uncompressed samples in the data set's byte order. */
    NATIVE,
    /** DICOM RLE (PS3.5 Annex G), decoded here. */
    RLE,
    /** A JPEG codestream per frame, decoded by an ImageIO JPEG reader. */
    IMAGEIO_JPEG,
    /** A JPEG 2000 codestream per frame, decoded by the JPEG 2000 ImageIO reader. */
    IMAGEIO_J2K,
    /** No codec on the class path decodes it: refused. */
    NONE_AVAILABLE
  }

  final String uid;
  final String title;
  final boolean explicitVr;
  final boolean littleEndian;
  final boolean deflated;
  final Codec codec;

  TransferSyntax(
      String uid,
      String title,
      boolean explicitVr,
      boolean littleEndian,
      boolean deflated,
      Codec codec) {
    this.uid = uid;
    this.title = title;
    this.explicitVr = explicitVr;
    this.littleEndian = littleEndian;
    this.deflated = deflated;
    this.codec = codec;
  }

  /** An encapsulated syntax: explicit VR little endian data set, compressed pixel data. */
  TransferSyntax(String uid, String title, Codec codec) {
    this(uid, title, true, true, false, codec);
  }

  boolean encapsulated() {
    return codec != Codec.NATIVE;
  }

  static Optional<TransferSyntax> of(String uid) {
    return Arrays.stream(values()).filter(t -> t.uid.equals(uid)).findFirst();
  }

  @Override
  public String toString() {
    return title + " (" + uid + ")";
  }
}
