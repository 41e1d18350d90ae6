package io.medvec.core.finetune;

import io.medvec.core.data.ImageSet;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.model.Network;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.privacy.DpRelease;
import io.medvec.core.privacy.DpSettings;
import io.medvec.core.privacy.GaussianMechanism;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one hospital's data vector after its fine-tune: τ = θ − θ_pre over the trainable
 * parameters (weights, biases, batch-norm γ/β), with the hospital's batch-norm running statistics
 * beside it ({@code bn-stats.parquet}), so that the single-site model can be rebuilt exactly. The
 * statistics are not deltas but moments of the hospital's activations, and are never summed.
 *
 * <p>With differential privacy the published vector is the clipped, noised τ of {@link
 * GaussianMechanism}, and the statistics published are θ_pre's own: the hospital's running
 * statistics are a function of its images that the mechanism does not cover. The release is
 * numbered in the hospital's release history for that base, and a vector once released without
 * differential privacy refuses any later private release.
 */
public final class VectorRelease {

  private static final Logger LOG = LoggerFactory.getLogger(VectorRelease.class);

  private final VectorStore store;
  private final String hospital;
  private final String runId;
  private final String baseFingerprint;

  public VectorRelease(VectorStore store, String hospital, String runId, String baseFingerprint) {
    this.store = store;
    this.hospital = hospital;
    this.runId = runId;
    this.baseFingerprint = baseFingerprint;
  }

  /**
   * Publishes the vector of {@code tuned}, fine-tuned from {@code base} on {@code local} with
   * {@code train} to a final loss of {@code finalLoss}, released under {@code dp} (null: as is).
   */
  public StoredVector publish(
      MultiLayerNetwork base,
      MultiLayerNetwork tuned,
      ImageSet local,
      TrainSettings train,
      double finalLoss,
      DpSettings dp) {
    return publish(base, tuned, local, train, finalLoss, dp, List.of());
  }

  /**
   * As {@link #publish(MultiLayerNetwork, MultiLayerNetwork, ImageSet, TrainSettings, double,
   * DpSettings)}, recording {@code classes} (the base model's class names) in the manifest.
   */
  public StoredVector publish(
      MultiLayerNetwork base,
      MultiLayerNetwork tuned,
      ImageSet local,
      TrainSettings train,
      double finalLoss,
      DpSettings dp,
      List<String> classes) {
    return publish(Network.of(base), Network.of(tuned), local, train, finalLoss, dp, classes);
  }

  /**
   * As {@link #publish(MultiLayerNetwork, MultiLayerNetwork, ImageSet, TrainSettings, double,
   * DpSettings, List)} for any network: a multi-layer network or a graph, whose frozen layers are
   * not in the vector.
   */
  public StoredVector publish(
      Network base,
      Network tuned,
      ImageSet local,
      TrainSettings train,
      double finalLoss,
      DpSettings dp,
      List<String> classes) {
    return publish(
        base, tuned, local.dataset(), local.labelCounts(), train, finalLoss, dp, classes);
  }

  /**
   * As {@link #publish(Network, Network, ImageSet, TrainSettings, double, DpSettings, List)} for a
   * fine-tune on images streamed from their source: the manifest records {@code dataset} and the
   * per-class counts {@code labelCounts} (their sum is the example count), nothing of the images.
   */
  public StoredVector publish(
      Network base,
      Network tuned,
      String dataset,
      long[] labelCounts,
      TrainSettings train,
      double finalLoss,
      DpSettings dp,
      List<String> classes) {
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout bnLayout = ParamVectors.layout(base, ParamKind.BN_STATISTIC);
    float[] delta = ParamVectors.delta(base, tuned, layout);
    float[] bnStats = ParamVectors.flatten(tuned, bnLayout);
    TrainingInfo training =
        new TrainingInfo(
            train.epochs(),
            train.batchSize(),
            train.learningRate(),
            train.seed(),
            finalLoss,
            Nd4j.getEnvironment().maxThreads());
    VectorManifest manifest =
        new VectorManifest(
                VectorManifest.FORMAT,
                hospital,
                dataset,
                runId,
                baseFingerprint,
                Arrays.stream(labelCounts).sum(),
                Arrays.stream(labelCounts).boxed().toList(),
                layout,
                bnLayout,
                training,
                null,
                null,
                null,
                null,
                Instant.now().toString())
            .withClasses(classes);
    if (dp != null) {
      delta = dp.mechanism().release(delta, dp.seedFor(hospital));
      bnStats = ParamVectors.flatten(base, bnLayout);
      DpRelease release = DpRelease.of(dp, releases(delta));
      manifest = manifest.withPrivacy(release);
      LOG.info(
          "hospital {} releases its vector under differential privacy: S {}, z {}, release {}, ({}, {})-DP",
          hospital,
          release.clipNorm(),
          release.noiseMultiplier(),
          release.releases(),
          release.epsilon(),
          release.delta());
    }
    StoredVector stored = store.write(manifest, delta, bnStats);
    LOG.info(
        "hospital {} published data vector {} ({} values, sha256 {})",
        hospital,
        stored.dir(),
        delta.length,
        stored.manifest().vectorSha256());
    return stored;
  }

  /**
   * Which release of this hospital's data (for this base) the DP vector {@code released} is: the
   * first if none is published; the same count if the published one is identical (a rerun with a
   * fixed seed releases nothing new); one more otherwise.
   */
  private int releases(float[] released) {
    return requirePrivateHistory(store, baseFingerprint, hospital)
        .map(
            before ->
                FloatChunkFile.sha256(released).equals(before.manifest().vectorSha256())
                    ? before.manifest().privacy().releases()
                    : before.manifest().privacy().releases() + 1)
        .orElse(1);
  }

  /**
   * The vector {@code hospital} has published for the base, if any, refusing one released without
   * differential privacy: it already revealed the data, which no later noise or count can repair.
   * The fine-tune job checks this before training, and each release again before publishing.
   */
  public static Optional<StoredVector> requirePrivateHistory(
      VectorStore store, String base, String hospital) {
    Optional<StoredVector> previous = store.find(base, hospital);
    if (previous.isPresent() && previous.get().manifest().privacy() == null) {
      throw new IncompatibleVectorException(
          "Cannot release hospital "
              + hospital
              + "'s vector under differential"
              + " privacy: "
              + previous.get().dir()
              + " already holds a vector of the same data released without it;"
              + " remove it first or fine-tune from a new base");
    }
    return previous;
  }
}
