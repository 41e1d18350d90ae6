package io.medvec.core.source;

import java.util.List;

/** Decode + preprocess throughput of a source, for the bench. */
public final class DecodeBench {

  /**
   * One measurement.
   *
   * @param images images decoded and preprocessed
   * @param seconds wall time
   * @param checksum sum of all output floats (keeps the work observable)
   */
  public record Result(int images, double seconds, double checksum) {
    public double imagesPerSecond() {
      return images / seconds;
    }
  }

  private DecodeBench() {}

  /**
   * Reads, decodes and preprocesses (no augmentation) each of {@code examples} once, in one thread,
   * after {@code warmup} untimed images.
   */
  public static Result run(
      ImageSource source, List<Example> examples, Preprocessing preprocessing, int warmup) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("Cannot bench " + source.describe() + ": no examples");
    }
    consume(source, examples.subList(0, Math.min(warmup, examples.size())), preprocessing);
    long start = System.nanoTime();
    double checksum = consume(source, examples, preprocessing);
    return new Result(examples.size(), (System.nanoTime() - start) / 1e9, checksum);
  }

  private static double consume(
      ImageSource source, List<Example> examples, Preprocessing preprocessing) {
    double sum = 0;
    try (ImageSource.Stream stream = source.open(examples)) {
      while (stream.hasNext()) {
        for (float v : preprocessing.apply(stream.next().image())) {
          sum += v;
        }
      }
    }
    return sum;
  }
}
