package io.medvec.jobs;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.store.SiteMetricsTable;
import io.medvec.core.store.StoreScan;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.MetricsSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bin/medvec sql "QUERY"}: Spark SQL over one output root, with four views:
 *
 * <ul>
 *   <li>{@code metrics}: the metrics table ({@code OUT/metrics}, partitioned by {@code run_id},
 *       which stays a string: run ids like 2026-11-27 are not dates);
 *   <li>{@code vectors}: one row per published data vector ({@code OUT/vectors/base=*}{@code
 *       /hospital=*}{@code /manifest.json}, and the run-scoped ones under {@code OUT/runs/*}{@code
 *       /vectors/});
 *   <li>{@code merges}: one row per run's merge ({@code OUT/runs/*}{@code /merged/manifest.json}),
 *       with the vectors it used;
 *   <li>{@code site_metrics}: the sites' published metrics ({@code OUT/site-metrics}, partitioned
 *       by {@code run_id} and {@code site}, both strings): the site × model matrix of cross-site
 *       evaluation.
 * </ul>
 *
 * Only committed directories (with {@code _SUCCESS}) are read, like every other job. The views live
 * in a child session, so neither they nor its settings leak into the caller's session. The job is
 * read-only: a statement other than a query (INSERT, CREATE, SET, ADD JAR, CACHE, …, also inside a
 * CTE) is refused before Spark runs it ({@link ReadOnlyQuery}).
 */
public final class QueryMetricsJob {

  static final String NAME = "sql";
  static final String METRICS = "metrics";
  static final String VECTORS = "vectors";
  static final String MERGES = "merges";
  static final String SITE_METRICS = "site_metrics";

  /** Run ids are names: never infer dates or numbers from {@code run_id=...} directories. */
  static final String INFER_PARTITION_TYPES =
      "spark.sql.sources.partitionColumnTypeInference.enabled";

  static final Map<String, String> FLAG_KEYS = Map.of("out", "out", "limit", "sql.limit");

  /** The metrics table as readers see it: the written columns plus the {@code run_id} partition. */
  static final StructType METRICS_SCHEMA = MetricsSchema.READ;

  /**
   * @param out {@link CommonConfig#OUT}: the output root to query
   * @param limit {@link #LIMIT}
   */
  public record Config(String out, int limit) {
    public Config {
      if (out == null || out.isBlank()) {
        throw new ConfigException("Invalid config key 'out': must not be empty");
      }
    }

    static final ConfigKey<Integer> LIMIT =
        ConfigKey.integer("sql.limit", 100, 1, 1_000_000, "most rows returned and printed");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS = List.of(ConfigGroup.of("sql", CommonConfig.OUT, LIMIT));

    public static Config from(ConfigMap map) {
      return new Config(CommonConfig.OUT.read(map), LIMIT.read(map));
    }
  }

  /**
   * A query's answer.
   *
   * @param columns column names in query order
   * @param rows at most {@code limit} rows, values as Spark casts them to string (null stays null)
   * @param truncated whether the query had more rows than returned
   */
  public record Result(
      String query, List<String> columns, List<List<String>> rows, boolean truncated) {
    public Result {
      columns = List.copyOf(columns);
      rows = rows.stream().map(r -> Collections.unmodifiableList(new ArrayList<>(r))).toList();
    }

    /** A fixed-width text table, NULL for nulls, and a line saying how many rows there are. */
    public String table() {
      int[] width = columns.stream().mapToInt(String::length).toArray();
      for (List<String> row : rows) {
        for (int i = 0; i < width.length; i += 1) {
          width[i] = Math.max(width[i], cell(row.get(i)).length());
        }
      }
      StringBuilder sb = new StringBuilder(line(columns, width));
      sb.append(line(Arrays.stream(width).mapToObj("-"::repeat).toList(), width));
      rows.forEach(row -> sb.append(line(row, width)));
      sb.append(
          truncated
              ? "(first " + rows.size() + " rows; --limit N for more)"
              : "(" + rows.size() + " rows)");
      return sb.toString();
    }

    private static String line(List<String> values, int[] width) {
      List<String> cells = new ArrayList<>();
      for (int i = 0; i < width.length; i += 1) {
        cells.add(String.format(Locale.ROOT, "%-" + width[i] + "s", cell(values.get(i))));
      }
      return String.join("  ", cells).stripTrailing() + "\n";
    }

    private static String cell(String value) {
      return value == null ? "NULL" : value;
    }
  }

  private final SparkSession session;
  private final Configuration hadoop;
  private final OutputLayout paths;
  private final Config config;
  private boolean registered;

  public QueryMetricsJob(SparkSession spark, Config config) {
    this.session = spark.newSession();
    this.hadoop = spark.sparkContext().hadoopConfiguration();
    this.paths = new OutputLayout(HadoopFiles.qualify(hadoop, config.out()), "default");
    this.config = config;
  }

  /** The session holding the views (registered on first use), for callers that run many queries. */
  public SparkSession session() {
    if (!registered) {
      session.conf().set(INFER_PARTITION_TYPES, "false");
      StoreScan scan = new StoreScan(hadoop, paths);
      manifests(scan.vectorDirs(), "hospital STRING, base_fingerprint STRING")
          .createOrReplaceTempView(VECTORS);
      manifests(scan.mergedDirs(), "run_id STRING, base_fingerprint STRING")
          .createOrReplaceTempView(MERGES);
      metrics(scan.metricsPartitions()).createOrReplaceTempView(METRICS);
      siteMetrics(scan.siteMetricsPartitions()).createOrReplaceTempView(SITE_METRICS);
      registered = true;
    }
    return session;
  }

  /**
   * Runs one query; bad SQL (unknown view or column, syntax) and any statement other than a
   * read-only query (see {@link ReadOnlyQuery}) are a {@link ConfigException}.
   */
  public Result run(String query) {
    if (query == null || query.isBlank()) {
      throw new ConfigException("Missing query: bin/medvec sql \"SELECT ... FROM metrics\"");
    }
    Dataset<Row> answer = sql(query);
    List<String> columns = List.of(answer.columns());
    // positional names: a query may return two columns of the same name
    Column[] asText = new Column[columns.size()];
    for (int i = 0; i < asText.length; i += 1) {
      asText[i] = functions.col("c" + i).cast(DataTypes.StringType);
    }
    String[] names =
        IntStream.range(0, asText.length).mapToObj(i -> "c" + i).toArray(String[]::new);
    List<Row> collected =
        answer.toDF(names).select(asText).limit(config.limit() + 1).collectAsList();
    List<List<String>> rows = new ArrayList<>();
    for (Row row : collected.subList(0, Math.min(config.limit(), collected.size()))) {
      List<String> values = new ArrayList<>();
      for (int i = 0; i < row.size(); i += 1) {
        values.add(row.isNullAt(i) ? null : row.getString(i));
      }
      rows.add(values);
    }
    return new Result(query, columns, rows, collected.size() > config.limit());
  }

  private Dataset<Row> sql(String query) {
    ReadOnlyQuery.checkParsed(session, query); // before sql(): Spark runs commands right away
    try {
      Dataset<Row> answer = session().sql(query);
      ReadOnlyQuery.checkAnalyzed(answer.queryExecution().analyzed(), query);
      return answer;
    } catch (Exception e) { // AnalysisException is undeclared: Scala has no checked exceptions
      if (e instanceof AnalysisException) {
        throw new ConfigException("Cannot run query: " + e.getMessage() + " (" + query + ")", e);
      }
      throw e;
    }
  }

  /**
   * The metrics table over its committed partitions only, so that a stranger under {@code metrics/}
   * cannot break partition discovery; the declared schema keeps run_id a string and gives older
   * partitions' missing columns as null.
   */
  private Dataset<Row> metrics(List<Path> partitions) {
    if (partitions.isEmpty()) {
      return session.createDataFrame(List.of(), METRICS_SCHEMA);
    }
    return session
        .read()
        .schema(METRICS_SCHEMA)
        .option("basePath", paths.metricsRoot().toString())
        .parquet(partitions.stream().map(Path::toString).toArray(String[]::new));
  }

  /**
   * The site metrics table ({@code OUT/site-metrics/run_id=RUN/site=ID}) over its committed
   * partitions only, with {@code run_id} and {@code site} as strings.
   */
  private Dataset<Row> siteMetrics(List<Path> partitions) {
    if (partitions.isEmpty()) {
      return session.createDataFrame(List.of(), MetricsSchema.SITE_READ);
    }
    return session
        .read()
        .schema(MetricsSchema.SITE_READ)
        .option("basePath", SiteMetricsTable.root(paths.out()).toString())
        .parquet(partitions.stream().map(Path::toString).toArray(String[]::new));
  }

  /** The manifest.json of each of {@code dirs} (committed directories), one row each. */
  private Dataset<Row> manifests(List<Path> dirs, String emptySchema) {
    if (dirs.isEmpty()) {
      return session.createDataFrame(List.of(), StructType.fromDDL(emptySchema));
    }
    return session
        .read()
        .option("multiLine", true)
        .option("mode", "FAILFAST")
        .json(
            dirs.stream()
                .map(dir -> new Path(dir, VectorStore.MANIFEST_FILE).toString())
                .toArray(String[]::new));
  }

  /** The query: every positional argument, joined by spaces (quoting it whole is clearer). */
  static String query(CliArgs cli) {
    String query = String.join(" ", cli.positional()).trim();
    if (query.isEmpty()) {
      throw new ConfigException(
          "Missing query: bin/medvec sql [--out DIR] [--limit N] \"SELECT ... FROM metrics\"");
    }
    return query;
  }

  private record Command(Config config, String query) {}

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String[] args) {
    return JobMain.executeCli(
        args,
        NAME,
        cli -> new Command(JobMain.parseConfig(cli, NAME, FLAG_KEYS, Config::from), query(cli)),
        (spark, command) -> {
          Result result = new QueryMetricsJob(spark, command.config()).run(command.query());
          System.out.println(result.table());
          return result;
        });
  }
}
