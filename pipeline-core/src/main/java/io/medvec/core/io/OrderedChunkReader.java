package io.medvec.core.io;

import io.medvec.core.io.FloatChunkColumns.Chunk;
import io.medvec.core.io.FloatChunkFile.ChunkSequence;
import io.medvec.core.io.FloatChunkFile.Footer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads several {@link FloatChunkFile}s with several decoding threads and hands every chunk to the
 * calling thread in order: file after file, each file's chunks in file order, exactly as reading
 * them one by one would. Validation is {@link FloatChunkFile#read}'s (ids, offsets, length, content
 * SHA-256, on the calling thread and in order).
 *
 * <p>The threads share the work by row group: row group {@code g} of file {@code f} is decoded by
 * thread {@code (f + g) mod threads}, so neighbouring row groups, within a file or across two
 * files, are decoded at the same time. A thread holds at most one row group's decoded rows that the
 * caller has not taken yet (plus the compressed group Parquet reads), so memory is bounded by
 * {@code threads} row groups whatever the number and length of the files.
 */
public final class OrderedChunkReader {

  /** Receives the chunks on the calling thread. */
  public interface Sink {
    /**
     * Chunk of file {@code file} (its index in the list) starting at {@code offset}; a fresh array.
     */
    void chunk(int file, long offset, float[] values);

    /**
     * File {@code file} ended; {@code sha256}: its content SHA-256 computed while reading (not yet
     * compared).
     */
    void end(int file, String sha256);
  }

  /** What a decoding thread passes on, in its order. */
  private sealed interface Message {}

  private record Start(Footer footer) implements Message {}

  private record Row(Chunk chunk) implements Message {}

  /** The end of one row group; {@code lastOfFile}: the file has no later one. */
  private record GroupEnd(boolean lastOfFile) implements Message {}

  /**
   * The thread's exception or error (an OutOfMemoryError too: the caller must not wait forever).
   */
  private record Failure(Throwable error) implements Message {}

  private OrderedChunkReader() {}

  /**
   * Streams the chunks of {@code files} to {@code sink} in order, decoding with {@code threads}
   * threads (1 reads on the calling thread). IAE naming the file on invalid data; the sink's own
   * exceptions stop the reading and propagate unchanged.
   */
  public static void read(Configuration conf, List<Path> files, int threads, Sink sink) {
    if (threads < 1) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: threads must be >= 1 (" + threads + ")");
    }
    if (threads == 1) {
      for (int f = 0; f < files.size(); f++) {
        int index = f;
        String sha =
            FloatChunkFile.read(
                conf, files.get(f), (offset, values) -> sink.chunk(index, offset, values));
        sink.end(f, sha);
      }
      return;
    }
    List<Decoder> decoders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      decoders.add(new Decoder(conf, files, t, threads));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads());
    try {
      decoders.forEach(pool::execute);
      drain(files, decoders, sink);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void drain(List<Path> files, List<Decoder> decoders, Sink sink) {
    int threads = decoders.size();
    try {
      for (int f = 0; f < files.size(); f++) {
        ChunkSequence sequence = null;
        for (int g = 0; ; g++) {
          Decoder owner = decoders.get(owner(f, g, threads));
          Message message = owner.take();
          if (message instanceof Start start) {
            sequence = new ChunkSequence(files.get(f), start.footer().length());
            message = owner.take();
          }
          for (; message instanceof Row row; message = owner.take()) {
            sequence.check(row.chunk());
            sink.chunk(f, row.chunk().offset(), row.chunk().values());
          }
          if (((GroupEnd) message).lastOfFile()) {
            break;
          }
        }
        sink.end(f, sequence.finish());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot read float chunks: interrupted", e);
    }
  }

  /**
   * The thread decoding row group {@code group} of file {@code file}; a file without row groups
   * counts as one.
   */
  private static int owner(int file, int group, int threads) {
    return (int) (((long) file + group) % threads);
  }

  /** One decoding thread: its row groups of every file, in order. */
  private static final class Decoder implements Runnable {
    private final Configuration conf;
    private final List<Path> files;
    private final int index;
    private final int threads;
    private final BlockingQueue<Message> queue = new LinkedBlockingQueue<>();

    /** Decoded rows queued and not yet taken; at most one row group's worth. */
    private int pending;

    private long limit = 1;

    Decoder(Configuration conf, List<Path> files, int index, int threads) {
      this.conf = conf;
      this.files = files;
      this.index = index;
      this.threads = threads;
    }

    @Override
    public void run() {
      try {
        for (int f = 0; f < files.size(); f++) {
          decode(f);
        }
      } catch (InterruptedException e) {
        // the caller stopped reading
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        if (!Thread.currentThread().isInterrupted()) {
          queue.add(new Failure(e));
        }
      }
    }

    private void decode(int f) throws InterruptedException {
      try (FloatChunkColumns columns = FloatChunkColumns.open(conf, files.get(f))) {
        int groups = columns.rowGroups();
        // this thread's groups: those g with owner(f, g) == index
        for (int g = Math.floorMod(index - f, threads); g < Math.max(groups, 1); g += threads) {
          if (g == 0) {
            queue.add(new Start(columns.footer()));
          }
          if (groups > 0) {
            columns.selectRowGroup(g);
            setLimit(columns.rows(g));
            for (Chunk chunk = columns.next(); chunk != null; chunk = columns.next()) {
              reserve();
              queue.add(new Row(chunk));
            }
          }
          queue.add(new GroupEnd(g >= groups - 1));
        }
      }
    }

    private synchronized void setLimit(long rows) {
      limit = Math.max(1, rows);
    }

    private synchronized void reserve() throws InterruptedException {
      while (pending >= limit) {
        wait();
      }
      pending += 1;
    }

    /** The next message (the caller's side); rethrows the thread's failure. */
    Message take() throws InterruptedException {
      Message message = queue.take();
      if (message instanceof Failure failure) {
        if (failure.error() instanceof Error error) {
          throw error;
        }
        throw (RuntimeException) failure.error();
      }
      if (message instanceof Row) {
        taken();
      }
      return message;
    }

    private synchronized void taken() {
      pending -= 1;
      notifyAll();
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "medvec-chunk-reader-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
