package io.medvec.core.source;

import io.medvec.core.source.ImageSource.Loaded;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/** Decodes the encoded bytes of examples one at a time, as they are asked for. */
final class ByteStream implements ImageSource.Stream {

  private final Iterator<Example> examples;
  private final Function<Example, byte[]> bytes;
  private final ImageDecoders decoders;
  private final Runnable onClose;

  ByteStream(
      List<Example> wanted,
      Function<Example, byte[]> bytes,
      ImageDecoders decoders,
      Runnable onClose) {
    this.examples = List.copyOf(wanted).iterator();
    this.bytes = bytes;
    this.decoders = decoders;
    this.onClose = onClose;
  }

  @Override
  public boolean hasNext() {
    return examples.hasNext();
  }

  @Override
  public Loaded next() {
    if (!examples.hasNext()) {
      throw new NoSuchElementException("Cannot read image: no more examples");
    }
    Example example = examples.next();
    return new Loaded(example, decoders.decode(bytes.apply(example), example.location()));
  }

  @Override
  public void close() {
    onClose.run();
  }
}
