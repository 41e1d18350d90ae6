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
