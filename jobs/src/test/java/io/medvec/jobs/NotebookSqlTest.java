package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Extraction of notebook SQL (the statements themselves run in HdfsPipelineIT). */
class NotebookSqlTest {

  static final Path NOTEBOOKS = Path.of("..", "notebooks").toAbsolutePath().normalize();

  private static String notebook(String... codeCells) {
    StringBuilder cells =
        new StringBuilder(
            "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"spark.sql(x)\"}");
    for (String code : codeCells) {
      cells.append(", {\"cell_type\": \"code\", \"source\": ").append(code).append('}');
    }
    return cells.append("]}").toString();
  }

  @Test
  void extractsEveryTripleQuotedStatementFromStringOrLineSources() {
    String json =
        notebook(
            "\"df = spark.sql(\\\"\\\"\\\"\\nSELECT 1\\n\\\"\\\"\\\")\\nx = spark.sql(\\\"\\\"\\\"SELECT 2\\\"\\\"\\\")\"",
            "[\"y = spark.sql(\\\"\\\"\\\"\\n\", \"SELECT run_id\\n\", \"FROM metrics\\n\", \"\\\"\\\"\\\").toPandas()\"]");
    assertThat(NotebookSql.statements(json, "t.ipynb"))
        .containsExactly(
            new NotebookSql.Statement("t.ipynb cell 1", "SELECT 1"),
            new NotebookSql.Statement("t.ipynb cell 1", "SELECT 2"),
            new NotebookSql.Statement("t.ipynb cell 2", "SELECT run_id\nFROM metrics"));
  }

  @Test
  void aStatementTheTestCannotSeeIsAnError() {
    String json = notebook("\"q = 'SELECT 1'\\nspark.sql(q)\"");
    assertThatThrownBy(() -> NotebookSql.statements(json, "t.ipynb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot extract SQL from t.ipynb cell 1: 1 spark.sql( call(s) but 0 spark.sql(\"\"\"...\"\"\") statement(s)");
    String fString = notebook("\"spark.sql(f\\\"\\\"\\\"SELECT {x}\\\"\\\"\\\")\"");
    assertThatThrownBy(() -> NotebookSql.statements(fString, "f.ipynb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("f.ipynb cell 1");
  }

  @Test
  void theNotebooksHoldStatementsForEveryAnalysis() {
    List<Path> notebooks = NotebookSql.notebooks(NOTEBOOKS);
    assertThat(notebooks).isNotEmpty();
    List<String> sql =
        notebooks.stream()
            .flatMap(n -> NotebookSql.statements(n).stream())
            .map(NotebookSql.Statement::sql)
            .toList();
    assertThat(sql)
        .hasSizeGreaterThanOrEqualTo(4)
        .anySatisfy(
            s -> assertThat(s).contains("merged").contains("single_site").contains("pretrained"))
        .anySatisfy(s -> assertThat(s).contains("label IS NOT NULL"))
        .anySatisfy(s -> assertThat(s).contains("FROM merges"));
  }
}
