package io.medvec.core.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What later stages read of a run's merge manifest ({@code OUT/runs/RUN/merged/manifest.json}): the
 * vectors the merge used and the control models it published. The merge stage writes more (λ,
 * strategy, candidates, screening), which readers here ignore.
 *
 * @param baseFingerprint θ_pre's fingerprint
 * @param model the merged model file
 * @param vectors the vectors merged, in merge order
 * @param controls the control models published next to the merged one
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MergeManifest(
    String baseFingerprint, String model, List<UsedVector> vectors, List<ControlModel> controls) {

  public MergeManifest {
    vectors = vectors == null ? List.of() : List.copyOf(vectors);
    controls = controls == null ? List.of() : List.copyOf(controls);
  }

  /**
   * One vector the merge used; {@code dpEpsilon} is its (ε, δ)-DP ε ({@code dpDelta} its δ) when
   * its hospital released it under differential privacy, else null.
   */
  public record UsedVector(
      String hospital,
      String dir,
      String sha256,
      long examples,
      String runId,
      Double dpEpsilon,
      Double dpDelta) {}

  /** A published control model: its {@code model_kind} and model file. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ControlModel(String kind, String model) {}
}
