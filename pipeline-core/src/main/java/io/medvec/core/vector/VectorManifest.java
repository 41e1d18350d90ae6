package io.medvec.core.vector;

import io.medvec.core.data.HospitalId;
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
 * @param classes class names in label order ({@code labelCounts} follows it), the base model's;
 *     empty when unknown
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
    DpRelease privacy,
    // left out when empty, so that manifests without class names keep their former shape
    @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
        List<String> classes) {

  /** Current manifest format. */
  public static final String FORMAT = "medvec.data-vector.v1";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

  /** A run id or dataset name, as the configuration accepts them. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  /**
   * A file name in the manifest's own directory: no separator, no scheme, no parent reference, not
   * hidden.
   */
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private static final Pattern TENSOR_NAME = Pattern.compile("[A-Za-z0-9_]{1,128}");

  public VectorManifest {
    require(FORMAT.equals(format), "format", format);
    require(hospital != null && ID.matcher(hospital).matches(), "hospital", hospital);
    require(
        baseFingerprint != null && SHA.matcher(baseFingerprint).matches(),
        "base_fingerprint",
        baseFingerprint);
    require(examples > 0, "examples", examples);
    require(
        labelCounts != null
            && labelCounts.stream().allMatch(java.util.Objects::nonNull)
            && labelCounts.stream().mapToLong(Long::longValue).sum() == examples,
        "label_counts (must sum to examples=" + examples + ")",
        labelCounts);
    require(layout != null && layout.size() > 0, "layout", layout);
    require(bnStatsLayout != null, "bn_stats_layout", bnStatsLayout);
    labelCounts = List.copyOf(labelCounts);
    classes = classes == null ? List.of() : List.copyOf(classes);
    require(
        classes.isEmpty() || classes.size() == labelCounts.size(),
        "classes (one name per label count, " + labelCounts.size() + ")",
        classes);
    require(
        privacy == null || privacy.releases() >= 1 && privacy.epsilon() > 0, "privacy", privacy);
  }

  /** A manifest without class names. */
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
      String createdAt,
      DpRelease privacy) {
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
        privacy,
        List.of());
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
        release,
        classes);
  }

  /**
   * Refuses a manifest read from {@code source} (a file, named in the message) that a reader must
   * not trust: a hospital id the hospital-id rule refuses (a reserved name such as {@code public}),
   * file names outside the manifest's directory, checksums that are not SHA-256 hex, names, counts,
   * layouts, training settings or a privacy record out of range. The constructor has already
   * checked the format, ids, example and label counts.
   */
  public VectorManifest requireValid(String source) {
    return requireValid(source, null);
  }

  /**
   * As {@link #requireValid(String)}, accepting the reserved hospital id {@code reservedAllowed}
   * (null: none): the pooled baseline in a run's baselines store.
   */
  public VectorManifest requireValid(String source, String reservedAllowed) {
    Check check = new Check(source);
    if (reservedAllowed == null || !reservedAllowed.equals(hospital)) {
      HospitalId.problem(hospital).ifPresent(check::hospital);
    }
    check.that(dataset != null && NAME.matcher(dataset).matches(), "dataset", dataset);
    check.that(runId != null && NAME.matcher(runId).matches(), "run_id", runId);
    check.that(
        labelCounts.stream().allMatch(n -> n != null && n >= 0), "label_counts", labelCounts);
    check.layout(layout, "layout", false);
    check.layout(bnStatsLayout, "bn_stats_layout", true);
    check.that(training != null, "training", training);
    check.that(training.epochs() >= 1, "training.epochs", training.epochs());
    check.that(training.batchSize() >= 1, "training.batch_size", training.batchSize());
    check.that(
        training.learningRate() > 0 && Double.isFinite(training.learningRate()),
        "training.learning_rate",
        training.learningRate());
    check.that(
        training.finalLoss() >= 0 && Double.isFinite(training.finalLoss()),
        "training.final_loss",
        training.finalLoss());
    check.that(training.threads() >= 1, "training.threads", training.threads());
    check.fileName(vectorFile, "vector_file");
    check.fileName(bnStatsFile, "bn_stats_file");
    check.that(!vectorFile.equals(bnStatsFile), "bn_stats_file (same as vector_file)", bnStatsFile);
    check.that(
        vectorSha256 != null && SHA.matcher(vectorSha256).matches(), "vector_sha256", vectorSha256);
    check.that(
        bnStatsSha256 != null && SHA.matcher(bnStatsSha256).matches(),
        "bn_stats_sha256",
        bnStatsSha256);
    check.that(isInstant(createdAt), "created_at", createdAt);
    if (privacy != null) {
      check.privacy(privacy);
    }
    return this;
  }

  private static boolean isInstant(String text) {
    try {
      java.time.Instant.parse(text);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The field checks of {@link #requireValid}, each naming the manifest file and the field. */
  private record Check(String source) {

    void that(boolean ok, String field, Object value) {
      if (!ok) {
        throw new IllegalArgumentException(
            "Cannot use data-vector manifest "
                + source
                + ": field "
                + field
                + " is missing or invalid ("
                + value
                + ")");
      }
    }

    /** A hospital id outside the rule every list of hospitals follows (reserved names too). */
    void hospital(String problem) {
      throw new IllegalArgumentException(
          "Cannot use data-vector manifest " + source + ": field hospital: " + problem);
    }

    void fileName(String name, String field) {
      if (name == null || !FILE_NAME.matcher(name).matches() || name.contains("..")) {
        throw new IllegalArgumentException(
            "Cannot use data-vector manifest "
                + source
                + ": field "
                + field
                + " must name a file in the manifest's own directory (no '/', '..', scheme or"
                + " absolute path) ("
                + name
                + ")");
      }
    }

    void layout(VectorLayout layout, String field, boolean mayBeEmpty) {
      that(layout != null && (mayBeEmpty || layout.size() > 0), field, layout);
      for (int i = 0; i < layout.tensors().size(); i++) {
        TensorSpec t = layout.tensors().get(i);
        String at = field + ".tensors[" + i + "]";
        that(t.name() != null && TENSOR_NAME.matcher(t.name()).matches(), at + ".name", t.name());
        that(
            !t.shape().isEmpty() && t.shape().stream().allMatch(d -> d >= 1),
            at + ".shape",
            t.shape());
      }
    }

    void privacy(DpRelease p) {
      that("gaussian".equals(p.mechanism()), "privacy.mechanism", p.mechanism());
      that("rdp".equals(p.accountant()), "privacy.accountant", p.accountant());
      positive(p.clipNorm(), "privacy.clip_norm");
      positive(p.noiseMultiplier(), "privacy.noise_multiplier");
      positive(p.sigma(), "privacy.sigma");
      that(p.delta() > 0 && p.delta() < 1, "privacy.delta", p.delta());
      positive(p.epsilon(), "privacy.epsilon");
      that(
          "secret".equals(p.noiseSeed()) || "fixed".equals(p.noiseSeed()),
          "privacy.noise_seed",
          p.noiseSeed());
      that("base".equals(p.bnStats()), "privacy.bn_stats", p.bnStats());
    }

    private void positive(double value, String field) {
      that(value > 0 && Double.isFinite(value), field, value);
    }
  }

  /** Validates a hospital id, naming it in the error. */
  public static String requireHospitalId(String id) {
    require(id != null && ID.matcher(id).matches(), "hospital id", id);
    return id;
  }

  /** This manifest with the class names {@code names} in label order. */
  public VectorManifest withClasses(List<String> names) {
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
        privacy,
        names);
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
        privacy,
        classes);
  }

  private static void require(boolean ok, String field, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Cannot accept data-vector manifest: invalid " + field + " (" + value + ")");
    }
  }
}
