package io.medvec.core.vector;

import io.medvec.core.privacy.DpRelease;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JSON manifest published next to a hospital's data vector. Everything in it is aggregate:
 * counts, the layout, training settings and checksums; never an image or a per-example record.
 *
 * @param format format tag, {@link #FORMAT}
 * @param hospital hospital id (letters, digits, '-', '_')
 * @param dataset dataset the hospital trained on
 * @param runId run that produced the vector
 * @param baseFingerprint SHA-256 fingerprint of θ_pre the delta is relative to
 * @param examples number of training examples
 * @param labelCounts examples per class
 * @param layout layout of the delta (trainable parameters)
 * @param bnStatsLayout layout of the fine-tuned batch-norm running statistics
 * @param training training settings
 * @param vectorFile delta file name, relative to the manifest
 * @param vectorSha256 SHA-256 of the delta's float32 little-endian values
 * @param bnStatsFile batch-norm statistics file name, relative to the manifest
 * @param bnStatsSha256 SHA-256 of the statistics' values
 * @param createdAt ISO-8601 instant
 * @param privacy the differential-privacy record when the vector was released under DP, else null
 */
public record VectorManifest(
    String format,
    String hospital,
    String dataset,
    String runId,
    String baseFingerprint,
    long examples,
    List<Long> labelCounts,
    VectorLayout layout,
    VectorLayout bnStatsLayout,
    TrainingInfo training,
    String vectorFile,
    String vectorSha256,
    String bnStatsFile,
    String bnStatsSha256,
    String createdAt,
    DpRelease privacy) {

  /** Current manifest format. */
  public static final String FORMAT = "medvec.data-vector.v1";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

  public VectorManifest {
    require(FORMAT.equals(format), "format", format);
    require(hospital != null && ID.matcher(hospital).matches(), "hospital", hospital);
    require(
        baseFingerprint != null && SHA.matcher(baseFingerprint).matches(),
        "base_fingerprint",
        baseFingerprint);
    require(examples > 0, "examples", examples);
    require(
        labelCounts != null && labelCounts.stream().mapToLong(Long::longValue).sum() == examples,
        "label_counts (must sum to examples=" + examples + ")",
        labelCounts);
    require(layout != null && layout.size() > 0, "layout", layout);
    require(bnStatsLayout != null, "bn_stats_layout", bnStatsLayout);
    labelCounts = List.copyOf(labelCounts);
    require(
        privacy == null || privacy.releases() >= 1 && privacy.epsilon() > 0, "privacy", privacy);
  }

  /** A manifest of a vector released without differential privacy. */
  public VectorManifest(
      String format,
      String hospital,
      String dataset,
      String runId,
      String baseFingerprint,
      long examples,
      List<Long> labelCounts,
      VectorLayout layout,
      VectorLayout bnStatsLayout,
      TrainingInfo training,
      String vectorFile,
      String vectorSha256,
      String bnStatsFile,
      String bnStatsSha256,
      String createdAt) {
    this(
        format,
        hospital,
        dataset,
        runId,
        baseFingerprint,
        examples,
        labelCounts,
        layout,
        bnStatsLayout,
        training,
        vectorFile,
        vectorSha256,
        bnStatsFile,
        bnStatsSha256,
        createdAt,
        null);
  }

  /** This manifest with a differential-privacy record. */
  public VectorManifest withPrivacy(DpRelease release) {
    return new VectorManifest(
        format,
        hospital,
        dataset,
        runId,
        baseFingerprint,
        examples,
        labelCounts,
        layout,
        bnStatsLayout,
        training,
        vectorFile,
        vectorSha256,
        bnStatsFile,
        bnStatsSha256,
        createdAt,
        release);
  }

  /** Validates a hospital id, naming it in the error. */
  public static String requireHospitalId(String id) {
    require(id != null && ID.matcher(id).matches(), "hospital id", id);
    return id;
  }

  /** This manifest with the files and checksums of the written vector. */
  public VectorManifest withFiles(
      String vectorFile, String vectorSha, String bnFile, String bnSha) {
    return new VectorManifest(
        format,
        hospital,
        dataset,
        runId,
        baseFingerprint,
        examples,
        labelCounts,
        layout,
        bnStatsLayout,
        training,
        vectorFile,
        vectorSha,
        bnFile,
        bnSha,
        createdAt,
        privacy);
  }

  private static void require(boolean ok, String field, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Cannot accept data-vector manifest: invalid " + field + " (" + value + ")");
    }
  }
}
