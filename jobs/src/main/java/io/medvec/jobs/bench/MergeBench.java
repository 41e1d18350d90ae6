package io.medvec.jobs.bench;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * {@code bench merge}: {@link VectorSum} (what the merge job runs) over K stored vectors of P
 * floats, against a plain scan of the same Parquet files (decode every float of the values column
 * with Parquet's column reader, nothing else). Vectors are generated once under {@code DIR/P=…} and
 * reused by later runs.
 */
final class MergeBench {

  private static final String BASE = "0".repeat(64);
  private static final int[] KS = {4, 16, 64};

  private static final int HEAP_STEP_MB = 1;

  private final BenchOptions options;
  private final Configuration conf = new Configuration();

  /**
   * Per P: the smallest heap of a child that only opens the vectors (see {@link #heapBaseline}).
   */
  private final java.util.Map<Integer, Long> baselines = new java.util.HashMap<>();

  MergeBench(BenchOptions options) {
    this.options = options;
  }

  List<BenchFigure> run() {
    List<BenchFigure> figures = new ArrayList<>();
    for (int p : new int[] {1_000_000, 10_000_000}) {
      VectorStore store =
          new VectorStore(conf, new Path(options.dir().resolve("merge/P=" + p).toUri()));
      for (int k : KS) {
        if (p >= 10_000_000 && k > 16 && !options.full()) {
          System.out.printf(
              "  merge K=%d P=%d skipped (--size full runs it: %.1f GB of Parquet)%n",
              k, p, k * p * 4e-9);
          continue;
        }
        figures.addAll(measure(store, vectors(store, p, k), p, k));
      }
    }
    return figures;
  }

  private List<BenchFigure> measure(VectorStore store, List<StoredVector> vectors, int p, int k) {
    VectorLayout layout = layout(p);
    String name = "merge.K=" + k + ".P=" + (p >= 10_000_000 ? "1e7" : "1e6");
    int runs = p >= 10_000_000 && k > 16 ? Math.min(options.runs(), 3) : options.runs();
    long[] bytes = new long[1];
    double scan = ModelBench.median(options.warmup(), runs, () -> seconds(() -> scanAll(vectors)));
    double merge =
        ModelBench.median(
            options.warmup(),
            runs,
            () ->
                seconds(
                    () -> {
                      long before = bytesRead();
                      float[] sum = VectorSum.sum(store, vectors, layout);
                      bytes[0] = bytesRead() - before;
                      return sum.length;
                    }));
    long offHeap = MemoryProbe.offHeapPeak(() -> VectorSum.sum(store, vectors, layout));
    double vectorBytes = 4.0 * p;
    long heap = heapNeeded(p, k) - heapBaseline(p);
    return List.of(
        BenchFigure.of(name + ".wall", merge, "s"),
        BenchFigure.of(name + ".scan-wall", scan, "s"),
        BenchFigure.of(name + ".throughput", vectorBytes * k / merge / 1e6, "MB/s")
            .against(vectorBytes * k / scan / 1e6),
        BenchFigure.of(name + ".bytes-read", bytes[0], "bytes"),
        BenchFigure.of(name + ".peak-heap", heap, "bytes").against(vectorBytes),
        BenchFigure.of(name + ".peak-off-heap", offHeap, "bytes").against(vectorBytes));
  }

  /**
   * Heap the merge needs, measured as the smallest {@code -Xmx} (Serial collector, {@code -Xms}
   * equal, {@value #HEAP_STEP_MB} MB steps) in which a fresh JVM sums the first {@code k} vectors
   * of P=p. Sampling the live heap while the merge runs proved unreliable (Parquet's zstd decoder
   * holds the GC locker, so forced collections are skipped and garbage is counted, or the floor
   * dips); a run either fits or it does not. Includes the collector's generation sizing, so it is
   * an upper bound on the live data.
   */
  private long heapNeeded(int p, int k) {
    long vectorMb = (4L * p + (1 << 20) - 1) >> 20;
    return smallestHeap(
        heapBaseline(p) >> 20, (heapBaseline(p) >> 20) + 8 * vectorMb + 64, p, k, "sum");
  }

  /**
   * Smallest heap of the same child run without the sum (opens every vector's footer): the JVM's
   * own share.
   */
  private long heapBaseline(int p) {
    return baselines.computeIfAbsent(p, q -> smallestHeap(4, 512, q, 1, "baseline"));
  }

  /** Binary search in [lowMb, highMb] MB; highMb must fit. Bytes. */
  private long smallestHeap(long lowMb, long highMb, int p, int k, String mode) {
    String dir = options.dir().resolve("merge/P=" + p).toUri().toString();
    if (!fits(highMb, dir, p, k, mode)) {
      throw new IllegalStateException(
          "Cannot measure merge heap: "
              + mode
              + " K="
              + k
              + " P="
              + p
              + " does not run in "
              + highMb
              + " MB");
    }
    while (highMb - lowMb > HEAP_STEP_MB) {
      long mid = (lowMb + highMb) / 2;
      if (fits(mid, dir, p, k, mode)) {
        highMb = mid;
      } else {
        lowMb = mid;
      }
    }
    return highMb << 20;
  }

  private static boolean fits(long heapMb, String dir, int p, int k, String mode) {
    return ChildJvm.succeeds(
        HeapWorker.class,
        List.of("-XX:+UseSerialGC", "-Xmx" + heapMb + "m", "-Xms" + heapMb + "m"),
        600,
        dir,
        Integer.toString(p),
        Integer.toString(k),
        mode);
  }

  /**
   * Child of {@link #heapNeeded}: sums (mode {@code sum}) or only opens (mode {@code baseline}) the
   * first K vectors.
   */
  static final class HeapWorker {
    public static void main(String[] args) {
      VectorStore store = new VectorStore(new Configuration(), new Path(args[0]));
      int p = Integer.parseInt(args[1]);
      List<StoredVector> vectors = stored(store).subList(0, Integer.parseInt(args[2]));
      if (args[3].equals("sum")) {
        VectorSum.sum(store, vectors, layout(p));
      } else {
        vectors.forEach(v -> FloatChunkFile.length(new Configuration(), v.vectorPath()));
      }
    }
  }

  static double seconds(LongSupplier body) {
    long start = System.nanoTime();
    body.getAsLong();
    return (System.nanoTime() - start) / 1e9;
  }

  /** Bytes read through Hadoop file systems since JVM start. */
  static long bytesRead() {
    return FileSystem.getAllStatistics().stream()
        .mapToLong(FileSystem.Statistics::getBytesRead)
        .sum();
  }

  private long scanAll(List<StoredVector> vectors) {
    long values = 0;
    for (StoredVector v : vectors) {
      values += scan(v.vectorPath());
    }
    return values;
  }

  /** Decodes every float of the values column; returns how many. */
  private long scan(Path file) {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      MessageType projection = new MessageType(schema.getName(), schema.getType("values"));
      reader.setRequestedSchema(projection);
      ColumnDescriptor column = projection.getColumns().get(0);
      String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
      long count = 0;
      double checksum = 0;
      for (PageReadStore group = reader.readNextRowGroup();
          group != null;
          group = reader.readNextRowGroup()) {
        ColumnReader values =
            new ColumnReadStoreImpl(
                    group,
                    new DummyRecordConverter(projection).getRootConverter(),
                    projection,
                    createdBy)
                .getColumnReader(column);
        for (long i = values.getTotalValueCount(); i > 0; i--) {
          if (values.getCurrentDefinitionLevel() == column.getMaxDefinitionLevel()) {
            checksum += values.getFloat();
            count++;
          }
          values.consume();
        }
      }
      return checksum == Double.MAX_VALUE
          ? -1
          : count; // keeps the decode from being optimised away
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot scan " + file, e);
    }
  }

  /**
   * The first {@code k} vectors under the store, generating the missing ones (seeded Gaussian
   * deltas).
   */
  static List<StoredVector> vectors(VectorStore store, int p, int k) {
    List<StoredVector> existing = stored(store);
    for (int h = existing.size(); h < k; h++) {
      existing.add(store.write(manifest(p, h), gaussian(p, h), new float[0]));
    }
    return existing.subList(0, k);
  }

  /** The vectors already under the store, in hospital order (h00, h01, …). */
  private static List<StoredVector> stored(VectorStore store) {
    List<StoredVector> vectors = new ArrayList<>(store.list(BASE));
    vectors.sort(Comparator.comparing(v -> v.manifest().hospital()));
    return vectors;
  }

  private static VectorManifest manifest(int p, int hospital) {
    return new VectorManifest(
        VectorManifest.FORMAT,
        String.format("h%02d", hospital),
        "bench",
        "bench",
        BASE,
        1,
        List.of(1L),
        layout(p),
        new VectorLayout(List.of()),
        new TrainingInfo(1, 64, 1e-3, hospital, 0, 1),
        null,
        null,
        null,
        null,
        Instant.now().toString());
  }

  static VectorLayout layout(int p) {
    return new VectorLayout(List.of(new TensorSpec("0_W", List.of((long) p), 0, p)));
  }

  private static float[] gaussian(int p, int seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[p];
    for (int i = 0; i < p; i++) {
      // Box-Muller; fine-tuning deltas are small and dense
      double u = 1 - random.nextDouble();
      values[i] =
          (float)
              (1e-3 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
    }
    return values;
  }
}
