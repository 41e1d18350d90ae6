package io.medvec.core.dicom;

import io.medvec.core.dicom.DicomInput.Header;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a DICOM Part 10 stream up to and including the first frame of its Pixel Data: the file meta
 * information, the image attributes of the top-level data set, and the frame's bytes (native
 * samples or one compressed codestream). Nested sequences are walked, never interpreted, so an icon
 * image inside a sequence cannot be mistaken for the image.
 */
final class DicomParser {
  private static final int TRANSFER_SYNTAX = 0x00020010;
  private static final int PIXEL_DATA = 0x7FE00010;
  private static final int FLOAT_PIXEL_DATA = 0x7FE00008;
  private static final int DOUBLE_PIXEL_DATA = 0x7FE00009;

  /** Values of attributes that are read are short; longer ones are skipped. */
  private static final int MAX_READ_VALUE = 1 << 16;

  private final DicomInput in;
  private final DicomOptions options;
  private final DicomAttributes attrs = new DicomAttributes();

  private DicomParser(InputStream stream, String name, DicomOptions options) {
    this.in = new DicomInput(new BufferedInputStream(stream, 1 << 16), name);
    this.options = options;
  }

  /** Parses {@code stream} up to the first frame; the attributes hold that frame's bytes. */
  static DicomAttributes parse(InputStream stream, String name, DicomOptions options) {
    DicomParser parser = new DicomParser(stream, name, options);
    parser.readMeta();
    parser.readDataSet();
    return parser.attrs;
  }

  private DicomException refuse(String why) {
    return new DicomException(in.name(), why);
  }

  private void readMeta() {
    in.context("the 128-byte preamble and DICM prefix");
    byte[] preamble = in.atMost(132);
    if (preamble.length == 0) {
      throw refuse("the file is empty");
    }
    if (preamble.length < 132
        || preamble[128] != 'D'
        || preamble[129] != 'I'
        || preamble[130] != 'C'
        || preamble[131] != 'M') {
      throw refuse(
          "no DICM prefix at byte 128: not a DICOM Part 10 file with file meta information"
              + " (a bare data set's transfer syntax is not guessed)");
    }
    in.littleEndian = true;
    in.explicitVr = true;
    String uid = null;
    while (in.peekGroupLittleEndian() == 0x0002) {
      in.context("the file meta information");
      Header h = in.header();
      if (h.undefinedLength()) {
        throw refuse("file meta element " + DicomInput.tagText(h.tag()) + " has undefined length");
      }
      if (h.tag() == TRANSFER_SYNTAX) {
        uid = text(in.bytes(h.length()));
      } else {
        in.skip(h.length());
      }
    }
    if (uid == null || uid.isEmpty()) {
      throw refuse("its file meta information has no Transfer Syntax UID (0002,0010)");
    }
    String found = uid;
    TransferSyntax syntax =
        TransferSyntax.of(uid).orElseThrow(() -> refuse("unknown transfer syntax (" + found + ")"));
    if (syntax.codec == TransferSyntax.Codec.NONE_AVAILABLE) {
      throw refuse(
          "transfer syntax "
              + syntax
              + " is not supported: no codec for it on the class path (see docs/dicom.md)");
    }
    attrs.syntax = syntax;
    if (syntax.deflated) {
      in.inflateRest();
    }
    in.littleEndian = syntax.littleEndian;
    in.explicitVr = syntax.explicitVr;
  }

  private void readDataSet() {
    detectImplicitVr();
    while (true) {
      if (in.atEnd()) {
        throw refuse(noPixelData());
      }
      in.context("the data set");
      Header h = in.header();
      if (h.tag() == PIXEL_DATA) {
        readPixelData(h);
        return;
      }
      if (h.tag() == FLOAT_PIXEL_DATA || h.tag() == DOUBLE_PIXEL_DATA) {
        throw refuse("float pixel data " + DicomInput.tagText(h.tag()) + " is not supported");
      }
      if (h.undefinedLength()) {
        in.context("the sequence " + DicomInput.tagText(h.tag()));
        skipUndefined(h);
      } else if (attrs.wants(h.tag()) && h.length() > 0 && h.length() <= MAX_READ_VALUE) {
        in.context("element " + DicomInput.tagText(h.tag()));
        attrs.set(h.tag(), in.bytes(h.length()), in.littleEndian);
      } else {
        in.context("element " + DicomInput.tagText(h.tag()));
        in.skip(h.length());
      }
    }
  }

  /**
   * A file whose meta says explicit VR but whose data set starts without a VR is read as implicit
   * VR (as pydicom does, with a warning); the syntax's byte order is kept.
   */
  private void detectImplicitVr() {
    if (!in.explicitVr || in.atEnd()) {
      return;
    }
    byte[] tag = in.bytes(4);
    byte[] vr = in.peek2();
    boolean explicit = DicomInput.isVr(vr);
    in.pushBack(tag);
    if (!explicit) {
      in.explicitVr = false;
      attrs.implicitVrDetected = true;
    }
  }

  private String noPixelData() {
    String what = attrs.modality == null ? "" : " " + attrs.modality;
    return "the"
        + what
        + " object has no Pixel Data (7FE0,0010): not an image"
        + (attrs.sopClassUid == null ? "" : " (SOP Class " + attrs.sopClassUid + ")");
  }

