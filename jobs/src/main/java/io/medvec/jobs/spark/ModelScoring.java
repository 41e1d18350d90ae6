package io.medvec.jobs.spark;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.Split;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One Spark task of the evaluation: a slice of one split, scored by every model. */
public record ModelScoring(
    Split split, int[] indices, DataSpec data, HadoopConf hadoop, int batchSize)
    implements Serializable {

  /**
   * A model to score, as serialized bytes (kind: pretrained, single_site, merged), fed pixels in
   * {@code scale} (θ_pre's input contract).
   */
  public record Model(String kind, String id, byte[] bytes, PixelScale scale)
      implements Serializable {}

  /**
   * Cuts each split into at most {@code partitions} contiguous slices, each starting on a multiple
   * of {@code batchSize}: every slice's inference batches are then the batches of scoring the whole
   * split in one loop, so the joined scores equal that loop's bit for bit (oneDNN's kernels may
   * round differently for another batch size).
   */
  public static List<ModelScoring> slices(
      MedMnist data,
      List<Split> splits,
      int partitions,
      DataSpec dataSpec,
      HadoopConf hadoop,
      int batchSize) {
    List<ModelScoring> slices = new ArrayList<>();
    for (Split split : splits) {
      int n = data.split(split).size();
      long batches = ((long) n + batchSize - 1) / batchSize;
      int parts = (int) Math.max(1, Math.min(partitions, batches));
      for (int p = 0; p < parts; p++) {
        int from = (int) Math.min(n, batches * p / parts * batchSize);
        int to = (int) Math.min(n, batches * (p + 1) / parts * batchSize);
        int[] idx = new int[to - from];
        Arrays.setAll(idx, i -> from + i);
        slices.add(new ModelScoring(split, idx, dataSpec, hadoop, batchSize));
      }
    }
    return slices;
  }

  /** Score lists keyed by "kind|id|split". */
  public Map<String, ScoreSet> run(List<Model> models) {
    ImageSet slice = JobContext.loadData(hadoop.get(), data).data().split(split).subset(indices);
    Map<String, ScoreSet> out = new HashMap<>();
    for (Model model : models) {
      Network net =
          ModelIO.networkFromBytes(model.bytes(), model.kind() + " " + model.id(), model.scale());
      ScoreSet scores = new ScoreSet(slice.numClasses());
      scores.addAll(slice.labels(), Predictor.predict(net, slice, batchSize));
      out.put(model.kind() + "|" + model.id() + "|" + split.id(), scores);
    }
    return out;
  }
}
