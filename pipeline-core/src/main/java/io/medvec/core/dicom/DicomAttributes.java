package io.medvec.core.dicom;

/**
 * The attributes of the top-level data set that decoding needs, as read by {@link DicomParser}, and
 * the first frame's bytes. Checked by {@link #validateImage} before any pixel byte is read.
 */
final class DicomAttributes {
  private static final int SOP_CLASS = 0x00080016;
  private static final int MODALITY = 0x00080060;
  private static final int SAMPLES = 0x00280002;
  private static final int PHOTOMETRIC = 0x00280004;
  private static final int PLANAR = 0x00280006;
  private static final int FRAMES = 0x00280008;
  private static final int ROWS = 0x00280010;
  private static final int COLUMNS = 0x00280011;
  private static final int BITS_ALLOCATED = 0x00280100;
  private static final int BITS_STORED = 0x00280101;
  private static final int HIGH_BIT = 0x00280102;
  private static final int PIXEL_REPRESENTATION = 0x00280103;
  private static final int WINDOW_CENTER = 0x00281050;
  private static final int WINDOW_WIDTH = 0x00281051;
  private static final int RESCALE_INTERCEPT = 0x00281052;
  private static final int RESCALE_SLOPE = 0x00281053;

  TransferSyntax syntax;
  boolean implicitVrDetected;
  String sopClassUid;
  String modality;
  int samples = 1;
  String photometric;
  int planar;
  int frames = 1;
  int rows = -1;
  int columns = -1;
  int bitsAllocated = -1;
  int bitsStored = -1;
  int highBit = -1;
  int pixelRepresentation;
  Double windowCenter;
  Double windowWidth;
  double intercept;
  double slope = 1;
  byte[] frame;

  boolean wants(int tag) {
    return switch (tag) {
      case SOP_CLASS,
          MODALITY,
          SAMPLES,
          PHOTOMETRIC,
          PLANAR,
          FRAMES,
          ROWS,
          COLUMNS,
          BITS_ALLOCATED,
          BITS_STORED,
          HIGH_BIT,
          PIXEL_REPRESENTATION,
          WINDOW_CENTER,
          WINDOW_WIDTH,
          RESCALE_INTERCEPT,
          RESCALE_SLOPE ->
          true;
      default -> false;
    };
  }

  void set(int tag, byte[] v, boolean littleEndian) {
    switch (tag) {
      case SOP_CLASS -> sopClassUid = DicomParser.text(v);
      case MODALITY -> modality = DicomParser.text(v);
      case PHOTOMETRIC -> photometric = DicomParser.text(v);
      case FRAMES -> frames = (int) Math.max(1, Math.min(Integer.MAX_VALUE, number(v, 1)));
      case WINDOW_CENTER -> windowCenter = numberOrNull(v);
      case WINDOW_WIDTH -> windowWidth = numberOrNull(v);
      case RESCALE_INTERCEPT -> intercept = number(v, 0);
      case RESCALE_SLOPE -> slope = number(v, 1);
      default -> setUnsignedShort(tag, us(v, littleEndian));
    }
  }

  private void setUnsignedShort(int tag, int value) {
    switch (tag) {
      case SAMPLES -> samples = value;
      case PLANAR -> planar = value;
      case ROWS -> rows = value;
      case COLUMNS -> columns = value;
      case BITS_ALLOCATED -> bitsAllocated = value;
      case BITS_STORED -> bitsStored = value;
      case HIGH_BIT -> highBit = value;
      case PIXEL_REPRESENTATION -> pixelRepresentation = value;
      default -> throw new IllegalStateException("not a US attribute " + DicomInput.tagText(tag));
    }
  }

  private static int us(byte[] v, boolean littleEndian) {
    if (v.length < 2) {
      return -1;
    }
    return littleEndian ? (v[0] & 0xFF) | (v[1] & 0xFF) << 8 : (v[1] & 0xFF) | (v[0] & 0xFF) << 8;
  }

