package io.medvec.core.source;

/**
 * Column names of a manifest table. {@code split}, {@code site} and {@code patientId} are optional:
 * at their default names they are used when the table has them; set to another name they must
 * exist; set to the empty string they are ignored.
 *
 * @param path image file, relative to the manifest's directory, or an absolute path or URI; used as
 *     the example id with a bytes column
 * @param bytes encoded image bytes (Parquet binary); empty for a path manifest
 * @param label class index (integer) or class name
 * @param className optional class name of an integer label (names the classes); empty for none
 * @param split train, val or test; without it a {@link SplitRule} splits the examples
 * @param site where the image was taken
 * @param patientId the patient or lesion: images sharing one never straddle splits
 */
public record ManifestColumns(
    String path,
    String bytes,
    String label,
    String className,
    String split,
    String site,
    String patientId)
    implements java.io.Serializable {

  /**
   * The default names: {@code path}, {@code label}, {@code split}, {@code site}, {@code
   * patient_id}.
   */
  public static final ManifestColumns DEFAULT =
      new ManifestColumns("path", "", "label", "", "split", "site", "patient_id");

  /** Spark's {@code binaryFile} table plus a {@code label} column. */
  public static final ManifestColumns BINARY_FILE =
      new ManifestColumns("path", "content", "label", "", "split", "site", "patient_id");

  public ManifestColumns {
    path = path == null ? "" : path.trim();
    bytes = bytes == null ? "" : bytes.trim();
    label = label == null ? "" : label.trim();
    className = className == null ? "" : className.trim();
    split = split == null ? "" : split.trim();
    site = site == null ? "" : site.trim();
    patientId = patientId == null ? "" : patientId.trim();
    if (label.isEmpty() || (path.isEmpty() && bytes.isEmpty())) {
      throw new IllegalArgumentException(
          "Cannot read manifest: a label column and a path or bytes column are required ("
              + this
              + ")");
    }
  }

  /** Whether images are in a bytes column rather than in files. */
  public boolean inTable() {
    return !bytes.isEmpty();
  }

  /** Whether an absent optional column {@code name} may be skipped (it is at its default name). */
  boolean optionalAtDefault(String name) {
    return name.equals(DEFAULT.split)
        || name.equals(DEFAULT.site)
        || name.equals(DEFAULT.patientId)
        || name.equals(DEFAULT.path);
  }
}
