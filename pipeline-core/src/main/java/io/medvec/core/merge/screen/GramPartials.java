package io.medvec.core.merge.screen;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.merge.ChunkRange;
import io.medvec.core.merge.ChunkRange.Member;
import io.medvec.core.merge.ChunkRange.Span;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.vector.IncompatibleVectorException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The K × K inner products τ_i·τ_j that screening needs (norms on the diagonal, cosines off it),
 * built from per-chunk partial results so that no node holds the K vectors: each chunk's partial is
 * a double sum over the chunk's coordinates in order, and the partials are added in chunk order. In
 * memory the same sums run over blocks of {@link FloatChunkFile#DEFAULT_CHUNK_SIZE}, so stored
 * vectors written with that chunk size give the same bits streamed, in any number of tasks, or in
 * memory.
 *
 * <p>A Gram matrix is stored as its upper triangle, row by row: entry (i, j), i ≤ j, at {@link
 * #index}.
 */
public final class GramPartials {

  /** Memory the local pass spends on one span of K chunks (it reads that many chunks at once). */
  private static final long LOCAL_SPAN_BYTES = 64L << 20;

  private GramPartials() {}

  /** Entries of the upper triangle of a K × K matrix. */
  public static int size(int k) {
    return Math.toIntExact((long) k * (k + 1) / 2);
  }

  /** Position of (i, j), i ≤ j, in the triangle of a K × K matrix. */
  public static int index(int k, int i, int j) {
    return Math.toIntExact((long) i * k - (long) i * (i - 1) / 2 + (j - i));
  }

  /** Adds {@code partial} into {@code total}, element by element. */
  public static void add(double[] total, double[] partial) {
    for (int i = 0; i < total.length; i++) {
      total[i] += partial[i];
    }
  }

  /**
   * The partial of each chunk of {@code span}, in chunk order (memory K × the span's floats while
   * reading).
   */
  public static List<double[]> ofSpan(
      Configuration conf, List<Member> members, long length, Span span) {
    ChunkRange.Block block = ChunkRange.readAll(conf, members, length, span);
    List<double[]> partials = new ArrayList<>();
    for (int c = 0; c < block.rows().length; c++) {
      float[][] rows = block.rows()[c];
      for (int j = 0; j < rows.length; j++) {
        VectorSum.requireFinite(rows[j], block.starts()[c], members.get(j).path());
      }
      partials.add(ofChunk(rows, 0, rows[0].length));
      block.rows()[c] = null;
    }
    return partials;
  }

  /**
   * The Gram matrix of stored vectors, read in spans of a few chunks of every member (memory about
   * {@value #LOCAL_SPAN_BYTES} bytes, at least one chunk per member).
   */
  public static double[] compute(Configuration conf, List<Member> members, long length) {
    int chunks = ChunkRange.chunks(conf, members);
    long spanChunks =
        Math.max(1, LOCAL_SPAN_BYTES / (4L * FloatChunkFile.DEFAULT_CHUNK_SIZE * members.size()));
    double[] gram = new double[size(members.size())];
    for (Span span : ChunkRange.split(chunks, (int) ((chunks + spanChunks - 1) / spanChunks))) {
      for (double[] partial : ofSpan(conf, members, length, span)) {
        add(gram, partial);
      }
    }
    return gram;
  }

  /** The Gram matrix of in-memory vectors (all the same length). */
  public static double[] of(List<float[]> deltas) {
    int k = deltas.size();
    for (float[] d : deltas) {
      if (d.length != deltas.get(0).length) {
        throw new IncompatibleVectorException(
            "Cannot screen: vectors of " + deltas.get(0).length + " and " + d.length + " values");
      }
    }
    float[][] rows = deltas.toArray(float[][]::new);
    double[] gram = new double[size(k)];
    int n = k == 0 ? 0 : rows[0].length;
    for (int from = 0; from < n; from += FloatChunkFile.DEFAULT_CHUNK_SIZE) {
      add(gram, ofChunk(rows, from, Math.min(n, from + FloatChunkFile.DEFAULT_CHUNK_SIZE)));
    }
    return gram;
  }

  /** The partial of coordinates {@code [from, to)} of {@code rows}. */
  static double[] ofChunk(float[][] rows, int from, int to) {
    int k = rows.length;
    double[] partial = new double[size(k)];
    for (int i = 0; i < k; i++) {
      float[] a = rows[i];
      for (int j = i; j < k; j++) {
        float[] b = rows[j];
        double sum = 0;
        for (int x = from; x < to; x++) {
          sum += (double) a[x] * b[x];
        }
        partial[index(k, i, j)] = sum;
      }
    }
    return partial;
  }
}
