package io.medvec.core.store;

import io.medvec.core.data.Assignment;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.io.SimpleParquet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A run's hospital assignment: {@code OUT/runs/RUN/partition/{assignment.parquet, partition.json}},
 * one row per training image (image index, hospital id or {@value #PUBLIC_POOL}, label), written
 * atomically by the partition stage and read by pretrain (the public pool), fine-tune (each
 * hospital's images) and merge (the public pool).
 */
public final class AssignmentStore {

  /** The hospital id of the coordinator's public pool. */
  public static final String PUBLIC_POOL = "public";

  static final String ASSIGNMENT_FILE = "assignment.parquet";

  /** The partition's spec and result, which a rerun must match ({@code OutputGuard}). */
  static final String PARTITION_FILE = "partition.json";

  private final Configuration conf;
  private final Path dir;

  public AssignmentStore(Configuration conf, OutputLayout layout) {
    this.conf = conf;
    this.dir = layout.partitionDir();
  }

  public Path dir() {
    return dir;
  }

  public Path assignmentFile() {
    return new Path(dir, ASSIGNMENT_FILE);
  }

  public Path partitionFile() {
    return new Path(dir, PARTITION_FILE);
  }

  /** The id an assignment row names: a hospital's id, or {@value #PUBLIC_POOL}. */
  public static String hospitalId(int hospitalOrPublic) {
    return hospitalOrPublic == Assignment.PUBLIC
        ? PUBLIC_POOL
        : Assignment.hospitalId(hospitalOrPublic);
  }

  /** Writes the assignment and {@code partition} (as {@code partition.json}) atomically. */
  public void write(Assignment assignment, Object partition) {
    try (AtomicDir out = AtomicDir.begin(conf, dir)) {
      SimpleParquet.write(conf, new Path(out.tmp(), ASSIGNMENT_FILE), columns(), rows(assignment));
      HadoopFiles.writeStringAtomically(
          conf, new Path(out.tmp(), PARTITION_FILE), Json.write(partition));
      out.commit();
    }
  }

  /** Reads the assignment back: hospital id ("public", "h0", …) → ascending image indices. */
  public Map<String, int[]> read() {
    if (!AtomicDir.isComplete(conf, dir)) {
      throw new IllegalArgumentException(
          "Cannot read hospital assignment: "
              + dir
              + " is missing or incomplete (run the partition job first)");
    }
    Map<String, List<Integer>> byHospital = new TreeMap<>();
    for (Map<String, Object> row : SimpleParquet.read(conf, assignmentFile())) {
      byHospital
          .computeIfAbsent((String) row.get("hospital"), k -> new ArrayList<>())
          .add((Integer) row.get("image_index"));
    }
    Map<String, int[]> out = new LinkedHashMap<>();
    byHospital.forEach(
        (k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).sorted().toArray()));
    return out;
  }

  /** The image indices of the public pool (none when the pool is empty). */
  public int[] publicPool() {
    return read().getOrDefault(PUBLIC_POOL, new int[0]);
  }

  /**
   * The protocol settings the partition recorded, or empty when the run has no complete partition.
   */
  public Optional<Protocol> protocol() {
    if (!AtomicDir.isComplete(conf, dir)) {
      return Optional.empty();
    }
    Path file = partitionFile();
    String result =
        Json.readTree(HadoopFiles.readString(conf, file), file.toString()).get("result").toString();
    return Optional.of(Json.read(result, Protocol.class, file.toString()));
  }

  /**
   * The partition settings that the metrics table repeats in every row.
   *
   * @param mode {@code iid} or {@code dirichlet}
   */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  public record Protocol(
      int hospitals, String mode, double alpha, double publicFraction, long seed) {}

  private static LinkedHashMap<String, SimpleParquet.Type> columns() {
    LinkedHashMap<String, SimpleParquet.Type> columns = new LinkedHashMap<>();
    columns.put("image_index", SimpleParquet.Type.INT32);
    columns.put("hospital", SimpleParquet.Type.STRING);
    columns.put("label", SimpleParquet.Type.INT32);
    return columns;
  }

  private static List<Object[]> rows(Assignment assignment) {
    List<Object[]> rows = new ArrayList<>(assignment.hospitalOf().length);
    for (int i = 0; i < assignment.hospitalOf().length; i++) {
      int h = assignment.hospitalOf()[i];
      rows.add(
          new Object[] {
            i, h == Assignment.PUBLIC ? PUBLIC_POOL : assignment.id(h), assignment.labels()[i]
          });
    }
    return rows;
  }
}
