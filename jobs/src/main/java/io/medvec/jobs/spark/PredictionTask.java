package io.medvec.jobs.spark;

import io.medvec.core.io.Json;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.DecodedImage;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageSource;
import io.medvec.core.source.ImageSources;
import io.medvec.core.source.SourceConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One Spark task of the predict job: examples {@code [from, to)} of the source's listing (which is
 * stable on every machine), scored by the merged model and returned as predictions-table rows.
 *
 * @param source the image source's path
 * @param sourceConfig the {@code data.*} settings as JSON ({@link SourceConfig})
 * @param spec the model's {@link MergedModel.Spec} as JSON
 */
public record PredictionTask(
    String source,
    String sourceConfig,
    HadoopConf hadoop,
    int from,
    int to,
    int batchSize,
    String spec,
    String createdAt)
    implements Serializable {

  /** Cuts {@code n} images into at most {@code partitions} contiguous slices. */
  public static List<PredictionTask> slices(
      int n,
      int partitions,
      String source,
      String sourceConfig,
      HadoopConf hadoop,
      int batchSize,
      String spec,
      String createdAt) {
    int parts = Math.max(1, Math.min(partitions, n));
    List<PredictionTask> slices = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      slices.add(
          new PredictionTask(
              source,
              sourceConfig,
              hadoop,
              (int) ((long) n * p / parts),
              (int) ((long) n * (p + 1) / parts),
              batchSize,
              spec,
              createdAt));
    }
    return slices;
  }

  /** The rows of this slice, scored by the serialized network {@code model}. */
  public List<Row> score(byte[] model) {
    MergedModel.Spec s = Json.read(spec, MergedModel.Spec.class, "the predict job's model spec");
    MergedModel merged = MergedModel.of(s, model);
    SourceConfig config = Json.read(sourceConfig, SourceConfig.class, "the predict job's data.*");
    ImageSource images = ImageSources.open(hadoop.get(), new Path(source), config);
    List<Example> listed = images.examples();
    if (listed.size() < to) {
      throw new IllegalArgumentException(
          "Cannot predict on "
              + images.describe()
              + ": it lists "
              + listed.size()
              + " images in this task, "
              + to
              + " on the driver (did it change during the job?)");
    }
    List<Example> slice = listed.subList(from, to);
    List<Row> rows = new ArrayList<>(slice.size());
    List<String> sourceClasses = images.classes();
    try (ImageSource.Stream stream = images.open(slice)) {
      List<Example> batch = new ArrayList<>();
      List<float[]> inputs = new ArrayList<>();
      while (stream.hasNext()) {
        ImageSource.Loaded loaded = stream.next();
        DecodedImage image = loaded.image();
        batch.add(loaded.example());
        inputs.add(merged.input(loaded.example().id(), image));
        if (batch.size() == batchSize || !stream.hasNext()) {
          float[] probs = merged.scores(inputs.toArray(new float[0][]));
          int k = merged.classes().size();
          for (int i = 0; i < batch.size(); i++) {
            float[] p = new float[k];
            System.arraycopy(probs, i * k, p, 0, k);
            rows.add(row(batch.get(i), sourceClasses, merged, p));
          }
          batch.clear();
          inputs.clear();
        }
      }
    }
    return rows;
  }

  private Row row(Example e, List<String> sourceClasses, MergedModel model, float[] p) {
    MergedModel.Prediction prediction = model.prediction(p);
    Object[] values = new Object[7 + p.length + 3];
    int i = 0;
    values[i++] = e.id();
    values[i++] = e.location();
    values[i++] = sourceClasses.get(e.label());
    values[i++] = e.split().id();
    values[i++] = e.site();
    values[i++] = prediction.label();
    values[i++] = prediction.className();
    for (float v : p) {
      values[i++] = (double) v;
    }
    values[i++] = model.fingerprint();
    values[i++] = model.spec().runId();
    values[i] = createdAt;
    return RowFactory.create(values);
  }
}
