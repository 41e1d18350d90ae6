package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * A raw {@code .npy} array (versions 1.0, 2.0 and 3.0, C order): its header and data bytes.
 *
 * @param context names the array in error messages, e.g. {@code "x.npz key train_images"}
 */
record NpyArray(String context, String descr, long[] shape, byte[] data) {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Map<String, Integer> ITEM_SIZES = Map.of("|u1", 1, "<i4", 4, "<i8", 8);

  /**
   * Reads one array from {@code in} (positioned at the array's first byte).
   *
   * @param allowed dtype descriptors accepted, each one of {@code |u1}, {@code <i4}, {@code <i8}
   */
  static NpyArray read(InputStream in, String context, Set<String> allowed) throws IOException {
    return read(in, context, allowed, Limit.NONE);
  }

  /**
   * What an array may declare before its data is allocated: at most {@code maxBytes} of data, and
   * no more than {@code entrySize}, the uncompressed size its zip entry {@code entry} declares (-1
   * when unknown), holds after the header.
   */
  record Limit(String entry, long entrySize, long maxBytes) {
    static final Limit NONE = new Limit("", -1, Long.MAX_VALUE);
  }

  /** Reads one array, refusing a declared shape beyond {@code limit} before allocating it. */
  static NpyArray read(InputStream in, String context, Set<String> allowed, Limit limit)
      throws IOException {
    byte[] preamble = readExactly(in, MAGIC.length + 2, context, "npy preamble");
    checkArgument(
        Arrays.equals(preamble, 0, MAGIC.length, MAGIC, 0, MAGIC.length),
        "Cannot read %s: not an npy array, bad magic (%s)",
        context,
        Arrays.toString(Arrays.copyOf(preamble, MAGIC.length)));
    int major = preamble[6];
    int minor = preamble[7];
    checkArgument(
        major >= 1 && major <= 3,
        "Cannot read %s: unsupported npy version (%s.%s)",
        context,
        major,
        minor);
    int lengthBytes = major == 1 ? 2 : 4;
    long headerLength = littleEndian(readExactly(in, lengthBytes, context, "npy header length"));
    checkArgument(
        headerLength <= 1 << 20, "Cannot read %s: npy header too long (%s)", context, headerLength);
    byte[] headerBytes = readExactly(in, (int) headerLength, context, "npy header");
    String text =
        new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    NpyHeader header = NpyHeader.parse(text, context);
    checkArgument(
        allowed.contains(header.descr()),
        "Cannot read %s: unsupported dtype, expected one of %s (%s)",
        context,
        allowed,
        header.descr());
    checkArgument(
        !header.fortranOrder(),
        "Cannot read %s: Fortran order is not supported (fortran_order=True)",
        context);
    long bytes;
    try {
      bytes = Math.multiplyExact(header.count(), ITEM_SIZES.get(header.descr()));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot read %s: npy shape %s overflows a 64-bit byte count",
              context, Arrays.toString(header.shape())),
          e);
    }
    long declared = MAGIC.length + 2L + lengthBytes + headerLength + bytes;
    checkArgument(
        limit.entrySize() < 0 || declared <= limit.entrySize(),
        "Cannot read %s: npy header declares shape %s of %s, %s bytes with its header, but zip"
            + " entry %s declares only %s bytes uncompressed (corrupt or forged archive)",
        context,
        Arrays.toString(header.shape()),
        header.descr(),
        declared,
        limit.entry(),
        limit.entrySize());
    checkArgument(
        bytes <= limit.maxBytes(),
        "Cannot read %s: zip entry %s declares %s bytes of data (shape %s), more than the %s bytes"
            + " left of the npz reader's limit (the decoded images must fit in the heap)",
        context,
        limit.entry(),
        bytes,
        Arrays.toString(header.shape()),
        limit.maxBytes());
    checkArgument(
        bytes <= Integer.MAX_VALUE - 16,
        "Cannot read %s: array too large for one Java array (%s bytes)",
        context,
        bytes);
    byte[] data = readExactly(in, (int) bytes, context, "npy data");
    return new NpyArray(context, header.descr(), header.shape(), data);
  }

  private static byte[] readExactly(InputStream in, int length, String context, String what)
      throws IOException {
    byte[] bytes = in.readNBytes(length);
    checkArgument(
        bytes.length == length,
        "Cannot read %s: truncated %s, expected %s bytes (got %s)",
        context,
        what,
        length,
        bytes.length);
    return bytes;
  }

  private static long littleEndian(byte[] bytes) {
    long value = 0;
    for (int i = bytes.length - 1; i >= 0; i--) {
      value = (value << 8) | (bytes[i] & 0xff);
    }
    return value;
  }

  int itemSize() {
    return ITEM_SIZES.get(descr);
  }

  /** Element {@code i} as a long, for the integer dtypes. */
  long longAt(int i) {
    int size = itemSize();
    long value = 0;
    for (int b = size - 1; b >= 0; b--) {
      value = (value << 8) | (data[i * size + b] & 0xff);
    }
    // sign-extend the signed little-endian types; |u1 is unsigned
    return size == 4 ? (int) value : value;
  }

  String shapeString() {
    return Arrays.toString(shape).replace('[', '(').replace(']', ')');
  }
}
