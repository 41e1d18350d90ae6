package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OrderedChunkReaderTest {
  /** Small rows, so one file has several row groups of many rows each. */
  private static final int CHUNK = 10_000;

  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  /** What a sink saw, in order. */
  private record Event(int file, long offset, float[] values, String sha) {}

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 5})
  void chunksArriveInFileOrderExactlyAsOneThreadReadsThem(int threads) throws IOException {
    // several row groups per file, one empty file, one of a single group, an odd count of groups
    int[] lengths = {700_000, 0, 25_000, 700_000, 450_000};
    List<Path> files = new ArrayList<>();
    List<String> shas = new ArrayList<>();
    for (int f = 0; f < lengths.length; f++) {
      Path file = new Path(dir.resolve("v" + f + ".parquet").toUri());
      shas.add(FloatChunkFile.write(conf, file, gaussian(f, lengths[f]), CHUNK));
      files.add(file);
    }
    assertThat(rowGroups(files.get(0))).isGreaterThan(2);
    assertThat(rowGroups(files.get(2))).isEqualTo(1);

    List<Event> sequential = read(files, 1);
    List<Event> parallel = read(files, threads);

    assertThat(parallel).hasSameSizeAs(sequential);
    for (int i = 0; i < sequential.size(); i++) {
      Event expected = sequential.get(i);
      Event actual = parallel.get(i);
      assertThat(actual.file()).as("event %d", i).isEqualTo(expected.file());
      assertThat(actual.offset()).as("event %d", i).isEqualTo(expected.offset());
      assertThat(actual.values()).as("event %d", i).containsExactly(expected.values());
      assertThat(actual.sha()).as("event %d", i).isEqualTo(expected.sha());
    }
    List<String> ends = parallel.stream().filter(e -> e.sha() != null).map(Event::sha).toList();
    assertThat(ends).containsExactlyElementsOf(shas);
  }

  @Test
  void aCorruptFileInTheMiddleIsNamedAndNothingHangs() throws IOException {
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < 4; f++) {
      Path file = new Path(dir.resolve("v" + f + ".parquet").toUri());
      FloatChunkFile.write(conf, file, gaussian(f, 300_000), CHUNK);
      files.add(file);
    }
    java.nio.file.Path broken = dir.resolve("v2.parquet");
    byte[] bytes = Files.readAllBytes(broken);
    Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    // the same exception one thread gives (a truncated footer is an I/O error), named after the
    // file
    Class<? extends Throwable> sequential = catchThrowable(() -> read(files, 1)).getClass();
    List<Integer> ended = new ArrayList<>();
    assertThatThrownBy(
            () ->
                OrderedChunkReader.read(
                    conf,
                    files,
                    2,
                    new OrderedChunkReader.Sink() {
                      @Override
                      public void chunk(int file, long offset, float[] values) {}

                      @Override
                      public void end(int file, String sha256) {
                        ended.add(file);
                      }
                    }))
        .isExactlyInstanceOf(sequential)
        .hasMessageContaining("v2.parquet");
    assertThat(ended).containsExactly(0, 1);
  }

  @Test
  void theSinksExceptionStopsTheReadingAndPropagatesUnchanged() {
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      Path file = new Path(dir.resolve("v" + f + ".parquet").toUri());
      FloatChunkFile.write(conf, file, gaussian(f, 300_000), CHUNK);
      files.add(file);
    }
    IllegalStateException stop = new IllegalStateException("sink refused");
    assertThatThrownBy(
            () ->
                OrderedChunkReader.read(
                    conf,
                    files,
                    2,
                    new OrderedChunkReader.Sink() {
                      @Override
                      public void chunk(int file, long offset, float[] values) {
                        if (file == 1) {
                          throw stop;
                        }
                      }

                      @Override
                      public void end(int file, String sha256) {}
                    }))
        .isSameAs(stop);
  }

  @Test
  @Timeout(120) // a regression would wait forever, not fail
  void anErrorInADecodingThreadReachesTheCallerInsteadOfLeavingItWaiting() {
    // an OutOfMemoryError is not a RuntimeException: a decoder that died of one silently would
    // leave the caller waiting forever for its next row group
    conf.set("fs.boomfs.impl", ErrorOnOpen.class.getName());
    conf.setBoolean("fs.boomfs.impl.disable.cache", true);
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      java.nio.file.Path local = dir.resolve((f == 1 ? "boom" : "v") + f + ".parquet");
      FloatChunkFile.write(conf, new Path(local.toUri()), gaussian(f, 50_000), CHUNK);
      files.add(new Path("boomfs://" + local.toUri().getPath()));
    }
    assertThatThrownBy(() -> read(files, 2))
        .isInstanceOf(OutOfMemoryError.class)
        .hasMessageContaining("boom1.parquet");
  }

  @Test
  void refusesZeroThreads() {
    assertThatThrownBy(() -> OrderedChunkReader.read(conf, List.of(), 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threads must be >= 1 (0)");
  }

  /**
   * The local file system under another scheme, whose open of a file named boom* throws an Error.
   */
  public static final class ErrorOnOpen extends OtherSchemeLocalFileSystem {
    public ErrorOnOpen() {
      super("boomfs");
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
      if (f.getName().startsWith("boom")) {
        throw new OutOfMemoryError("injected while opening " + f);
      }
      return super.open(f, bufferSize);
    }
  }

  private List<Event> read(List<Path> files, int threads) {
    List<Event> events = new ArrayList<>();
    OrderedChunkReader.read(
        conf,
        files,
        threads,
        new OrderedChunkReader.Sink() {
          @Override
          public void chunk(int file, long offset, float[] values) {
            events.add(new Event(file, offset, values, null));
          }

          @Override
          public void end(int file, String sha256) {
            events.add(new Event(file, -1, new float[0], sha256));
          }
        });
    return events;
  }

  private int rowGroups(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return reader.getRowGroups().size();
    }
  }

  private static float[] gaussian(int seed, int n) {
    Random random = new Random(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
