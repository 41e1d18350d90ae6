package io.medvec.core.source;

import io.medvec.core.data.Split;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Where images come from. A source lists its examples up front (ids, labels and metadata only, a
 * few hundred bytes each) and streams pixels on demand, so no caller needs every image in memory.
 */
public interface ImageSource {

  /** One decoded image of {@link #open}. */
  record Loaded(Example example, DecodedImage image) {}

  /** An iterator over decoded images that holds an open file or table; close it. */
  interface Stream extends Iterator<Loaded>, AutoCloseable {
    @Override
    void close();

    /** A stream holding nothing open: each of {@code wanted} decoded by {@code decode} in turn. */
    static Stream of(List<Example> wanted, Function<Example, DecodedImage> decode) {
      Iterator<Example> it = List.copyOf(wanted).iterator();
      return new Stream() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Loaded next() {
          if (!it.hasNext()) {
            throw new NoSuchElementException("Cannot read image: no more examples");
          }
          Example e = it.next();
          return new Loaded(e, decode.apply(e));
        }

        @Override
        public void close() {}
      };
    }
  }

  /** The location and kind, for logs and messages, e.g. {@code image folder file:/data/isic}. */
  String describe();

  /** Class names in label order: label {@code i} is {@code classes().get(i)}. */
  List<String> classes();

  /** Every example, in a stable order (the same on every call and every machine). */
  List<Example> examples();

  /**
   * Streams the decoded images of {@code wanted} (examples of this source), in that order.
   * Undecodable files are refused with an {@link IllegalArgumentException} naming them.
   */
  Stream open(List<Example> wanted);

  /** The examples of one split. */
  default List<Example> examples(Split split) {
    return examples().stream().filter(e -> e.split() == split).toList();
  }

  /** Number of examples per class in {@code examples}; length {@code classes().size()}. */
  default long[] labelCounts(List<Example> examples) {
    long[] counts = new long[classes().size()];
    examples.forEach(e -> counts[e.label()]++);
    return counts;
  }
}
