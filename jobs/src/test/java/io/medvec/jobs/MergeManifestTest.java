package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.io.Json;
import io.medvec.core.merge.Controls;
import io.medvec.core.store.MergeManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The merge job's result, written as the merged model's manifest, is what the evaluate stage reads.
 */
class MergeManifestTest {

  @Test
  void mergeResultReadsBackAsTheManifestLaterStagesUse() {
    MergeManifest.UsedVector used =
        new MergeManifest.UsedVector("h0", "/v/h0", "abc", 10, "r1", 2.0, 1e-5);
    Controls.Control control =
        new Controls.Control("mean", 0.25, null, "/out/runs/r1/controls/mean/model.zip", List.of());
    MergeVectorsJob.Result result =
        new MergeVectorsJob.Result(
            "r1",
            "fp",
            "mfp",
            "/out/runs/r1/merged/model.zip",
            "task-arithmetic",
            Map.of(),
            "fixed",
            List.of(),
            0.5,
            null,
            "fixed",
            List.of(),
            "restore",
            "keep",
            "keep",
            null,
            42,
            List.of(used),
            List.of(control),
            "2026-12-02T00:00:00Z",
            null,
            null);

    MergeManifest manifest = Json.read(Json.write(result), MergeManifest.class, "manifest");

    assertThat(manifest)
        .isEqualTo(
            new MergeManifest(
                "fp",
                "mfp",
                "/out/runs/r1/merged/model.zip",
                List.of(used),
                List.of(
                    new MergeManifest.ControlModel(
                        "mean", "/out/runs/r1/controls/mean/model.zip"))));
  }
}
