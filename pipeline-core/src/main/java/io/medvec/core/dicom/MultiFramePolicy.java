package io.medvec.core.dicom;

/** What to do with a file holding more than one frame (Number of Frames &gt; 1). */
public enum MultiFramePolicy {
  /** Decode the first frame; the others are read (to detect truncation) but not decoded. */
  FIRST,
  /** Refuse the file. */
  REFUSE
}
