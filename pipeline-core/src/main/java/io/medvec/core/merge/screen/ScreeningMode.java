package io.medvec.core.merge.screen;

/** What screening does with a flagged data vector ({@code merge.screening.mode}). */
public enum ScreeningMode {
  /** No screening; the plain sum. */
  OFF,
  /**
   * Flag and record, but merge every vector unchanged (the default: never changes a merge
   * silently).
   */
  WARN,
  /** Scale a too-long vector down to the median norm; drop one that points away from the others. */
  DOWN_WEIGHT,
  /** Drop every flagged vector from the sum. */
  REJECT
}
