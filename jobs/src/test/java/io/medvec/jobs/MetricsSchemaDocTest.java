package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/**
 * docs/querying.md's metrics-table schema names exactly the columns readers get, with their types.
 */
class MetricsSchemaDocTest {

  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\| ([a-z]+)[^|]*\\|");

  @Test
  void queryingPageDocumentsEveryColumnWithItsType() throws Exception {
    String page = Files.readString(Path.of("..", "docs", "querying.md"));
    int start = page.indexOf("### The metrics table");
    assertThat(start).as("docs/querying.md section").isPositive();
    List<String> documented = new ArrayList<>();
    for (String line : page.substring(start, page.indexOf("\n### ", start + 1)).split("\n")) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        documented.add(m.group(1) + ":" + m.group(2));
      }
    }
    List<String> actual = new ArrayList<>();
    for (StructField field : QueryMetricsJob.METRICS_SCHEMA.fields()) {
      actual.add(field.name() + ":" + field.dataType().simpleString());
    }
    assertThat(documented).containsExactlyInAnyOrderElementsOf(actual);
  }
}
