package io.medvec.core.store;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * The site metrics table of a consortium's store: each site's aggregate metrics of a run's models
 * on its own data, {@code STORE/site-metrics/run_id=RUN/site=ID/} (one Parquet partition per run
 * and site). Its files hold the metrics table's columns ({@link MetricsTable#COLUMNS}); {@code
 * run_id} and {@code site} are the partition columns, both strings.
 */
public final class SiteMetricsTable {

  /** The table's folder in a store. */
  public static final String DIR = "site-metrics";

  /** The inner partition column: the site that scored and published the rows. */
  public static final String SITE_COLUMN = "site";

  /** The columns readers see: the written ones plus {@code run_id} and {@code site}. */
  public static final List<MetricsTable.Column> READ_COLUMNS = readColumns();

  private SiteMetricsTable() {}

  /** The table's root in {@code store}. */
  public static Path root(Path store) {
    return new Path(store, DIR);
  }

  /** The partition of run {@code runId} and site {@code site}. */
  public static Path partition(Path store, String runId, String site) {
    return new Path(runPartition(store, runId), SITE_COLUMN + "=" + site);
  }

  /** The directory of run {@code runId}'s site partitions. */
  public static Path runPartition(Path store, String runId) {
    return new Path(root(store), MetricsTable.PARTITION_COLUMN + "=" + runId);
  }

  private static List<MetricsTable.Column> readColumns() {
    List<MetricsTable.Column> columns = new ArrayList<>(MetricsTable.READ_COLUMNS);
    columns.add(new MetricsTable.Column(SITE_COLUMN, MetricsTable.Type.STRING, false));
    return List.copyOf(columns);
  }
}
