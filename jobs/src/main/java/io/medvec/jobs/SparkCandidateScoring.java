package io.medvec.jobs;

import io.medvec.core.data.Split;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.model.PixelScale;
import io.medvec.jobs.spark.DataSpec;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.ModelScoring;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scores a λ search's candidates in Spark tasks ({@code merge.lambda-engine: spark}): the
 * serialised candidates are broadcast once, the validation split is cut into {@code partitions}
 * contiguous slices, each task scores every candidate on its slice, and the slices' scores are
 * joined in the driver in split order ({@link EvaluateModelsJob#scoreAll}). The scores are the
 * driver loop's, example for example, so the metrics and the choice are too.
 *
 * @param ctx the job's session and file systems
 * @param valSize the number of images of the validation split the grid holds
 * @param spec how tasks load the same source with the same preprocessing
 * @param partitions validation slices (tasks) per search
 * @param batchSize inference batch of each task
 */
public record SparkCandidateScoring(
    JobContext ctx, int valSize, DataSpec spec, int partitions, int batchSize)
    implements LambdaSearch.Scorer {

  /** {@code model_kind} under which candidates travel through the scoring tasks. */
  static final String KIND = "candidate";

  public SparkCandidateScoring {
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "Cannot score candidates on Spark: need at least one slice (" + partitions + ")");
    }
  }

  @Override
  public List<ScoreSet> score(List<byte[]> models, PixelScale inputScale) {
    List<ModelScoring.Model> shipped = new ArrayList<>(models.size());
    for (int i = 0; i < models.size(); i++) {
      shipped.add(new ModelScoring.Model(KIND, Integer.toString(i), models.get(i), inputScale));
    }
    Map<String, ScoreSet> scored =
        EvaluateModelsJob.scoreAll(
            ctx,
            shipped,
            s -> s == Split.VAL ? valSize : 0,
            List.of(Split.VAL),
            partitions,
            spec,
            batchSize);
    List<ScoreSet> out = new ArrayList<>(models.size());
    for (ModelScoring.Model model : shipped) {
      ScoreSet scores = scored.get(KIND + "|" + model.id() + "|" + Split.VAL.id());
      if (scores == null) {
        throw new IllegalStateException(
            "Cannot score candidates on Spark: no scores returned for candidate " + model.id());
      }
      out.add(scores);
    }
    return out;
  }
}
