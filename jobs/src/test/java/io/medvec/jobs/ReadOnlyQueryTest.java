package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code bin/medvec sql} is read-only: each kind of statement that writes, changes the session or
 * runs code is refused (exit 2) naming it, before Spark runs it, and the file system is unchanged.
 */
class ReadOnlyQueryTest {

  @TempDir Path dir;
  private Path victim;
  private QueryMetricsJob job;

  @BeforeEach
  void outputRootAndAFileAWriteWouldReplace() throws IOException {
    victim = Files.createDirectories(dir.resolve("victim"));
    Files.writeString(victim.resolve("part-0.txt"), "committed");
    job =
        new QueryMetricsJob(
            SparkTests.spark(), new QueryMetricsJob.Config(dir.resolve("out").toString(), 10));
  }

  static Stream<Arguments> writes() {
    String v = "'VICTIM'";
    return Stream.of(
        Arguments.of("INSERT OVERWRITE DIRECTORY " + v + " USING csv SELECT 1", "InsertIntoDir"),
        Arguments.of("INSERT OVERWRITE LOCAL DIRECTORY " + v + " SELECT 1", "InsertIntoDir"),
        Arguments.of("INSERT INTO metrics SELECT * FROM metrics", "InsertIntoStatement"),
        Arguments.of(
            "WITH m AS (SELECT * FROM metrics) INSERT OVERWRITE DIRECTORY "
                + v
                + " USING parquet SELECT * FROM m",
            "InsertIntoDir"),
        Arguments.of("CREATE TABLE t USING parquet LOCATION " + v + " AS SELECT 1 AS x", "Create"),
        Arguments.of("CREATE TEMPORARY VIEW w AS SELECT 1", "CreateView"),
        Arguments.of("CREATE OR REPLACE TEMPORARY VIEW metrics AS SELECT 1", "CreateView"),
        Arguments.of("DROP VIEW metrics", "Drop"),
        Arguments.of("ALTER VIEW metrics AS SELECT 1", "Alter"),
        Arguments.of("CACHE TABLE metrics", "Cache"),
        Arguments.of("CACHE TABLE c AS SELECT * FROM metrics", "Cache"),
        Arguments.of("UNCACHE TABLE metrics", "Uncache"),
        Arguments.of("SET spark.sql.warehouse.dir=" + v, "SetCommand"),
        Arguments.of("SET spark.hadoop.fs.defaultFS=file:///", "SetCommand"),
        Arguments.of("RESET", "ResetCommand"),
        Arguments.of("ADD JAR /tmp/x.jar", "AddJarsCommand"),
        Arguments.of("ADD FILE " + v, "AddFilesCommand"),
        Arguments.of("REFRESH TABLE metrics", "Refresh"),
        Arguments.of("CLEAR CACHE", "ClearCache"),
        Arguments.of("USE other", "SetCatalogAndNamespace"),
        Arguments.of("DESCRIBE metrics", "Describe"),
        Arguments.of("EXPLAIN INSERT OVERWRITE DIRECTORY " + v + " SELECT 1", "Explain"),
        Arguments.of("SELECT TRANSFORM(1) USING 'touch VICTIM/x' AS (y)", "TRANSFORM"),
        Arguments.of("SELECT reflect('java.lang.System', 'exit', 3)", "reflect()"),
        Arguments.of(
            "SELECT * FROM metrics WHERE run_id IN (SELECT java_method('java.lang.System',"
                + " 'getProperty', 'user.home'))",
            "java_method()"));
  }

  @ParameterizedTest
  @MethodSource("writes")
  void aStatementOtherThanAQueryIsRefusedNamingItAndChangesNothing(String sql, String named)
      throws IOException {
    String statement = sql.replace("VICTIM", victim.toString());
    assertThatThrownBy(() -> job.run(statement))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Cannot run statement: bin/medvec sql runs only read-only queries")
        .hasMessageContaining(named)
        .hasMessageEndingWith("(" + statement + ")");
    assertThat(ExitCode.of(new ConfigException("x"))).isEqualTo(ExitCode.BAD_CONFIG);
    try (Stream<Path> files = Files.list(victim)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("part-0.txt");
    }
    assertThat(Files.readString(victim.resolve("part-0.txt"))).isEqualTo("committed");
    assertThat(job.session().catalog().tableExists("w")).isFalse();
    assertThat(job.session().conf().get("spark.sql.warehouse.dir")).doesNotContain("victim");
  }

  @Test
  void twoStatementsAreRefusedAsOneThatDoesNotParse() {
    String two = "SELECT 1; INSERT OVERWRITE DIRECTORY '" + victim + "' SELECT 1";
    assertThatThrownBy(() -> job.run(two))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Cannot run ")
        .hasMessageEndingWith("(" + two + ")");
    assertThat(victim.resolve("part-0.txt")).hasContent("committed");
  }

  @Test
  void queriesRunIncludingCtesSubqueriesValuesAndTable() {
    assertThat(job.run("SELECT 1 AS one").rows()).containsExactly(List.of("1"));
    assertThat(job.run("WITH a AS (SELECT 2 AS x) SELECT x FROM a").rows())
        .containsExactly(List.of("2"));
    assertThat(job.run("VALUES (3)").rows()).containsExactly(List.of("3"));
    assertThat(job.run("TABLE metrics").rows()).isEmpty();
    assertThat(job.run("SELECT transform(array(1, 2), v -> v * 10) AS t").rows())
        .containsExactly(List.of("[10, 20]"));
    assertThat(job.run("SELECT explode(sequence(1, 2)) AS n ORDER BY n").rows())
        .containsExactly(List.of("1"), List.of("2"));
    assertThat(
            job.run(
                    "SELECT count(*) FROM vectors WHERE hospital IN (SELECT hospital FROM"
                        + " vectors) UNION ALL SELECT 4")
                .rows())
        .containsExactly(List.of("0"), List.of("4"));
  }
}
