package io.medvec.core.store;

import java.util.List;

/**
 * The long-format metrics table's columns, declared once for the job that writes it and the readers
 * that query it; the table is partitioned by {@value #PARTITION_COLUMN}, which stays a string (run
 * ids like 2026-11-27 are not dates).
 */
public final class MetricsTable {

  /** A column's type, independent of any engine. */
  public enum Type {
    STRING,
    INT,
    LONG,
    DOUBLE
  }

  /** One column of the table. */
  public record Column(String name, Type type, boolean nullable) {}

  /** The partition column: one partition per run. */
  public static final String PARTITION_COLUMN = "run_id";

  /**
   * The lower bound of {@code value}'s {@value #CI_LEVEL} confidence interval: set for the
   * whole-model metrics (accuracy: Wilson; AUC: DeLong for two classes, a seeded percentile
   * bootstrap otherwise; macro F1: bootstrap), null for per-class rows and where undefined.
   */
  public static final String CI_LOW = "ci_low";

  /** The upper bound of {@code value}'s confidence interval (see {@link #CI_LOW}). */
  public static final String CI_HIGH = "ci_high";

  /** How the interval was computed: {@code wilson}, {@code delong} or {@code bootstrap}. */
  public static final String CI_METHOD = "ci_method";

  /** The confidence level of every interval in the table. */
  public static final double CI_LEVEL = 0.95;

  /** The columns written in each partition, in order. */
  public static final List<Column> COLUMNS =
      List.of(
          new Column("dataset", Type.STRING, false),
          new Column("model_kind", Type.STRING, false),
          new Column("model_id", Type.STRING, false),
          new Column("split", Type.STRING, false),
          new Column("metric", Type.STRING, false),
          new Column("label", Type.INT, true),
          new Column("class_name", Type.STRING, true),
          new Column("value", Type.DOUBLE, true),
          new Column(CI_LOW, Type.DOUBLE, true),
          new Column(CI_HIGH, Type.DOUBLE, true),
          new Column(CI_METHOD, Type.STRING, true),
          new Column("n", Type.LONG, false),
          new Column("base_fingerprint", Type.STRING, false),
          new Column("hospitals", Type.INT, true),
          new Column("partition_mode", Type.STRING, true),
          new Column("alpha", Type.DOUBLE, true),
          new Column("public_fraction", Type.DOUBLE, true),
          new Column("partition_seed", Type.LONG, true),
          new Column("created_at", Type.STRING, false));

  /** The columns readers see: the written ones plus the partition column. */
  public static final List<Column> READ_COLUMNS = readColumns();

  private MetricsTable() {}

  private static List<Column> readColumns() {
    List<Column> columns = new java.util.ArrayList<>(COLUMNS);
    columns.add(new Column(PARTITION_COLUMN, Type.STRING, false));
    return List.copyOf(columns);
  }
}
