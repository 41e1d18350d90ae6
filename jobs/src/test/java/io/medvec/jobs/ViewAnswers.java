package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;

/**
 * Spark's answers about the three {@code bin/medvec sql} views of one output root, recorded for
 * {@code .ci/run}, which asks DuckDB ({@code notebooks/duckdb/query.mjs}) the same questions on a
 * local copy of that root and requires the same answers: column names in order, row counts, and the
 * rows' identifying columns.
 *
 * <p>Layout: {@code DIR/out/} is the copy (hidden debris included), {@code DIR/NNN.sql} a query and
 * {@code DIR/NNN.tsv} Spark's answer as {@code query.mjs} prints it: a tab-separated header line,
 * then one line per row, {@code NULL} for nulls.
 */
public final class ViewAnswers {

  /**
   * Where tests record answers, one directory per output root ({@code jobs/target/view-answers}).
   */
  static final java.nio.file.Path ROOT =
      java.nio.file.Path.of("target", "view-answers").toAbsolutePath();

  private static final List<String> VIEWS =
      List.of(QueryMetricsJob.METRICS, QueryMetricsJob.VECTORS, QueryMetricsJob.MERGES);

  /** The identifying columns of each view's rows, for views with at least one row. */
  private static final List<String> KEYS =
      List.of(
          "SELECT run_id, model_kind, split, count(*) AS n FROM metrics"
              + " GROUP BY run_id, model_kind, split ORDER BY run_id, model_kind, split",
          "SELECT run_id, base_fingerprint, hospital FROM vectors ORDER BY run_id, base_fingerprint, hospital",
          "SELECT run_id, base_fingerprint FROM merges ORDER BY run_id, base_fingerprint");

  private ViewAnswers() {}

  /**
   * Copies {@code out} (any Hadoop URI) to {@code ROOT/name/out} and records Spark's answers next
   * to it; returns each view's row count, in the order metrics, vectors, merges.
   */
  public static List<Long> record(String name, String out, Configuration conf) {
    return record(name, out, conf, List.of());
  }

  /** As above, recording the answers of {@code extra} queries too (after the views'). */
  public static List<Long> record(String name, String out, Configuration conf, List<String> extra) {
    java.nio.file.Path dir = ROOT.resolve(name);
    FileUtil.fullyDelete(dir.toFile());
    java.nio.file.Path copy = dir.resolve("out");
    try {
      Files.createDirectories(dir);
      Path source = new Path(out);
      if (source.getFileSystem(conf).exists(source)) {
        FileUtil.copy(
            source.getFileSystem(conf),
            source,
            FileSystem.getLocal(conf),
            new Path(copy.toUri()),
            false,
            conf);
      } else {
        Files.createDirectories(copy);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy " + out + " to " + copy, e);
    }
    QueryMetricsJob job =
        new QueryMetricsJob(SparkTests.spark(), new QueryMetricsJob.Config(out, 100_000));
    List<String> queries = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i < VIEWS.size(); i += 1) {
      String view = VIEWS.get(i);
      queries.add("SELECT * FROM " + view + " LIMIT 0");
      String count = "SELECT count(*) AS n FROM " + view;
      queries.add(count);
      counts.add(Long.parseLong(job.run(count).rows().get(0).get(0)));
      if (counts.get(i) > 0) {
        queries.add(KEYS.get(i));
      }
    }
    queries.addAll(extra);
    for (int i = 0; i < queries.size(); i += 1) {
      QueryMetricsJob.Result answer = job.run(queries.get(i));
      assertThat(answer.truncated()).as(queries.get(i)).isFalse();
      write(dir.resolve(String.format("%03d.sql", i)), queries.get(i) + "\n");
      write(dir.resolve(String.format("%03d.tsv", i)), tsv(answer));
    }
    return counts;
  }

  private static String tsv(QueryMetricsJob.Result answer) {
    StringBuilder sb = new StringBuilder(String.join("\t", answer.columns())).append('\n');
    for (List<String> row : answer.rows()) {
      sb.append(String.join("\t", row.stream().map(v -> v == null ? "NULL" : v).toList()))
          .append('\n');
    }
    return sb.toString();
  }

  private static void write(java.nio.file.Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }
}
