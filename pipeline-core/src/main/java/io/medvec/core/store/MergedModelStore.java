package io.medvec.core.store;

import io.medvec.core.export.TorchExport;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.ModelIO;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A run's merged model and its controls: {@code OUT/runs/RUN/merged/{model.zip, model.safetensors,
 * weights.parquet, bn-stats.parquet, manifest.json}} and {@code
 * OUT/runs/RUN/controls/KIND/{model.zip, manifest.json}}, each published atomically by the merge
 * stage; the evaluate stage reads the manifest ({@link MergeManifest}) and the models.
 */
public final class MergedModelStore {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(MergedModelStore.class);

  /** The merged model's trainable parameters as a flat float vector. */
  static final String WEIGHTS_FILE = "weights.parquet";

  private final Configuration conf;
  private final OutputLayout layout;

  public MergedModelStore(Configuration conf, OutputLayout layout) {
    this.conf = conf;
    this.layout = layout;
  }

  public Path modelFile() {
    return new Path(layout.mergedDir(), OutputLayout.MODEL_FILE);
  }

  public Path controlModelFile(String kind) {
    return new Path(layout.controlDir(kind), OutputLayout.MODEL_FILE);
  }

  /**
   * Publishes the merged model with its weights over {@code layout}, its batch-norm statistics and
   * {@code manifest} as {@code manifest.json}.
   */
  public void publish(MultiLayerNetwork merged, VectorLayout layout, Object manifest) {
    try (AtomicDir out = AtomicDir.begin(conf, this.layout.mergedDir())) {
      ModelIO.save(merged, conf, new Path(out.tmp(), OutputLayout.MODEL_FILE));
      // the same weights for PyTorch and other frameworks (docs/export.md), where the
      // architecture has a PyTorch counterpart
      Optional<String> noExport = TorchExport.unsupported(merged);
      if (noExport.isEmpty()) {
        TorchExport.write(
            conf, new Path(out.tmp(), TorchExport.FILE), merged, Map.of("medvec.model", "merged"));
      } else {
        LOG.warn("No {} beside {}: {}", TorchExport.FILE, OutputLayout.MODEL_FILE, noExport.get());
      }
      FloatChunkFile.write(
          conf,
          new Path(out.tmp(), WEIGHTS_FILE),
          ParamVectors.flatten(merged, layout),
          FloatChunkFile.DEFAULT_CHUNK_SIZE);
      VectorLayout bnLayout = ParamVectors.layout(merged, ParamKind.BN_STATISTIC);
      FloatChunkFile.write(
          conf,
          new Path(out.tmp(), VectorStore.BN_STATS_FILE),
          ParamVectors.flatten(merged, bnLayout),
          FloatChunkFile.DEFAULT_CHUNK_SIZE);
      HadoopFiles.writeStringAtomically(
          conf, new Path(out.tmp(), VectorStore.MANIFEST_FILE), Json.write(manifest));
      out.commit();
    }
  }

  /** Publishes control {@code kind}'s model with {@code manifest} as {@code manifest.json}. */
  public void publishControl(String kind, MultiLayerNetwork model, Object manifest) {
    try (AtomicDir out = AtomicDir.begin(conf, layout.controlDir(kind))) {
      ModelIO.save(model, conf, new Path(out.tmp(), OutputLayout.MODEL_FILE));
      HadoopFiles.writeStringAtomically(
          conf, new Path(out.tmp(), VectorStore.MANIFEST_FILE), Json.write(manifest));
      out.commit();
    }
  }

  /** This run's merge manifest, or empty when the run has no (complete) merge. */
  public Optional<MergeManifest> manifest() {
    if (!AtomicDir.isComplete(conf, layout.mergedDir())) {
      return Optional.empty();
    }
    Path file = new Path(layout.mergedDir(), VectorStore.MANIFEST_FILE);
    return Optional.of(
        Json.read(HadoopFiles.readString(conf, file), MergeManifest.class, file.toString()));
  }

  /** The serialized merged model. */
  public byte[] modelBytes() {
    return ModelIO.readBytes(conf, modelFile());
  }

  /** A serialized control model, by the file its manifest names. */
  public byte[] controlBytes(MergeManifest.ControlModel control) {
    return ModelIO.readBytes(conf, new Path(control.model()));
  }
}