  /** The first value of a DS or IS (values are separated by backslashes). */
  private static double number(byte[] v, double absent) {
    Double d = numberOrNull(v);
    return d == null ? absent : d;
  }

  private static Double numberOrNull(byte[] v) {
    String text = DicomParser.text(v);
    int cut = text.indexOf('\\');
    String first = (cut < 0 ? text : text.substring(0, cut)).trim();
    if (first.isEmpty()) {
      return null;
    }
    try {
      double d = Double.parseDouble(first);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Refuses what the decoder does not handle, before any pixel byte is read. */
  void validateImage(String name) {
    if (rows <= 0 || columns <= 0) {
      throw new DicomException(
          name, "Rows (0028,0010) and Columns (0028,0011) must be > 0 (" + shapeText() + ")");
    }
    if (bitsAllocated == 1) {
      throw new DicomException(
          name,
          "1-bit pixel data is not supported (Bits Allocated 1"
              + (modality == null ? "" : ", modality " + modality)
              + "; binary segmentations are not images to train on)");
    }
    if (bitsAllocated != 8 && bitsAllocated != 16) {
      throw new DicomException(name, "Bits Allocated must be 8 or 16 (" + bitsAllocated + ")");
    }
    if (bitsStored < 0) {
      bitsStored = bitsAllocated;
    }
    if (highBit < 0) {
      highBit = bitsStored - 1;
    }
    if (bitsStored < 1 || bitsStored > bitsAllocated || highBit != bitsStored - 1) {
      throw new DicomException(
          name,
          "Bits Stored must be in [1, Bits Allocated] with High Bit = Bits Stored - 1 (allocated "
              + bitsAllocated
              + ", stored "
              + bitsStored
              + ", high bit "
              + highBit
              + ")");
    }
    if (photometric == null) {
      photometric = samples == 3 ? "RGB" : "MONOCHROME2";
    }
    validatePhotometric(name);
    if (planar != 0 && planar != 1) {
      throw new DicomException(name, "Planar Configuration must be 0 or 1 (" + planar + ")");
    }
    if (!(slope != 0) || !Double.isFinite(slope)) {
      throw new DicomException(name, "Rescale Slope must be a non-zero number (" + slope + ")");
    }
  }

  private void validatePhotometric(String name) {
    boolean grey = photometric.equals("MONOCHROME1") || photometric.equals("MONOCHROME2");
    boolean colour =
        photometric.equals("RGB")
            || photometric.equals("YBR_FULL")
            || (syntax.encapsulated() && photometric.startsWith("YBR_"));
    if (!grey && !colour) {
      throw new DicomException(
          name,
          "Photometric Interpretation "
              + photometric
              + " is not supported (MONOCHROME1, MONOCHROME2, RGB, YBR_FULL; YBR_* only when"
              + " compressed)");
    }
    if (samples != (grey ? 1 : 3)) {
      throw new DicomException(
          name,
          "Samples per Pixel must be "
              + (grey ? 1 : 3)
              + " for "
              + photometric
              + " ("
              + samples
              + ")");
    }
    if (!grey && bitsAllocated != 8) {
      throw new DicomException(
          name, "colour images must have Bits Allocated 8 (" + bitsAllocated + ")");
    }
  }

  boolean grey() {
    return samples == 1;
  }

  boolean signed() {
    return pixelRepresentation == 1;
  }

  long frameSamples() {
    return (long) rows * columns * samples;
  }

  /** Rows × Columns × Samples × Frames × bytes per sample. */
  long declaredPixelBytes() {
    return frameSamples() * frames * (bitsAllocated / 8);
  }

  String shapeText() {
    return "Rows "
        + rows
        + " x Columns "
        + columns
        + " x Samples "
        + samples
        + " x Frames "
        + frames
        + " x "
        + (bitsAllocated < 0 ? "?" : String.valueOf(bitsAllocated))
        + " bits";
  }
}
