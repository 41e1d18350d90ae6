package io.medvec.jobs.spark;

import io.medvec.core.store.MetricsTable;
import io.medvec.core.store.SiteMetricsTable;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The metrics table's Spark schemas, built from the one declaration of its columns ({@link
 * MetricsTable}).
 */
public final class MetricsSchema {

  /** The columns the evaluate job writes in each partition. */
  public static final StructType WRITTEN = of(MetricsTable.COLUMNS);

  /** The table as readers see it: the written columns plus the {@code run_id} partition. */
  public static final StructType READ = of(MetricsTable.READ_COLUMNS);

  /**
   * The site metrics table as readers see it: plus the {@code run_id} and {@code site} partitions.
   */
  public static final StructType SITE_READ = of(SiteMetricsTable.READ_COLUMNS);

  private MetricsSchema() {}

  /** The Spark schema of {@code columns}. */
  public static StructType of(List<MetricsTable.Column> columns) {
    StructType schema = new StructType();
    for (MetricsTable.Column column : columns) {
      schema = schema.add(column.name(), type(column.type()), column.nullable());
    }
    return schema;
  }

  private static DataType type(MetricsTable.Type type) {
    return switch (type) {
      case STRING -> DataTypes.StringType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
    };
  }
}
