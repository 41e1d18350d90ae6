package io.medvec.core.source;

import io.medvec.core.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;

/** The real image folders in ../shared/data and their labels.csv, for source tests. */
final class Sources {

  static final List<String> ISIC_CLASSES =
      List.of(
          "actinic_keratosis",
          "basal_cell_carcinoma",
          "dermatofibroma",
          "melanoma",
          "nevus",
          "pigmented_benign_keratosis",
          "seborrheic_keratosis",
          "squamous_cell_carcinoma",
          "vascular_lesion");

  private Sources() {}

  static Configuration conf() {
    return new Configuration(false);
  }

  static Path isic() {
    return TestData.sharedDir().resolve("isic-skin");
  }

  static Path ham() {
    return TestData.sharedDir().resolve("ham10000_sample70");
  }

  static org.apache.hadoop.fs.Path hadoop(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  /** labels.csv as rows of column name to value (these files have no quoted fields). */
  static List<Map<String, String>> labels(Path root) {
    try {
      List<String> lines = Files.readAllLines(root.resolve("labels.csv"));
      String[] header = lines.get(0).split(",", -1);
      List<Map<String, String>> rows = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",", -1);
        Map<String, String> row = new TreeMap<>();
        for (int i = 0; i < header.length; i++) {
          row.put(header[i], f[i]);
        }
        rows.add(row);
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
