package io.medvec.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of floats as little-endian IEEE-754 bytes. NaNs hash as the canonical NaN (0x7fc00000,
 * {@link Float#floatToIntBits}) because Parquet's plain encoder canonicalises NaN, so a hash over
 * raw bits could never be reproduced from the file.
 */
final class FloatDigest {
  private static final int BUFFER_FLOATS = 16_384;

  private final MessageDigest digest;
  private final ByteBuffer buffer =
      ByteBuffer.allocate(BUFFER_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);

  FloatDigest() {
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Cannot hash floats: SHA-256 is not available", e);
    }
  }

  void update(float[] values, int from, int length) {
    for (int i = from; i < from + length; i += 1) {
      if (!buffer.hasRemaining()) {
        flush();
      }
      buffer.putInt(Float.floatToIntBits(values[i]));
    }
  }

  String hex() {
    flush();
    return HexFormat.of().formatHex(digest.digest());
  }

  private void flush() {
    digest.update(buffer.array(), 0, buffer.position());
    buffer.clear();
  }
}
