package io.medvec.core.dicom;

/** Which window an image was mapped with, recorded in {@link DicomImage}. */
public enum WindowSource {
  /** The file's Window Center/Width. */
  FILE,
  /** The image's minimum and maximum modality value. */
  MIN_MAX,
  /** The configured window. */
  FIXED,
  /** No window: colour samples scaled by their maximum stored value. */
  NONE
}
