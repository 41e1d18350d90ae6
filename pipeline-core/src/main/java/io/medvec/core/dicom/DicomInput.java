package io.medvec.core.dicom;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * A forward-only reader of a DICOM stream: element headers and values in the current byte order,
 * with the byte offset kept for messages. A stream that ends early is a {@link DicomException}
 * naming the file, the offset and what was being read.
 */
final class DicomInput {
  /** Value lengths of this value mean "undefined": delimited by items. */
  static final long UNDEFINED = 0xFFFFFFFFL;

  static final int ITEM = 0xFFFEE000;
  static final int ITEM_DELIMITER = 0xFFFEE00D;
  static final int SEQUENCE_DELIMITER = 0xFFFEE0DD;

  /** One element header: tag as group &lt;&lt; 16 | element, VR ({@code null} if implicit). */
  record Header(int tag, String vr, long length) {
    boolean undefinedLength() {
      return length == UNDEFINED;
    }

    int group() {
      return tag >>> 16;
    }
  }

  private final String name;
  private PushbackInputStream in;
  private long position;
  private String context = "the file preamble";
  boolean littleEndian = true;
  boolean explicitVr = true;

  DicomInput(InputStream in, String name) {
    this.in = new PushbackInputStream(in, 16);
    this.name = name;
  }

  String name() {
    return name;
  }

  long position() {
    return position;
  }

  /** What is being read, for the message if the stream ends here. */
  void context(String what) {
    context = what;
  }

  /** Reads the rest of the stream through a raw inflater (after a deflated file's meta group). */
  void inflateRest() {
    in = new PushbackInputStream(new InflaterInputStream(in, new Inflater(true), 1 << 16), 16);
  }

  /** Puts {@code bytes} back in front of the stream (at most 8 at a time). */
  void pushBack(byte[] bytes) {
    try {
      in.unread(bytes);
      position -= bytes.length;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  /** Up to {@code n} bytes: fewer only at the end of the stream. */
  byte[] atMost(int n) {
    try {
      byte[] b = in.readNBytes(n);
      position += b.length;
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  /** Whether the stream has no more bytes. */
  boolean atEnd() {
    try {
      int b = in.read();
      if (b < 0) {
        return true;
      }
      in.unread(b);
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  /** The next two bytes as a little-endian group number, without consuming them; -1 at the end. */
  int peekGroupLittleEndian() {
    try {
      byte[] two = in.readNBytes(2);
      if (two.length > 0) {
        in.unread(two);
      }
      return two.length < 2 ? -1 : (two[0] & 0xFF) | (two[1] & 0xFF) << 8;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  /** The next two bytes, without consuming them (fewer at the end of the stream). */
  byte[] peek2() {
    try {
      byte[] two = in.readNBytes(2);
      if (two.length > 0) {
        in.unread(two);
      }
      return two;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  byte[] bytes(long n) {
    if (n > Integer.MAX_VALUE - 16) {
      throw new DicomException(name, context + " declares " + n + " bytes, more than can be held");
    }
    try {
      byte[] b = in.readNBytes((int) n);
      position += b.length;
      if (b.length < n) {
        throw truncated(n);
      }
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  void skip(long n) {
    try {
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          if (in.read() < 0) {
            position += n - left;
            throw truncated(n);
          }
          skipped = 1;
        }
        left -= skipped;
      }
      position += n;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read DICOM file " + name, e);
    }
  }

  int u16() {
    byte[] b = bytes(2);
    return littleEndian ? (b[0] & 0xFF) | (b[1] & 0xFF) << 8 : (b[1] & 0xFF) | (b[0] & 0xFF) << 8;
  }

  long u32() {
    byte[] b = bytes(4);
    long v =
        littleEndian
            ? (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (long) (b[3] & 0xFF) << 24
            : (b[3] & 0xFF) | (b[2] & 0xFF) << 8 | (b[1] & 0xFF) << 16 | (long) (b[0] & 0xFF) << 24;
    return v & 0xFFFFFFFFL;
  }

  /** Reads one element header in the current byte order and VR encoding. */
  Header header() {
    int group = u16();
    int element = u16();
    int tag = group << 16 | element;
    if (group == 0xFFFE || !explicitVr) {
      return new Header(tag, null, u32());
    }
    byte[] vrBytes = bytes(2);
    String vr = new String(vrBytes, StandardCharsets.US_ASCII);
    if (!isVr(vrBytes)) {
      throw new DicomException(
          name,
          "element "
              + tagText(tag)
              + " at byte "
              + (position - 6)
              + " has no valid value representation ("
              + hex(vrBytes)
              + ")");
    }
    if (longForm(vr)) {
      skip(2);
      return new Header(tag, vr, u32());
    }
    return new Header(tag, vr, u16());
  }

  /** Whether two bytes are a value representation: two upper-case ASCII letters. */
  static boolean isVr(byte[] b) {
    return b.length == 2 && b[0] >= 'A' && b[0] <= 'Z' && b[1] >= 'A' && b[1] <= 'Z';
  }

  private static boolean longForm(String vr) {
    return switch (vr) {
      case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV" -> true;
      default -> false;
    };
  }

  static String tagText(int tag) {
    return String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder("0x");
    for (byte x : b) {
      s.append(String.format("%02X", x & 0xFF));
    }
    return s.toString();
  }

  DicomException truncated(long wanted) {
    return new DicomException(
        name, "truncated file: it ends inside " + context + " (at byte " + position + ")");
  }
}
