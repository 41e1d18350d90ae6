package io.medvec.core.source;

/** The layout of {@code data.path}: {@link #AUTO} recognises the others. */
public enum SourceFormat {
  /**
   * {@code .npz} file: npz; {@code .csv}: manifest; directory of folders: image folder; Parquet
   * with {@code path} and {@code content}: image table; other Parquet: manifest.
   */
  AUTO,
  NPZ,
  IMAGE_FOLDER,
  MANIFEST,
  IMAGE_TABLE
}
