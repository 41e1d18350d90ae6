package io.medvec.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The SQL statements of Jupyter notebooks: every {@code spark.sql("""...""")} in a code cell. A
 * code cell that calls {@code spark.sql(} any other way (a variable, an f-string, a one-quoted
 * string) is an error, so no statement escapes the test that runs them all.
 */
final class NotebookSql {

  private static final Pattern CALL = Pattern.compile("spark\\.sql\\(");
  private static final Pattern STATEMENT =
      Pattern.compile("spark\\.sql\\(\\s*\"\"\"(.*?)\"\"\"\\s*\\)", Pattern.DOTALL);

  /** One statement and where it comes from ("file.ipynb cell 7"). */
  record Statement(String source, String sql) {}

  private NotebookSql() {}

  /** Every notebook under {@code dir}, in name order. */
  static List<Path> notebooks(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list notebooks in " + dir, e);
    }
  }

  static List<Statement> statements(Path notebook) {
    try {
      return statements(Files.readString(notebook), notebook.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read notebook " + notebook, e);
    }
  }

  static List<Statement> statements(String notebookJson, String name) {
    JsonNode cells;
    try {
      cells = new ObjectMapper().readTree(notebookJson).path("cells");
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read notebook " + name + ": not JSON", e);
    }
    List<Statement> statements = new ArrayList<>();
    for (int i = 0; i < cells.size(); i += 1) {
      JsonNode cell = cells.get(i);
      if (!cell.path("cell_type").asText().equals("code")) {
        continue;
      }
      String code = source(cell.path("source"));
      String where = name + " cell " + i;
      int found = 0;
      for (Matcher m = STATEMENT.matcher(code); m.find(); found += 1) {
        statements.add(new Statement(where, m.group(1).strip()));
      }
      long calls = CALL.matcher(code).results().count();
      if (calls != found) {
        throw new IllegalArgumentException(
            "Cannot extract SQL from "
                + where
                + ": "
                + calls
                + " spark.sql( call(s) but "
                + found
                + " spark.sql(\"\"\"...\"\"\") statement(s)");
      }
    }
    return statements;
  }

  /**
   * Writes a statement's answer as CSV (header, then rows; null as an empty field), for {@code
   * .ci/replay_notebooks.py}, which runs the notebooks' Python on these answers.
   */
  static void writeCsv(Path file, String[] columns, List<org.apache.spark.sql.Row> rows) {
    StringBuilder csv = new StringBuilder();
    csv.append(String.join(",", Stream.of(columns).map(NotebookSql::csvField).toList()))
        .append('\n');
    for (org.apache.spark.sql.Row row : rows) {
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < row.size(); i += 1) {
        fields.add(row.isNullAt(i) ? "" : csvField(String.valueOf(row.get(i))));
      }
      csv.append(String.join(",", fields)).append('\n');
    }
    try {
      Files.writeString(file, csv);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  private static String csvField(String value) {
    boolean quote = value.contains(",") || value.contains("\"") || value.contains("\n");
    return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
  }

  /** A cell's source: one string or a list of lines (nbformat allows both). */
  private static String source(JsonNode source) {
    if (source.isTextual()) {
      return source.asText();
    }
    StringBuilder sb = new StringBuilder();
    source.forEach(line -> sb.append(line.asText()));
    return sb.toString();
  }
}
