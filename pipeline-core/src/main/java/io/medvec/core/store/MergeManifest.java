package io.medvec.core.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.model.PixelScale;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What later stages read of a run's merge manifest ({@code OUT/runs/RUN/merged/manifest.json}): the
 * vectors the merge used, by identity (store, base, hospital, SHA-256), and the control models it
 * published. The merge stage writes more (λ, strategy, candidates, screening), which readers here
 * ignore. Locations written here are informational or relative to the output root: readers find
 * every file through the run's {@link OutputLayout}, so a copied or moved output tree reads its own
 * files.
 *
 * @param baseFingerprint θ_pre's fingerprint
 * @param mergedFingerprint the merged model's fingerprint (checked when the model is read)
 * @param model where the merge wrote the merged model (informational; never read from)
 * @param vectors the vectors merged, in merge order
 * @param controls the control models published next to the merged one
 * @param inputContract θ_pre's input contract, copied (null when θ_pre had none: [0, 1] pixels)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MergeManifest(
    String baseFingerprint,
    String mergedFingerprint,
    String model,
    List<UsedVector> vectors,
    List<ControlModel> controls,
    JsonNode inputContract) {

  public MergeManifest {
    vectors = vectors == null ? List.of() : List.copyOf(vectors);
    controls = controls == null ? List.of() : List.copyOf(controls);
    inputContract = inputContract == null || inputContract.isNull() ? null : inputContract;
  }

  /** A manifest whose θ_pre has no input contract. */
  public MergeManifest(
      String baseFingerprint,
      String mergedFingerprint,
      String model,
      List<UsedVector> vectors,
      List<ControlModel> controls) {
    this(baseFingerprint, mergedFingerprint, model, vectors, controls, null);
  }

  /** A manifest without the merged model's fingerprint. */
  public MergeManifest(
      String baseFingerprint, String model, List<UsedVector> vectors, List<ControlModel> controls) {
    this(baseFingerprint, null, model, vectors, controls);
  }

  /**
   * The input scale the merged model is fed, from the copied input contract ({@code file} names the
   * manifest in errors); unit without one.
   */
  public PixelScale inputScale(org.apache.hadoop.fs.Path file) {
    return inputContract == null
        ? PixelScale.UNIT
        : BaseModelStore.inputScale(
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .set(BaseModelStore.INPUT_CONTRACT, inputContract),
            file);
  }

  /**
   * One vector the merge used; {@code dpEpsilon} is its (ε, δ)-DP ε ({@code dpDelta} its δ) when
   * its hospital released it under differential privacy, else null.
   *
   * @param dir its directory relative to the output root ({@code vectors/base=FP/hospital=ID} or
   *     {@code runs/RUN/vectors/…}); manifests written before this was relative hold an absolute
   *     location, of which only that relative part is used
   * @param sha256 SHA-256 of the delta's values
   * @param examples the example count its manifest reports
   * @param bnStatsSha256 SHA-256 of its batch-norm statistics (null in older manifests)
   * @param examplesBound the bound {@code examples} was checked against
   * @param examplesBoundBy what set that bound: {@code partition} (the hospital's row count in this
   *     run's assignment) or {@code merge.max-examples} (the configured cap, for vectors of other
   *     runs)
   */
  public record UsedVector(
      String hospital,
      String dir,
      String sha256,
      long examples,
      String runId,
      Double dpEpsilon,
      Double dpDelta,
      String bnStatsSha256,
      Long examplesBound,
      String examplesBoundBy) {

    /** A used vector without the batch-norm checksum and the example-count bound. */
    public UsedVector(
        String hospital,
        String dir,
        String sha256,
        long examples,
        String runId,
        Double dpEpsilon,
        Double dpDelta) {
      this(hospital, dir, sha256, examples, runId, dpEpsilon, dpDelta, null, null, null);
    }
  }

  /** A published control model: its {@code model_kind} and model file (informational). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ControlModel(String kind, String model) {}

  /**
   * A vector directory relative to the output root: its store root ({@code vectors} or {@code
   * runs/RUN/vectors}), base and hospital.
   */
  private static final String VECTOR_DIR =
      "(vectors|runs/([A-Za-z0-9][A-Za-z0-9._-]{0,99})/vectors)/base=([0-9a-f]{64})"
          + "/hospital=([A-Za-z0-9][A-Za-z0-9_-]{0,63})";

  private static final Pattern RELATIVE = Pattern.compile(VECTOR_DIR);

  /** The relative part that ends an absolute location: the leftmost match that ends the path. */
  private static final Pattern ABSOLUTE_TAIL = Pattern.compile("/" + VECTOR_DIR + "/?$");

  private static final Pattern ABSOLUTE = Pattern.compile("^(/|[A-Za-z][A-Za-z0-9+.-]*:).*");

  /**
   * Where a used vector lives, relative to the output root.
   *
   * @param storeRoot its store's root: {@code vectors} or {@code runs/RUN/vectors}
   */
  public record VectorRef(String storeRoot, String baseFingerprint, String hospital) {}

  /**
   * The store, base and hospital of entry {@code index} of this manifest (read from {@code source},
   * the manifest of run {@code runId}), refused unless its directory is a vector directory under
   * the output root of this manifest's base and hospital. An absolute location (older manifests)
   * counts by its part from {@code vectors/} or {@code runs/RUN/vectors/} on; a {@code
   * runs/R/vectors} of another run R there is the root's own {@code R} directory, so the shared
   * store.
   */
  public VectorRef locate(int index, String runId, String source) {
    UsedVector used = vectors.get(index);
    String field = "vectors[" + index + "].dir";
    String dir = used.dir() == null ? "" : used.dir();
    boolean absolute = ABSOLUTE.matcher(dir).matches();
    Matcher m = (absolute ? ABSOLUTE_TAIL : RELATIVE).matcher(dir);
    if (!(absolute ? m.find() : m.matches()) || dir.contains("/../") || dir.contains("/./")) {
      throw refused(
          source,
          field,
          "is not a vector directory under the output root (vectors/base=FP/hospital=ID or"
              + " runs/RUN/vectors/…)",
          used.dir());
    }
    String storeRoot = m.group(1);
    if (absolute && m.group(2) != null && !m.group(2).equals(runId)) {
      storeRoot = "vectors";
    } else if (m.group(2) != null && !m.group(2).equals(runId)) {
      throw refused(source, field, "names the vectors of another run, not " + runId, dir);
    }
    if (!m.group(3).equals(baseFingerprint)) {
      throw refused(source, field, "names base " + m.group(3) + ", not " + baseFingerprint, dir);
    }
    if (!m.group(4).equals(used.hospital())) {
      throw refused(
          source, field, "names hospital " + m.group(4) + ", not " + used.hospital(), dir);
    }
    return new VectorRef(storeRoot, m.group(3), m.group(4));
  }

  private static IllegalArgumentException refused(
      String source, String field, String why, Object value) {
    return new IllegalArgumentException(
        "Cannot use merge manifest "
            + source
            + ": field "
            + field
            + " "
            + why
            + " ("
            + value
            + ")");
  }
}