  /** Walks an undefined-length sequence (or UN) to its delimiter, skipping every value. */
  private void skipUndefined(Header h) {
    boolean savedExplicit = in.explicitVr;
    boolean savedLittle = in.littleEndian;
    if ("UN".equals(h.vr())) {
      // PS3.5 6.2.2: an undefined-length UN holds implicit VR little endian items
      in.explicitVr = false;
      in.littleEndian = true;
    }
    while (true) {
      Header item = in.header();
      if (item.tag() == DicomInput.SEQUENCE_DELIMITER) {
        break;
      }
      if (item.tag() != DicomInput.ITEM) {
        throw refuse(
            "sequence item expected at byte "
                + (in.position() - 8)
                + ", found element "
                + DicomInput.tagText(item.tag()));
      }
      if (item.undefinedLength()) {
        skipItem();
      } else {
        in.skip(item.length());
      }
    }
    in.explicitVr = savedExplicit;
    in.littleEndian = savedLittle;
  }

  private void skipItem() {
    while (true) {
      Header e = in.header();
      if (e.tag() == DicomInput.ITEM_DELIMITER) {
        return;
      }
      if (e.undefinedLength()) {
        skipUndefined(e);
      } else {
        in.skip(e.length());
      }
    }
  }

  private void readPixelData(Header h) {
    attrs.validateImage(in.name());
    long declared = attrs.declaredPixelBytes();
    if (declared > options.maxPixelBytes()) {
      throw refuse(
          "its declared image of "
              + attrs.shapeText()
              + " needs "
              + declared
              + " bytes, more than data.dicom.max-pixel-bytes ("
              + options.maxPixelBytes()
              + ")");
    }
    if (attrs.frames > 1 && options.multiFrame() == MultiFramePolicy.REFUSE) {
      throw refuse(
          "it holds "
              + attrs.frames
              + " frames and data.dicom.multi-frame is refuse ("
              + attrs.shapeText()
              + ")");
    }
    in.context("the Pixel Data (7FE0,0010)");
    if (attrs.syntax.encapsulated()) {
      if (!h.undefinedLength()) {
        throw refuse(
            "transfer syntax "
                + attrs.syntax
                + " needs encapsulated Pixel Data, but it has a defined length ("
                + h.length()
                + ")");
      }
      readFragments();
    } else {
      if (h.undefinedLength()) {
        throw refuse("native Pixel Data (7FE0,0010) has undefined length");
      }
      if (h.length() < declared) {
        throw refuse(
            "Pixel Data holds "
                + h.length()
                + " bytes but "
                + attrs.shapeText()
                + " needs "
                + declared);
      }
      long frameBytes = declared / attrs.frames;
      attrs.frame = in.bytes(frameBytes);
      in.skip(h.length() - frameBytes);
    }
  }

  /**
   * Reads every fragment (so a file cut short is refused) and keeps those of the first frame: by
   * the Basic Offset Table when it has entries, else all fragments of a single-frame image, else
   * (several frames, empty table) the first fragment and its continuations up to the next one that
   * starts a new codestream.
   */
  private void readFragments() {
    Header table = in.header();
    if (table.tag() != DicomInput.ITEM || table.undefinedLength()) {
      throw refuse("encapsulated Pixel Data does not start with a Basic Offset Table item");
    }
    in.context("the Basic Offset Table");
    long secondFrameOffset = Long.MAX_VALUE;
    if (table.length() >= 8 && attrs.frames > 1) {
      in.u32();
      secondFrameOffset = in.u32();
      in.skip(table.length() - 8);
    } else {
      in.skip(table.length());
    }
    List<byte[]> first = new ArrayList<>();
    long offset = 0;
    long total = 0;
    boolean collecting = true;
    for (int fragment = 1; ; fragment++) {
      in.context("Pixel Data fragment " + fragment);
      Header item = in.header();
      if (item.tag() == DicomInput.SEQUENCE_DELIMITER) {
        break;
      }
      if (item.tag() != DicomInput.ITEM || item.undefinedLength()) {
        throw refuse(
            "Pixel Data fragment "
                + fragment
                + " is not an item of defined length ("
                + DicomInput.tagText(item.tag())
                + ")");
      }
      total += item.length();
      if (total > options.maxPixelBytes()) {
        throw refuse(
            "its compressed Pixel Data exceeds data.dicom.max-pixel-bytes ("
                + options.maxPixelBytes()
                + ")");
      }
      if (collecting && offset >= secondFrameOffset) {
        collecting = false;
      }
      if (collecting) {
        byte[] bytes = in.bytes(item.length());
        if (!first.isEmpty() && attrs.frames > 1 && startsFrame(bytes)) {
          collecting = secondFrameOffset != Long.MAX_VALUE && offset < secondFrameOffset;
        }
        if (collecting) {
          first.add(bytes);
        }
      } else {
        in.skip(item.length());
      }
      offset += 8 + item.length();
    }
    if (first.isEmpty()) {
      throw refuse("encapsulated Pixel Data has no fragments");
    }
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    first.forEach(frame::writeBytes);
    attrs.frame = frame.toByteArray();
  }

  /** Whether a fragment opens a new frame: RLE (one fragment per frame), JPEG SOI, J2K SOC. */
  private boolean startsFrame(byte[] b) {
    if (attrs.syntax.codec == TransferSyntax.Codec.RLE) {
      return true;
    }
    return b.length >= 2
        && (b[0] & 0xFF) == 0xFF
        && ((b[1] & 0xFF) == 0xD8 || (b[1] & 0xFF) == 0x4F);
  }

  static String text(byte[] value) {
    int end = value.length;
    while (end > 0 && (value[end - 1] == 0 || value[end - 1] == ' ')) {
      end--;
    }
    int start = 0;
    while (start < end && value[start] == ' ') {
      start++;
    }
    return new String(value, start, end - start, StandardCharsets.US_ASCII);
  }
}
