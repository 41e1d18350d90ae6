package io.medvec.jobs;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.Split;
import io.medvec.core.finetune.VectorRelease;
import io.medvec.core.io.WriterLease;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.privacy.DpSettings;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.DataSpec;
import io.medvec.jobs.spark.GpuBinding;
import io.medvec.jobs.spark.HadoopConf;
import io.medvec.jobs.spark.JobContext;
import java.io.Serializable;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hospital's fine-tune, run inside a Spark task: only this hospital's image indices, θ_pre's
 * bytes and the output location travel to the task; only the vector, its manifest and aggregate
 * counts come back.
 *
 * <p>What is published, and how under differential privacy ({@code finetune.dp.*}), is {@link
 * VectorRelease}'s. Under differential privacy the merge restores statistics on the public pool by
 * default, so the merged model loses nothing by the release's θ_pre statistics; the single-site
 * model is evaluated with them.
 */
record HospitalFineTune(
    String hospital,
    int[] indices,
    DataSpec data,
    String vectorsRoot,
    String runId,
    String baseFingerprint,
    PixelScale inputScale,
    Settings settings,
    HadoopConf hadoop)
    implements Serializable {

  private static final Logger LOG = LoggerFactory.getLogger(HospitalFineTune.class);

  /** System property naming a hospital whose first task attempt fails (tests only). */
  static final String FAIL_FIRST_ATTEMPT = "medvec.fault.fail-first-attempt";

  /** Serializable copy of {@link TrainSettings}. */
  record Settings(int epochs, int batchSize, double learningRate, long seed, DpSettings dp)
      implements Serializable {
    TrainSettings toTrainSettings() {
      return new TrainSettings(epochs, batchSize, learningRate, seed);
    }
  }

  /**
   * What a hospital's task reports back; {@code device} is where it trained ({@code cpu}, or the
   * GPU Spark assigned the task and whether ND4J was bound to it, see {@link GpuBinding}).
   */
  record Outcome(
      String hospital,
      long examples,
      List<Long> labelCounts,
      double finalLoss,
      double seconds,
      double examplesPerSecond,
      String vector,
      String vectorSha256,
      String device)
      implements Serializable {}

  /**
   * Trains and publishes under the writer lease of the hospital's vector directory, taken before
   * any work: a second writer of that vector (another job, or a duplicate in the list) is refused
   * at once instead of after its training.
   */
  Outcome run(byte[] baseModel) {
    Configuration conf = hadoop.get();
    VectorStore store =
        hospital.equals(VectorStore.POOLED)
            ? VectorStore.baselines(conf, new Path(vectorsRoot))
            : new VectorStore(conf, new Path(vectorsRoot));
    try (WriterLease lease = WriterLease.acquire(conf, store.dir(baseFingerprint, hospital))) {
      return train(baseModel, conf, store);
    }
  }

  private Outcome train(byte[] baseModel, Configuration conf, VectorStore store) {
    long start = System.nanoTime();
    // before any array is created: ND4J allocates on the device bound to the current thread
    String device = GpuBinding.bindCurrentTask("hospital " + hospital);
    SourceListing listing = JobContext.listData(conf, data);
    Network base =
        BaseModelStore.decode(baseModel, baseFingerprint, "base " + baseFingerprint, inputScale);
    Network tuned = base.copy();
    Consumer<EpochStats> progress = AugmentedTraining.progress(hospital, settings.epochs());
    AugmentedTraining.Trained trained;
    if (listing.streams()) {
      // only this hospital's images, decoded a minibatch at a time
      trained =
          AugmentedTraining.streamed(
              tuned,
              listing,
              listing.select(Split.TRAIN, indices),
              settings.toTrainSettings(),
              progress);
    } else {
      ImageSet local = listing.materialize().data().train().subset(indices);
      trained =
          AugmentedTraining.materialized(
              tuned, local, indices, listing.preprocessing(), settings.toTrainSettings(), progress);
    }
    List<EpochStats> epochs = trained.epochs();
    failFirstAttemptIfAsked();
    VectorRelease release = new VectorRelease(store, hospital, runId, baseFingerprint);
    StoredVector stored =
        release.publish(
            base,
            tuned,
            trained.dataset(),
            trained.labelCounts(),
            settings.toTrainSettings(),
            trained.finalLoss(),
            settings.dp(),
            listing.classes());
    double seconds = (System.nanoTime() - start) / 1e9;
    double throughput =
        epochs.stream().mapToDouble(EpochStats::examplesPerSecond).average().orElse(Double.NaN);
    return new Outcome(
        hospital,
        trained.examples(),
        stored.manifest().labelCounts(),
        epochs.get(epochs.size() - 1).meanLoss(),
        seconds,
        throughput,
        stored.dir().toString(),
        stored.manifest().vectorSha256(),
        device);
  }

  /**
   * Test-only fault injection: with {@value #FAIL_FIRST_ATTEMPT}=ID, the first attempt of hospital
   * ID's task fails after training, so tests can show that Spark's retry reproduces the vector.
   */
  private void failFirstAttemptIfAsked() {
    TaskContext task = TaskContext.get();
    if (task != null
        && task.attemptNumber() == 0
        && hospital.equals(System.getProperty(FAIL_FIRST_ATTEMPT))) {
      throw new IllegalStateException(
          "Injected failure in the first attempt of hospital "
              + hospital
              + "'s task ("
              + FAIL_FIRST_ATTEMPT
              + ")");
    }
  }
}
