package io.medvec.core.dicom;

/**
 * A DICOM file medvec refuses: not DICOM Part 10, truncated, no image, or an encoding it cannot
 * decode. Bad input data, so it maps to exit code 3 like every {@link IllegalArgumentException}.
 */
public final class DicomException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  DicomException(String name, String why) {
    super("Cannot decode DICOM file " + name + ": " + why);
  }

  DicomException(String name, String why, Throwable cause) {
    super("Cannot decode DICOM file " + name + ": " + why, cause);
  }
}
