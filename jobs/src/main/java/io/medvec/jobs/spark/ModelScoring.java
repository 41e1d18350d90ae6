package io.medvec.jobs.spark;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.Split;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import io.medvec.core.source.Example;
import io.medvec.core.source.SourceListing;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

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
      ToIntFunction<Split> sizes,
      List<Split> splits,
      int partitions,
      DataSpec dataSpec,
      HadoopConf hadoop,
      int batchSize) {
    List<ModelScoring> slices = new ArrayList<>();
    for (Split split : splits) {
      int n = sizes.applyAsInt(split);
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

  /**
   * Score lists keyed by "kind|id|split". The slice's images are decoded from their source a
   * minibatch at a time, each batch scored by every model ({@code .npz}: the split materialized).
   */
  public Map<String, ScoreSet> run(List<Model> models) {
    SourceListing listing = JobContext.listData(hadoop.get(), data);
    List<Network> nets = new ArrayList<>(models.size());
    for (Model model : models) {
      nets.add(
          ModelIO.networkFromBytes(model.bytes(), model.kind() + " " + model.id(), model.scale()));
    }
    int classes;
    int[] labels;
    float[][] probs = new float[models.size()][];
    if (listing.streams()) {
      List<Example> examples = listing.select(split, indices);
      classes = listing.classes().size();
      labels = SourceListing.labels(examples);
      probs = Predictor.predict(nets, listing.batches(examples, batchSize, false, 0), classes);
    } else {
      ImageSet slice = listing.materialize().data().split(split).subset(indices);
      classes = slice.numClasses();
      labels = slice.labels();
      for (int m = 0; m < nets.size(); m++) {
        probs[m] = Predictor.predict(nets.get(m), slice, batchSize);
      }
    }
    Map<String, ScoreSet> out = new HashMap<>();
    for (int m = 0; m < models.size(); m++) {
      ScoreSet scores = new ScoreSet(classes);
      scores.addAll(labels, probs[m]);
      Model model = models.get(m);
      out.put(model.kind() + "|" + model.id() + "|" + split.id(), scores);
    }
    return out;
  }
}
