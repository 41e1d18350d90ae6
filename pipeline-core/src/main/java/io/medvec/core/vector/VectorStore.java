package io.medvec.core.vector;

import io.medvec.core.data.HospitalId;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.FloatChunkCursor;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.io.OrderedChunkReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data vectors on a Hadoop file system, keyed by base fingerprint and hospital: {@code
 * <root>/base=<fingerprint>/hospital=<id>/{vector.parquet, bn-stats.parquet, manifest.json,
 * _SUCCESS}}. A vector directory appears atomically and complete; a re-delivery by the same
 * hospital replaces its previous vector for that base.
 */
public final class VectorStore {
  private static final Logger LOG = LoggerFactory.getLogger(VectorStore.class);

  /** A hospital's vector moved aside by a commit: {@code _old-hospital-<id>-<uuid>}. */
  private static final Pattern MOVED_ASIDE =
      Pattern.compile("_old-hospital-(.+)-" + AtomicDir.UUID_PATTERN);

  public static final String VECTOR_FILE = "vector.parquet";
  public static final String BN_STATS_FILE = "bn-stats.parquet";
  public static final String MANIFEST_FILE = "manifest.json";

  /** The one reserved id a store may hold: the pooled baseline, in a run's baselines store. */
  public static final String POOLED = "pooled";

  private final Configuration conf;
  private final Path root;
  private final boolean baselines;

  public VectorStore(Configuration conf, Path root) {
    this(conf, root, false);
  }

  private VectorStore(Configuration conf, Path root, boolean baselines) {
    this.conf = conf;
    this.root = root;
    this.baselines = baselines;
  }

  /**
   * A run's baselines store ({@code runs/RUN/baselines}): as a vector store, except that it holds
   * the pooled baseline's vector under the reserved id {@value #POOLED}, which a hospital's store
   * refuses.
   */
  public static VectorStore baselines(Configuration conf, Path root) {
    return new VectorStore(conf, root, true);
  }

  /** The Hadoop configuration its files are read with. */
  public Configuration conf() {
    return conf;
  }

  public Path root() {
    return root;
  }

  /** Directory of all vectors relative to one base model. */
  public Path baseDir(String baseFingerprint) {
    return new Path(root, "base=" + baseFingerprint);
  }

  /** Directory of one hospital's vector. */
  public Path dir(String baseFingerprint, String hospital) {
    return new Path(
        baseDir(baseFingerprint), "hospital=" + VectorManifest.requireHospitalId(hospital));
  }

  /** The complete vector {@code hospital} has published for the base, if any. */
  public Optional<StoredVector> find(String baseFingerprint, String hospital) {
    return AtomicDir.lastCommitted(conf, dir(baseFingerprint, hospital))
        .map(d -> read(d, baseFingerprint));
  }

  /** Writes delta, statistics and manifest atomically; returns the stored vector. */
  public StoredVector write(VectorManifest manifest, float[] delta, float[] bnStats) {
    requireLength(manifest.layout(), delta.length, "delta");
    requireLength(manifest.bnStatsLayout(), bnStats.length, "batch-norm statistics");
    Path target = dir(manifest.baseFingerprint(), manifest.hospital());
    try (AtomicDir out = AtomicDir.begin(conf, target)) {
      String vectorSha =
          FloatChunkFile.write(
              conf, new Path(out.tmp(), VECTOR_FILE), delta, FloatChunkFile.DEFAULT_CHUNK_SIZE);
      String bnSha =
          FloatChunkFile.write(
              conf, new Path(out.tmp(), BN_STATS_FILE), bnStats, FloatChunkFile.DEFAULT_CHUNK_SIZE);
      VectorManifest complete = manifest.withFiles(VECTOR_FILE, vectorSha, BN_STATS_FILE, bnSha);
      HadoopFiles.writeStringAtomically(
          conf, new Path(out.tmp(), MANIFEST_FILE), Json.write(complete));
      out.commit();
      return new StoredVector(target, complete);
    }
  }

