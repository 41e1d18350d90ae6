package io.medvec.core.store;

import io.medvec.core.export.TorchExport;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

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
  public void publish(Network merged, VectorLayout layout, Object manifest) {
    try (AtomicDir out = AtomicDir.begin(conf, this.layout.mergedDir())) {
      ModelIO.save(merged, conf, new Path(out.tmp(), OutputLayout.MODEL_FILE));
      // the same weights for PyTorch and other frameworks (docs/export.md), where the
      // architecture has a PyTorch counterpart
      try {
        TorchExport.Export export = TorchExport.convert(merged);
        TorchExport.write(
            conf, new Path(out.tmp(), TorchExport.FILE), export, Map.of("medvec.model", "merged"));
      } catch (UnsupportedOperationException noExport) {
        LOG.warn(
            "No {} beside {}: {}",
            TorchExport.FILE,
            OutputLayout.MODEL_FILE,
            noExport.getMessage());
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

  /**
   * Publishes {@code net} both as θ_pre (with {@code baseFields} in its manifest) and, unchanged,
   * as this run's merged model, with the manifest fields a merged model is loaded by ({@code
   * run_id}, {@code base_fingerprint}, {@code merged_fingerprint}): a model served without a merge,
   * as the predict bench and examples do. Returns the merged model's directory.
   */
  public Path publishUnmerged(Network net, Map<String, ?> baseFields) {
    String base = new BaseModelStore(conf, layout).publish(net, baseFields);
    publish(
        net,
        ParamVectors.layout(net, ParamKind.TRAINABLE),
        Map.of(
            "run_id",
            layout.runId(),
            "base_fingerprint",
            base,
            "merged_fingerprint",
            Fingerprint.of(net)));
    return layout.mergedDir();
  }

  /** Publishes control {@code kind}'s model with {@code manifest} as {@code manifest.json}. */
  public void publishControl(String kind, Network model, Object manifest) {
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
    Path file = manifestFile();
    return Optional.of(
        Json.read(HadoopFiles.readString(conf, file), MergeManifest.class, file.toString()));
  }

  /** The merge manifest's file. */
  public Path manifestFile() {
    return new Path(layout.mergedDir(), VectorStore.MANIFEST_FILE);
  }

  /** The serialized merged model. */
  public byte[] modelBytes() {
    return ModelIO.readBytes(conf, modelFile());
  }

  /**
   * The serialized merged model of this run's directory, refused unless it has the fingerprint
   * {@code merge} recorded (when it recorded one).
   */
  public byte[] modelBytes(MergeManifest merge) {
    byte[] bytes = modelBytes();
    if (merge.mergedFingerprint() != null) {
      // fed θ_pre's pixel range, as the merge fingerprinted it
      PixelScale scale = merge.inputScale(manifestFile());
      String actual =
          Fingerprint.of(ModelIO.networkFromBytes(bytes, modelFile().toString(), scale));
      if (!actual.equals(merge.mergedFingerprint())) {
        throw new IllegalArgumentException(
            "Cannot use merged model "
                + modelFile()
                + ": its fingerprint is "
                + actual
                + ", but "
                + manifestFile()
                + " records "
                + merge.mergedFingerprint());
      }
    }
    return bytes;
  }

  /**
   * A serialized control model, found by its kind in this run's directory (the file name the
   * manifest holds is informational).
   */
  public byte[] controlBytes(MergeManifest.ControlModel control) {
    String kind = control.kind();
    if (kind == null || !CONTROL_KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException(
          "Cannot use merge manifest "
              + manifestFile()
              + ": field controls.kind must be a lower-case control name ("
              + kind
              + ")");
    }
    if (!AtomicDir.isComplete(conf, layout.controlDir(kind))) {
      throw new IllegalArgumentException(
          "Cannot read control model "
              + kind
              + ": "
              + layout.controlDir(kind)
              + " is missing or incomplete (named by "
              + manifestFile()
              + ")");
    }
    return ModelIO.readBytes(conf, controlModelFile(kind));
  }

  private static final Pattern CONTROL_KIND = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

  /**
   * The vectors {@code merge} used, found by identity: each in its store under this output root
   * (the store, base and hospital its entry names, never its recorded location), with the SHA-256
   * the merge recorded. A vector that is gone or was re-delivered since is refused, since scores of
   * it would not be of what the merged model contains; so is a merge of another base than {@code
   * fingerprint}.
   */
  public List<StoredVector> usedVectors(MergeManifest merge, String fingerprint) {
    String source = manifestFile().toString();
    if (!fingerprint.equals(merge.baseFingerprint())) {
      throw new IncompatibleVectorException(
          "Cannot use merge manifest "
              + source
              + ": the merge was built on base "
              + merge.baseFingerprint()
              + ", expected "
              + fingerprint);
    }
    List<StoredVector> vectors = new ArrayList<>();
    for (int i = 0; i < merge.vectors().size(); i++) {
      MergeManifest.UsedVector used = merge.vectors().get(i);
      MergeManifest.VectorRef ref = merge.locate(i, layout.runId(), source);
      VectorStore store = new VectorStore(conf, new Path(layout.out(), ref.storeRoot()));
      Path dir = store.dir(fingerprint, ref.hospital());
      StoredVector vector =
          store
              .find(fingerprint, ref.hospital())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "Cannot find the vector of hospital "
                              + used.hospital()
                              + " that "
                              + source
                              + " merged: "
                              + dir
                              + " is missing or incomplete"));
      requireSame(vector, used, "vector_sha256", vector.manifest().vectorSha256(), used.sha256());
      if (used.bnStatsSha256() != null) {
        requireSame(
            vector,
            used,
            "bn_stats_sha256",
            vector.manifest().bnStatsSha256(),
            used.bnStatsSha256());
      }
      vectors.add(vector);
    }
    return vectors;
  }

  private void requireSame(
      StoredVector vector, MergeManifest.UsedVector used, String field, String now, String merged) {
    if (!now.equals(merged)) {
      throw new IncompatibleVectorException(
          "Cannot use the vector of hospital "
              + used.hospital()
              + " as merged: "
              + vector.dir()
              + " now holds another delivery ("
              + field
              + " "
              + now
              + ", the merge in "
              + manifestFile()
              + " used "
              + merged
              + "); rerun merge to include it");
    }
  }
}
