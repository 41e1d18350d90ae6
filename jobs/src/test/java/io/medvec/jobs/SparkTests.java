package io.medvec.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.SparkSession;

/** One local[2] session per test JVM (UI off), and real-data fixtures. */
public final class SparkTests {

  private static SparkSession spark;

  private SparkTests() {}

  public static synchronized SparkSession spark() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("medvec-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .getOrCreate();
    }
    return spark;
  }

  public static Path sharedData() {
    String prop = System.getProperty("medvec.shared.data", "../../shared/data");
    Path dir = Path.of(prop);
    if (!Files.isRegularFile(dir.resolve("pneumoniamnist.npz"))) {
      dir = Path.of("../../shared/data");
    }
    return dir.toAbsolutePath().normalize();
  }

  /**
   * Writes the first {@code train}/{@code val}/{@code test} images of a real MedMNIST file into a
   * smaller .npz of the same format (npy 1.0, uint8), keeping the file name.
   */
  static Path subset(String dataset, Path dir, int train, int val, int test) {
    Path out = dir.resolve(dataset + ".npz");
    try (ZipInputStream in =
            new ZipInputStream(Files.newInputStream(sharedData().resolve(dataset + ".npz")));
        ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        byte[] npy = in.readAllBytes();
        int keep =
            e.getName().startsWith("train") ? train : e.getName().startsWith("val") ? val : test;
        zip.putNextEntry(new ZipEntry(e.getName()));
        zip.write(truncate(npy, keep));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Keeps the first {@code n} rows of a C-order uint8 npy (version 1.0) array. */
  private static byte[] truncate(byte[] npy, int n) {
    int headerLen = ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
    String header = new String(npy, 10, headerLen, StandardCharsets.ISO_8859_1);
    String shape =
        header.substring(
            header.indexOf("'shape': (") + 10, header.indexOf(')', header.indexOf("'shape'")));
    String[] dims = shape.split(",\\s*");
    long rows = Long.parseLong(dims[0].trim());
    long rowBytes = (npy.length - 10 - headerLen) / rows;
    String newHeader = header.replace("'shape': (" + dims[0].trim(), "'shape': (" + n);
    int pad = 64 - (10 + newHeader.trim().length() + 1) % 64;
    String padded = newHeader.trim() + " ".repeat(pad % 64) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(npy, 0, 8);
    out.write(padded.length() & 0xff);
    out.write(padded.length() >> 8);
    out.writeBytes(padded.getBytes(StandardCharsets.ISO_8859_1));
    out.write(npy, 10 + headerLen, (int) (rowBytes * n));
    return out.toByteArray();
  }
}
