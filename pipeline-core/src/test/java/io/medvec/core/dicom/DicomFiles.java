package io.medvec.core.dicom;

import io.medvec.core.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real DICOM files in ../shared/data/dicom and their reference.csv rows. */
final class DicomFiles {
  private DicomFiles() {}

  /** One reference.csv row; the statistics are null where the reference decoder had none. */
  record Reference(
      String file,
      String modality,
      int rows,
      int columns,
      int bitsAllocated,
      String photometric,
      String transferSyntax,
      int samples,
      Double min,
      Double max,
      Double mean) {
    boolean hasStatistics() {
      return min != null;
    }
  }

  static Path dir() {
    return TestData.sharedDir().resolve("dicom");
  }

  static List<Reference> references() {
    try {
      List<String> lines = Files.readAllLines(dir().resolve("reference.csv"));
      List<Reference> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        List<String> f = csv(line);
        out.add(
            new Reference(
                f.get(0),
                f.get(1),
                Integer.parseInt(f.get(2)),
                Integer.parseInt(f.get(3)),
                Integer.parseInt(f.get(5)),
                f.get(6),
                f.get(7),
                Integer.parseInt(f.get(8)),
                number(f.get(9)),
                number(f.get(10)),
                number(f.get(11))));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Path> bad() {
    try (var files = Files.list(dir().resolve("bad"))) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DicomImage decode(Path file, DicomOptions options) {
    try (InputStream in = Files.newInputStream(file)) {
      return DicomDecoder.decode(in, file.toString(), options);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DicomImage decode(String relative) {
    return decode(dir().resolve(relative), DicomOptions.defaults());
  }

  private static Double number(String s) {
    return s.isEmpty() ? null : Double.valueOf(s);
  }

  private static List<String> csv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    out.add(cell.toString());
    return out;
  }

  /** min, max, mean of {@code v}. */
  static double[] stats(float[] v) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (float x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    return new double[] {min, max, sum / v.length};
  }
}
