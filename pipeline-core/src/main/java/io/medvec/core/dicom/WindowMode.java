package io.medvec.core.dicom;

/** Where the VOI window that maps grey modality values to [0, 1] comes from. */
public enum WindowMode {
  /** The file's first Window Center/Width (0028,1050/1051); min–max of the image without one. */
  FILE,
  /** The image's own minimum and maximum modality value, ignoring the file's window. */
  MIN_MAX,
  /** {@code data.dicom.window-center} and {@code data.dicom.window-width} for every file. */
  FIXED
}
