package io.medvec.core.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Test-side npy/npz writer and an independent raw reader (random-access {@link ZipFile} plus a
 * fixed-offset npy scan) to check {@link NpzReader} against.
 */
final class NpzFixtures {
  private NpzFixtures() {}

  /** An npy array; {@code header} is the dict text, e.g. {@code {'descr': '|u1', ...}}. */
  static byte[] npy(int major, String header, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int prefix = 6 + 2 + (major == 1 ? 2 : 4);
    int padded = (prefix + header.length() + 1 + 63) / 64 * 64; // numpy aligns data to 64
    String text = header + " ".repeat(padded - prefix - header.length() - 1) + "\n";
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    ByteBuffer length = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
    if (major == 1) {
      length.putShort((short) text.length());
    } else {
      length.putInt(text.length());
    }
    out.writeBytes(length.array());
    out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(data);
    return out.toByteArray();
  }

  static String header(String descr, boolean fortran, long... shape) {
    StringBuilder dims = new StringBuilder();
    for (long dim : shape) {
      dims.append(dim).append(", ");
    }
    String tuple =
        shape.length == 1
            ? "(" + shape[0] + ",)"
            : "(" + dims.toString().replaceAll(", $", "") + ")";
    return String.format(
        "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
        descr, fortran ? "True" : "False", tuple);
  }

  /** Grey images (n, h, w) with pixel value {@code (i * 7) % 256} at flat position i. */
  static byte[] greyImages(int n, int h, int w) {
    byte[] data = new byte[n * h * w];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7 % 256);
    }
    return npy(1, header("|u1", false, n, h, w), data);
  }

  /** Labels (n, 1) as uint8. */
  static byte[] labels(int... values) {
    byte[] data = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      data[i] = (byte) values[i];
    }
    return npy(1, header("|u1", false, values.length, 1), data);
  }

  /** A valid 2-class grey dataset with 3/2/2 images of 4x5 in train/val/test. */
  static Map<String, byte[]> validGrey() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("train_images", greyImages(3, 4, 5));
    entries.put("val_images", greyImages(2, 4, 5));
    entries.put("test_images", greyImages(2, 4, 5));
    entries.put("train_labels", labels(0, 1, 1));
    entries.put("val_labels", labels(1, 0));
    entries.put("test_labels", labels(0, 0));
    return entries;
  }

  /** ZIP with {@code <key>.npy} entries; deflated entries get data descriptors. */
  static byte[] npz(Map<String, byte[]> entries, boolean stored) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
        if (stored) {
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(e.getValue().length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Raw data bytes of one uint8 npy entry of a real npz (npy 1.0 header at a fixed offset). */
  static byte[] rawData(Path npz, String key) throws IOException {
    try (ZipFile zip = new ZipFile(npz.toFile());
        InputStream in = zip.getInputStream(zip.getEntry(key + ".npy"))) {
      byte[] all = in.readAllBytes();
      int headerLength = (all[8] & 0xff) | (all[9] & 0xff) << 8;
      return Arrays.copyOfRange(all, 10 + headerLength, all.length);
    }
  }
}
