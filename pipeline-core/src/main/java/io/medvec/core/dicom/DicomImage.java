package io.medvec.core.dicom;

/**
 * One decoded DICOM frame: the display image in [0, 1] (HWC, row-major), the stored sample values
 * it came from, and the attributes that shaped it. Arrays are returned as held, not copied.
 */
public final class DicomImage {
  private final int width;
  private final int height;
  private final int channels;
  private final float[] pixels;
  private final float[] stored;
  private final String modality;
  private final String photometric;
  private final String transferSyntaxUid;
  private final String transferSyntaxName;
  private final int bitsAllocated;
  private final int bitsStored;
  private final boolean signed;
  private final int frames;
  private final double rescaleSlope;
  private final double rescaleIntercept;
  private final WindowSource windowSource;
  private final double windowCenter;
  private final double windowWidth;

  DicomImage(
      DicomAttributes a,
      float[] pixels,
      float[] stored,
      WindowSource windowSource,
      double windowCenter,
      double windowWidth) {
    this.width = a.columns;
    this.height = a.rows;
    this.channels = a.samples;
    this.pixels = pixels;
    this.stored = stored;
    this.modality = a.modality == null ? "" : a.modality;
    this.photometric = a.photometric;
    this.transferSyntaxUid = a.syntax.uid;
    this.transferSyntaxName = a.syntax.title;
    this.bitsAllocated = a.bitsAllocated;
    this.bitsStored = a.bitsStored;
    this.signed = a.signed();
    this.frames = a.frames;
    this.rescaleSlope = a.grey() ? a.slope : 1;
    this.rescaleIntercept = a.grey() ? a.intercept : 0;
    this.windowSource = windowSource;
    this.windowCenter = windowCenter;
    this.windowWidth = windowWidth;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** 1 for grey, 3 for RGB. */
  public int channels() {
    return channels;
  }

  /** The display image: windowed (grey, MONOCHROME1 inverted) or scaled (colour) to [0, 1]. */
  public float[] pixels() {
    return pixels;
  }

  /** The stored sample values (after Bits Stored masking and sign extension), HWC. */
  public float[] storedValues() {
    return stored;
  }

  /**
   * The modality values: stored × Rescale Slope + Rescale Intercept (Hounsfield units for CT),
   * before windowing; the stored values for colour images. A new array on every call.
   */
  public float[] modalityValues() {
    float[] out = new float[stored.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (stored[i] * rescaleSlope + rescaleIntercept);
    }
    return out;
  }

  /** Modality (0008,0060), empty when absent. */
  public String modality() {
    return modality;
  }

  /** Photometric Interpretation (0028,0004) as written in the file. */
  public String photometric() {
    return photometric;
  }

  public String transferSyntaxUid() {
    return transferSyntaxUid;
  }

  public String transferSyntaxName() {
    return transferSyntaxName;
  }

  public int bitsAllocated() {
    return bitsAllocated;
  }

  public int bitsStored() {
    return bitsStored;
  }

  /** Pixel Representation 1: two's-complement samples. */
  public boolean signed() {
    return signed;
  }

  /** Number of Frames in the file; only the first is decoded. */
  public int frames() {
    return frames;
  }

  public double rescaleSlope() {
    return rescaleSlope;
  }

  public double rescaleIntercept() {
    return rescaleIntercept;
  }

  /** Which window mapped the grey values ({@link WindowSource#NONE} for colour). */
  public WindowSource windowSource() {
    return windowSource;
  }

  /** The window centre used, in modality units (NaN for colour). */
  public double windowCenter() {
    return windowCenter;
  }

  /** The window width used, in modality units (NaN for colour). */
  public double windowWidth() {
    return windowWidth;
  }
}
