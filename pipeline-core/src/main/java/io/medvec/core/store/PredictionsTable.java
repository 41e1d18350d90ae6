package io.medvec.core.store;

import io.medvec.core.store.MetricsTable.Column;
import io.medvec.core.store.MetricsTable.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The predictions table the predict job writes: one row per image, partitioned by {@value
 * #PARTITION_COLUMN} like the metrics table. Probabilities are named columns, {@code p_<class>}
 * (the class name lower-cased, every character outside {@code [a-z0-9_]} an underscore), one per
 * class of the model in label order, so SQL reads {@code p_pneumonia} without unnesting a map.
 */
public final class PredictionsTable {

  /** The partition column: one partition per predict run. */
  public static final String PARTITION_COLUMN = "run_id";

  /** The prefix of each class's probability column. */
  public static final String PROBABILITY_PREFIX = "p_";

  /** The columns before the probabilities, in order. */
  public static final List<Column> LEADING =
      List.of(
          new Column("image_id", Type.STRING, false),
          new Column("location", Type.STRING, false),
          new Column("source_class", Type.STRING, false),
          new Column("split", Type.STRING, false),
          new Column("site", Type.STRING, true),
          new Column("predicted_label", Type.INT, false),
          new Column("predicted_class", Type.STRING, false));

  /** The columns after the probabilities, in order. */
  public static final List<Column> TRAILING =
      List.of(
          new Column("model_fingerprint", Type.STRING, false),
          new Column("model_run_id", Type.STRING, true),
          new Column("created_at", Type.STRING, false));

  private PredictionsTable() {}

  /** The probability column of each class, in label order; refuses names that collide. */
  public static List<String> probabilityColumns(List<String> classes) {
    List<String> names = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String c : classes) {
      String name = PROBABILITY_PREFIX + c.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            "Cannot name the probability columns: two classes become column "
                + name
                + " ("
                + classes
                + ")");
      }
      names.add(name);
    }
    return names;
  }

  /** The columns written in each partition for a model with {@code classes}, in order. */
  public static List<Column> columns(List<String> classes) {
    List<Column> columns = new ArrayList<>(LEADING);
    probabilityColumns(classes).forEach(n -> columns.add(new Column(n, Type.DOUBLE, false)));
    columns.addAll(TRAILING);
    return List.copyOf(columns);
  }
}
