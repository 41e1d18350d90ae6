package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/medvec sql} without Spark: command line, config and printing (queries run in
 * HdfsPipelineIT).
 */
class QueryMetricsJobTest {

  @Test
  void queryIsThePositionalArgumentsAndFlagsAreShorthands() {
    CliArgs cli =
        CliArgs.parse(new String[] {"--out", "hdfs://nn:8020/medvec", "--limit", "5", "SELECT 1"});
    QueryMetricsJob.Config config =
        JobMain.parseConfig(
            cli, QueryMetricsJob.NAME, QueryMetricsJob.FLAG_KEYS, QueryMetricsJob.Config::from);
    assertThat(config).isEqualTo(new QueryMetricsJob.Config("hdfs://nn:8020/medvec", 5));
    assertThat(QueryMetricsJob.query(cli)).isEqualTo("SELECT 1");
    assertThat(
            QueryMetricsJob.query(CliArgs.parse(new String[] {"SELECT", "*", "FROM", "metrics"})))
        .isEqualTo("SELECT * FROM metrics");
    assertThat(QueryMetricsJob.Config.from(ConfigMap.empty()))
        .isEqualTo(new QueryMetricsJob.Config("medvec-out", 100));
  }

  @Test
  void badCommandLinesExitWithTwoBeforeSparkStarts() {
    assertThat(QueryMetricsJob.execute(new String[] {"--out", "x"}))
        .isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(QueryMetricsJob.execute(new String[] {"--limit", "0", "SELECT 1"}))
        .isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(QueryMetricsJob.execute(new String[] {"--run-id", "x", "SELECT 1"}))
        .isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThatThrownBy(() -> QueryMetricsJob.query(CliArgs.parse(new String[] {"--out", "x"})))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Missing query");
    assertThatThrownBy(() -> new QueryMetricsJob.Config(" ", 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'out'");
  }

  @Test
  void resultPrintsAsAFixedWidthTable() {
    QueryMetricsJob.Result result =
        new QueryMetricsJob.Result(
            "q",
            List.of("model_kind", "value"),
            List.of(List.of("merged", "0.91"), Arrays.asList("single_site", null)),
            true);
    assertThat(result.table())
        .isEqualTo(
            String.join(
                "\n",
                "model_kind   value",
                "-----------  -----",
                "merged       0.91",
                "single_site  NULL",
                "(first 2 rows; --limit N for more)"));
    assertThat(new QueryMetricsJob.Result("q", List.of("n"), List.of(List.of("1")), false).table())
        .endsWith("\n(1 rows)");
  }
}