  /**
   * Every complete vector for {@code baseFingerprint}, sorted by hospital id. Incomplete
   * directories (no {@code _SUCCESS}) are skipped; a manifest naming another base is refused.
   */
  public List<StoredVector> list(String baseFingerprint) {
    Path base = baseDir(baseFingerprint);
    List<StoredVector> vectors = new ArrayList<>();
    try {
      FileSystem fs = base.getFileSystem(conf);
      if (!fs.exists(base)) {
        return vectors;
      }
      Set<String> hospitals = new TreeSet<>();
      List<Path> strangers = new ArrayList<>();
      for (FileStatus status : fs.listStatus(base)) {
        String name = status.getPath().getName();
        // a re-delivery that died between its commit's two renames: the previous vector is
        // still the hospital's last committed one and must not silently drop out of a merge
        Matcher movedAside = MOVED_ASIDE.matcher(name);
        String hospital =
            name.startsWith("hospital=")
                ? name.substring("hospital=".length())
                : movedAside.matches() ? movedAside.group(1) : null;
        if (status.isDirectory() && HospitalId.isWellFormed(hospital)) {
          hospitals.add(hospital);
        } else if (!name.startsWith("_") && !name.startsWith(".") || hospital != null) {
          strangers.add(status.getPath());
        }
      }
      if (!strangers.isEmpty()) {
        LOG.warn(
            "Skipping {} path(s) under {} that are not a hospital's vector (not a directory"
                + " hospital=ID with ID matching {}): {}",
            strangers.size(),
            base,
            HospitalId.SYNTAX.pattern(),
            strangers);
      }
      for (String hospital : hospitals) {
        Path dir = new Path(base, "hospital=" + hospital);
        Optional<Path> committed = AtomicDir.lastCommitted(conf, dir);
        if (committed.isPresent()) {
          if (!committed.get().equals(dir)) {
            LOG.warn(
                "Hospital {}: reading its last committed vector from {} (a re-delivery died mid-commit;"
                    + " the next write of {} puts it back)",
                hospital,
                committed.get(),
                dir);
          }
          vectors.add(read(committed.get(), baseFingerprint));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list data vectors under " + base, e);
    }
    vectors.sort(Comparator.comparing(v -> v.manifest().hospital()));
    requireDistinctHospitals(vectors, base);
    return vectors;
  }

  /** Reads and validates the vector in {@code dir}, refusing one built on another base. */
  public StoredVector open(Path dir, String expectedBaseFingerprint) {
    StoredVector vector = read(dir, expectedBaseFingerprint);
    requireFiledUnderItsHospital(vector);
    return vector;
  }

  private StoredVector read(Path dir, String expectedBaseFingerprint) {
    Path manifestPath = new Path(dir, MANIFEST_FILE);
    requireManifest(manifestPath);
    VectorManifest manifest =
        Json.read(
                HadoopFiles.readString(conf, manifestPath),
                VectorManifest.class,
                manifestPath.toString())
            .requireValid(manifestPath.toString(), baselines ? POOLED : null);
    if (!manifest.baseFingerprint().equals(expectedBaseFingerprint)) {
      throw new IncompatibleVectorException(
          "Cannot use data vector "
              + manifestPath
              + ": it was built on base "
              + manifest.baseFingerprint()
              + ", expected "
              + expectedBaseFingerprint);
    }
    return new StoredVector(dir, manifest);
  }

  private static void requireFiledUnderItsHospital(StoredVector vector) {
    Path dir = vector.dir();
    VectorManifest manifest = vector.manifest();
    Path manifestPath = new Path(dir, MANIFEST_FILE);
    String dirName = dir.getName();
    if (dirName.startsWith("hospital=") && !dirName.equals("hospital=" + manifest.hospital())) {
      // list() reports a second claim on a hospital first; alone, a misfiled vector is bad input
      throw new IllegalArgumentException(
          "Cannot use data vector "
              + manifestPath
              + ": manifest hospital "
              + manifest.hospital()
              + " does not match its directory "
              + dirName);
    }
  }

  private static void requireDistinctHospitals(List<StoredVector> sorted, Path base) {
    for (int i = 1; i < sorted.size(); i++) {
      String hospital = sorted.get(i).manifest().hospital();
      if (hospital.equals(sorted.get(i - 1).manifest().hospital())) {
        throw new IncompatibleVectorException(
            "Cannot use data vectors under "
                + base
                + ": two vectors claim hospital "
                + hospital
                + " ("
                + sorted.get(i - 1).dir()
                + " from run "
                + sorted.get(i - 1).manifest().runId()
                + ", "
                + sorted.get(i).dir()
                + " from run "
                + sorted.get(i).manifest().runId()
                + ")");
      }
    }
    sorted.forEach(VectorStore::requireFiledUnderItsHospital);
  }

  private void requireManifest(Path manifestPath) {
    try {
      if (!manifestPath.getFileSystem(conf).exists(manifestPath)) {
        throw new IllegalArgumentException(
            "Cannot use data vector "
                + manifestPath.getParent()
                + ": its manifest is missing ("
                + manifestPath
                + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check data-vector manifest " + manifestPath, e);
    }
  }

  /** Streams the delta chunk by chunk, then verifies its SHA-256 against the manifest. */
  public void streamDelta(StoredVector vector, FloatChunkFile.ChunkConsumer consumer) {
    String sha = FloatChunkFile.read(conf, vector.vectorPath(), consumer);
    requireSha(vector.vectorPath(), vector.manifest().vectorSha256(), sha);
  }

  /** Receives the chunks of several deltas: {@code vector} is the index in the list given. */
  @FunctionalInterface
  public interface DeltaSink {
    void accept(int vector, long offset, float[] values);
  }

  /**
   * Streams the deltas of {@code vectors} in list order, each chunk by chunk, decoding with {@code
   * readers} threads (see {@link OrderedChunkReader}); each delta's SHA-256 is checked against its
   * manifest after its last chunk.
   */
  public void streamDeltas(List<StoredVector> vectors, int readers, DeltaSink sink) {
    List<Path> files = vectors.stream().map(StoredVector::vectorPath).toList();
    OrderedChunkReader.read(
        conf,
        files,
        readers,
        new OrderedChunkReader.Sink() {
          @Override
          public void chunk(int file, long offset, float[] values) {
            sink.accept(file, offset, values);
          }

          @Override
          public void end(int file, String sha256) {
            requireSha(files.get(file), vectors.get(file).manifest().vectorSha256(), sha256);
          }
        });
  }

  /**
   * Opens the delta for reading chunk by chunk (see {@link FloatChunkCursor}); its SHA-256 is
   * checked against the manifest when the cursor reports the end. The caller closes the cursor.
   */
  public FloatChunkCursor openDelta(StoredVector vector) {
    return FloatChunkCursor.open(
        conf, vector.vectorPath(), vector.manifest().vectorSha256(), "manifest");
  }

  /** The whole delta in memory, checksum-verified. */
  public float[] readDelta(StoredVector vector) {
    return readVerified(
        vector.vectorPath(), vector.manifest().vectorSha256(), vector.manifest().layout());
  }

  /** The fine-tuned batch-norm running statistics, checksum-verified. */
  public float[] readBnStats(StoredVector vector) {
    return readVerified(
        vector.bnStatsPath(), vector.manifest().bnStatsSha256(), vector.manifest().bnStatsLayout());
  }

  private float[] readVerified(Path file, String expectedSha, VectorLayout layout) {
    float[] values = FloatChunkFile.readAll(conf, file);
    requireLength(layout, values.length, file.toString());
    requireSha(file, expectedSha, FloatChunkFile.sha256(values));
    return values;
  }

  private static void requireSha(Path file, String expected, String actual) {
    if (!expected.equals(actual)) {
      throw new IllegalArgumentException(
          "Cannot use data vector file "
              + file
              + ": SHA-256 "
              + actual
              + " does not match manifest "
              + expected);
    }
  }

  private static void requireLength(VectorLayout layout, long length, String what) {
    if (layout.size() != length) {
      throw new IllegalArgumentException(
          "Cannot use " + what + ": " + length + " values for a layout of " + layout.size());
    }
  }
}
