package io.medvec.jobs;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.core.privacy.DpRelease;
import io.medvec.core.privacy.DpSettings;
import io.medvec.core.privacy.GaussianMechanism;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.GpuBinding;
import io.medvec.jobs.spark.HadoopConf;
import io.medvec.jobs.spark.JobContext;
import java.io.Serializable;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hospital's fine-tune, run inside a Spark task: only this hospital's image indices, θ_pre's
 * bytes and the output location travel to the task; only the vector, its manifest and aggregate
 * counts come back.
 *
 * <p>The published vector holds τ = θ − θ_pre over the trainable parameters (weights, biases,
 * batch-norm γ/β). The batch-norm running mean/variance are not deltas but statistics of the
 * hospital's activations; they are published separately ({@code bn-stats.parquet}) so that the
 * single-site model can be rebuilt exactly, and are never summed.
 *
 * <p>With differential privacy ({@code finetune.dp.*}) the published vector is the clipped,
 * noised τ of {@link GaussianMechanism}, and the statistics published are θ_pre's own: the
 * hospital's running statistics are a function of its images that the mechanism does not cover.
 * The merge restores statistics on the public pool by default, so the merged model loses nothing
 * by this; the single-site model is evaluated with θ_pre's statistics.
 */
record HospitalFineTune(
    String hospital,
    int[] indices,
    String data,
    String vectorsRoot,
    String runId,
    String baseFingerprint,
    Settings settings,
    HadoopConf hadoop)
    implements Serializable {

  private static final Logger LOG = LoggerFactory.getLogger(HospitalFineTune.class);
  /** System property naming a hospital whose first task attempt fails (tests only). */
  static final String FAIL_FIRST_ATTEMPT = "medvec.fault.fail-first-attempt";

  /** Serializable copy of {@link TrainSettings}. */
  record Settings(int epochs, int batchSize, double learningRate, long seed, DpSettings dp) implements Serializable {
    TrainSettings toTrainSettings() {
      return new TrainSettings(epochs, batchSize, learningRate, seed);
    }
  }

  /**
   * What a hospital's task reports back; {@code device} is where it trained ({@code cpu}, or the
   * GPU Spark assigned the task and whether ND4J was bound to it, see {@link GpuBinding}).
   */
  record Outcome(
      String hospital, long examples, List<Long> labelCounts, double finalLoss, double seconds,
      double examplesPerSecond, String vector, String vectorSha256, String device)
      implements Serializable {}

  Outcome run(byte[] baseModel) {
    long start = System.nanoTime();
    // before any array is created: ND4J allocates on the device bound to the current thread
    String device = GpuBinding.bindCurrentTask("hospital " + hospital);
    Configuration conf = hadoop.get();
    MedMnist all = JobContext.loadData(conf, new Path(data));
    ImageSet local = all.train().subset(indices);
    MultiLayerNetwork base = BaseModelStore.decode(baseModel, baseFingerprint, "base " + baseFingerprint);
    MultiLayerNetwork tuned = base.clone();
    List<EpochStats> epochs = Trainer.fit(tuned, local, settings.toTrainSettings(), e -> LOG.info(
        "hospital {} epoch {}/{}: loss {} ({} examples/s, {} examples)", hospital, e.epoch(), settings.epochs(),
        String.format("%.4f", e.meanLoss()), String.format("%.1f", e.examplesPerSecond()), e.examples()));
    failFirstAttemptIfAsked();
    StoredVector stored = publish(base, tuned, local, epochs.get(epochs.size() - 1).meanLoss(), conf);
    double seconds = (System.nanoTime() - start) / 1e9;
    double throughput = epochs.stream().mapToDouble(EpochStats::examplesPerSecond).average().orElse(Double.NaN);
    return new Outcome(hospital, local.size(), stored.manifest().labelCounts(), epochs.get(epochs.size() - 1).meanLoss(),
        seconds, throughput, stored.dir().toString(), stored.manifest().vectorSha256(), device);
  }

  /**
   * Test-only fault injection: with {@value #FAIL_FIRST_ATTEMPT}=ID, the first attempt of hospital
   * ID's task fails after training, so tests can show that Spark's retry reproduces the vector.
   */
  private void failFirstAttemptIfAsked() {
    TaskContext task = TaskContext.get();
    if (task != null && task.attemptNumber() == 0 && hospital.equals(System.getProperty(FAIL_FIRST_ATTEMPT))) {
      throw new IllegalStateException("Injected failure in the first attempt of hospital " + hospital + "'s task ("
          + FAIL_FIRST_ATTEMPT + ")");
    }
  }

  private StoredVector publish(
      MultiLayerNetwork base, MultiLayerNetwork tuned, ImageSet local, double finalLoss, Configuration conf) {
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout bnLayout = ParamVectors.layout(base, ParamKind.BN_STATISTIC);
    float[] delta = ParamVectors.delta(base, tuned, layout);
    float[] bnStats = ParamVectors.flatten(tuned, bnLayout);
    TrainingInfo training = new TrainingInfo(settings.epochs(), settings.batchSize(), settings.learningRate(),
        settings.seed(), finalLoss, Nd4j.getEnvironment().maxThreads());
    VectorManifest manifest = new VectorManifest(VectorManifest.FORMAT, hospital, local.dataset(), runId,
        baseFingerprint, local.size(), Arrays.stream(local.labelCounts()).boxed().toList(), layout, bnLayout,
        training, null, null, null, null, Instant.now().toString());
    VectorStore store = new VectorStore(conf, new Path(vectorsRoot));
    DpSettings dp = settings.dp();
    if (dp != null) {
      delta = dp.mechanism().release(delta, dp.seedFor(hospital));
      bnStats = ParamVectors.flatten(base, bnLayout);
      DpRelease release = DpRelease.of(dp, releases(store, delta));
      manifest = manifest.withPrivacy(release);
      LOG.info("hospital {} releases its vector under differential privacy: S {}, z {}, release {}, ({}, {})-DP",
          hospital, release.clipNorm(), release.noiseMultiplier(), release.releases(), release.epsilon(),
          release.delta());
    }
    StoredVector stored = store.write(manifest, delta, bnStats);
    LOG.info("hospital {} published data vector {} ({} values, sha256 {})", hospital, stored.dir(), delta.length,
        stored.manifest().vectorSha256());
    return stored;
  }

  /**
   * Which release of this hospital's data (for this base) the DP vector {@code released} is: the
   * first if none is published; the same count if the published one is identical (a rerun with a
   * fixed seed releases nothing new); one more otherwise.
   */
  private int releases(VectorStore store, float[] released) {
    return requirePrivateHistory(store, baseFingerprint, hospital)
        .map(before -> FloatChunkFile.sha256(released).equals(before.manifest().vectorSha256())
            ? before.manifest().privacy().releases() : before.manifest().privacy().releases() + 1)
        .orElse(1);
  }

  /**
   * The vector {@code hospital} has published for the base, if any, refusing one released without
   * differential privacy: it already revealed the data, which no later noise or count can repair.
   * The job checks this before training, and the task again before publishing.
   */
  static Optional<StoredVector> requirePrivateHistory(VectorStore store, String base, String hospital) {
    Optional<StoredVector> previous = store.find(base, hospital);
    if (previous.isPresent() && previous.get().manifest().privacy() == null) {
      throw new IncompatibleVectorException("Cannot release hospital " + hospital + "'s vector under differential"
          + " privacy: " + previous.get().dir() + " already holds a vector of the same data released without it;"
          + " remove it first or fine-tune from a new base");
    }
    return previous;
  }
}
