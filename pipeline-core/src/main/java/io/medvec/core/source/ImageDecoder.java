package io.medvec.core.source;

/**
 * Turns one encoded image file into pixels. Implementations refuse what they cannot decode with an
 * {@link IllegalArgumentException} whose message names {@code name} and the reason.
 */
@FunctionalInterface
public interface ImageDecoder {

  /**
   * Decodes {@code bytes}.
   *
   * @param name the file or table row the bytes come from, for messages
   */
  DecodedImage decode(byte[] bytes, String name);
}
