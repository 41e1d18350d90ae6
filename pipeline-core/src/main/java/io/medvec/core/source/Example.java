package io.medvec.core.source;

import io.medvec.core.data.Split;

/**
 * One image of a source, as listed (no pixels): what identifies it, where its bytes are, and its
 * label and metadata.
 *
 * @param id stable identifier, unique within the source (a relative path or a table key); seeds the
 *     augmentation and keys the decoded cache
 * @param location where the bytes are: a Hadoop path, or {@code TABLE#ROW} for a bytes column
 * @param label class index into {@link ImageSource#classes()}
 * @param split train, val or test
 * @param site where the image was taken, or null when unknown
 * @param patientId the patient (or lesion) the image shows, or null when unknown
 */
public record Example(
    String id, String location, int label, Split split, String site, String patientId) {

  public Example {
    if (id == null || id.isEmpty() || location == null || split == null || label < 0) {
      throw new IllegalArgumentException(
          "Cannot list example: id, location and split are required and label must be >= 0 ("
              + id
              + ", "
              + location
              + ", "
              + split
              + ", "
              + label
              + ")");
    }
    site = blankToNull(site);
    patientId = blankToNull(patientId);
  }

  /** This example in another split. */
  public Example withSplit(Split other) {
    return new Example(id, location, label, other, site, patientId);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
