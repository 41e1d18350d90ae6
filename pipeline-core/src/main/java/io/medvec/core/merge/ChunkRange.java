package io.medvec.core.merge;

import io.medvec.core.io.FloatChunkRange;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The same range of chunks read from each of K stored vectors, so that a merge can be cut into
 * independent tasks by coordinate range (engine-free: a task may run in any JVM that reaches the
 * files). Vectors are in hospital-id order; chunks must align (the same offsets and lengths in
 * every file), as they do when all were written with the same chunk size.
 */
public final class ChunkRange {

  /**
   * One vector as a task sees it.
   *
   * @param hospital its hospital id
   * @param examples its training examples
   * @param path its delta's file (a Hadoop URI)
   * @param sha256 the content SHA-256 its manifest records
   */
  public record Member(String hospital, long examples, String path, String sha256)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    static Member of(StoredVector vector) {
      return new Member(
          vector.manifest().hospital(),
          vector.manifest().examples(),
          vector.vectorPath().toString(),
          vector.manifest().vectorSha256());
    }
  }

  /** The chunks {@code [first, end)} by id. */
  public record Span(int first, int end) implements Serializable {
    private static final long serialVersionUID = 1L;

    public Span {
      if (first < 0 || end < first) {
        throw new IllegalArgumentException(
            "Cannot split chunks: invalid range [" + first + ", " + end + ")");
      }
    }
  }

  /** Receives member {@code member}'s chunks of a range, member after member, each in order. */
  @FunctionalInterface
  public interface Sink {
    void accept(int member, long offset, float[] values);
  }

  private ChunkRange() {}

  /** {@code vectors} in hospital-id order as members; each must have {@code layout}. */
  public static List<Member> members(List<StoredVector> vectors, VectorLayout layout) {
    if (vectors == null || vectors.isEmpty()) {
      throw new IllegalArgumentException("Cannot merge: no data vectors given");
    }
    List<StoredVector> ordered = new ArrayList<>(vectors);
    ordered.sort(Comparator.comparing(v -> v.manifest().hospital()));
    List<Member> members = new ArrayList<>();
    for (StoredVector v : ordered) {
      layout.requireSameAs(v.manifest().layout(), "data vector " + v.dir());
      Member m = Member.of(v);
      if (!members.isEmpty() && members.get(members.size() - 1).hospital().equals(m.hospital())) {
        throw new IllegalArgumentException(
            "Cannot merge: two vectors claim hospital " + m.hospital());
      }
      members.add(m);
    }
    return members;
  }

  /** Number of chunks of the first member's file (the others are checked as they are read). */
  public static int chunks(Configuration conf, List<Member> members) {
    return FloatChunkRange.shape(conf, new Path(members.get(0).path())).chunks();
  }

  /**
   * {@code chunks} cut into at most {@code parts} contiguous spans of nearly equal size, in order
   * (fewer when there are fewer chunks; one empty span for no chunks).
   */
  public static List<Span> split(int chunks, int parts) {
    if (parts < 1 || chunks < 0) {
      throw new IllegalArgumentException(
          "Cannot split " + chunks + " chunks into " + parts + " ranges");
    }
    int n = Math.max(1, Math.min(parts, chunks));
    List<Span> spans = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      spans.add(new Span((int) ((long) chunks * i / n), (int) ((long) chunks * (i + 1) / n)));
    }
    return spans;
  }

  /**
   * Streams {@code span} of every member to {@code sink}, one file at a time (memory: one Parquet
   * row group and one chunk), checking that each member's chunks have the first member's offsets
   * and lengths. Returns those offsets (n + 1 entries: the chunk starts, then the range's end).
   */
  public static long[] read(
      Configuration conf, List<Member> members, long length, Span span, Sink sink) {
    int n = span.end() - span.first();
    long[] starts = new long[n + 1];
    for (int j = 0; j < members.size(); j++) {
      Member m = members.get(j);
      int member = j;
      int[] c = {0};
      FloatChunkRange.read(
          conf,
          new Path(m.path()),
          m.sha256(),
          length,
          span.first(),
          span.end(),
          (offset, values) -> {
            int i = c[0]++;
            if (member == 0) {
              starts[i] = offset;
              starts[i + 1] = offset + values.length;
            } else if (starts[i] != offset || starts[i + 1] != offset + values.length) {
              throw misaligned(members, member, span.first() + i, offset, values.length, starts, i);
            }
            sink.accept(member, offset, values);
          });
    }
    if (n == 0) {
      starts[0] = span.first() == 0 ? 0 : -1;
    }
    return starts;
  }

  /**
   * Every member's chunks of {@code span} in memory: {@code rows[c][j]} is member j's chunk {@code
   * span.first() + c}. Memory K × the span's floats (counted in {@link TaskMemory}).
   */
  public static Block readAll(Configuration conf, List<Member> members, long length, Span span) {
    return readAll(conf, members, length, span, 0, 1);
  }

  /**
   * Slice {@code part} of {@code parts} equal slices of every member's values of {@code span} in
   * memory (the whole span for one part; a span of one chunk otherwise): each chunk is decoded
   * whole, its slice copied and the rest dropped, so memory is K × the slice plus one chunk. The
   * block's starts are the slice's first coordinate and its end.
   */
  public static Block readAll(
      Configuration conf, List<Member> members, long length, Span span, int part, int parts) {
    if (parts < 1 || part < 0 || part >= parts || (parts > 1 && span.end() - span.first() != 1)) {
      throw new IllegalArgumentException(
          "Cannot read slice "
              + part
              + " of "
              + parts
              + " of chunks ["
              + span.first()
              + ", "
              + span.end()
              + "): slices need a range of one chunk");
    }
    float[][][] rows = new float[span.end() - span.first()][members.size()][];
    int[] c = {0};
    int[] last = {-1};
    int[] slice = {0, -1};
    long[] starts =
        read(
            conf,
            members,
            length,
            span,
            (member, offset, values) -> {
              if (member != last[0]) {
                c[0] = 0;
                last[0] = member;
              }
              float[] kept = values;
              if (parts > 1) {
                slice[0] = (int) ((long) values.length * part / parts);
                slice[1] = (int) ((long) values.length * (part + 1) / parts);
                kept = java.util.Arrays.copyOfRange(values, slice[0], slice[1]);
              }
              TaskMemory.hold(kept.length);
              rows[c[0]++][member] = kept;
            });
    if (parts > 1 && slice[1] >= 0) {
      starts = new long[] {starts[0] + slice[0], starts[0] + slice[1]};
    }
    return new Block(starts, rows);
  }

  /**
   * A span of K members in memory.
   *
   * @param starts the chunks' first coordinates, then the span's end
   * @param rows {@code rows[c][j]}: member j's chunk c of the span
   */
  public record Block(long[] starts, float[][][] rows) {}

  private static IllegalArgumentException misaligned(
      List<Member> members, int member, int chunk, long offset, int n, long[] starts, int i) {
    return new IllegalArgumentException(
        "Cannot merge data vectors chunk by chunk: hospital "
            + members.get(member).hospital()
            + " has a chunk of "
            + n
            + " values at offset "
            + offset
            + " where hospital "
            + members.get(0).hospital()
            + " has a chunk of "
            + (starts[i + 1] - starts[i])
            + " values at offset "
            + starts[i]
            + " (chunk "
            + chunk
            + "; all vectors must be written with the same chunk size, "
            + "e.g. FloatChunkFile.DEFAULT_CHUNK_SIZE)");
  }
}
