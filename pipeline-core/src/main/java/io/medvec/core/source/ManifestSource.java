package io.medvec.core.source;

import io.medvec.core.data.Split;
import io.medvec.core.io.HadoopFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manifest table, CSV ({@code .csv}) or Parquet (any other file, or a directory of part files):
 * one row per image with its file path or its encoded bytes, its label and optional split, site and
 * patient (see {@link ManifestColumns}). Spark's {@code binaryFile} table ({@code path}, {@code
 * modificationTime}, {@code length}, {@code content}) plus a label column is a manifest with {@link
 * ManifestColumns#BINARY_FILE}; only the named columns are read.
 *
 * <p>Class names: {@code classes} when given (labels are indices into it, or names from it);
 * otherwise the sorted distinct names of a name label, the {@code className} column's names of an
 * integer label, or {@code "0".."max"}.
 */
public final class ManifestSource implements ImageSource {

  private static final Logger LOG = LoggerFactory.getLogger(ManifestSource.class);
  private static final java.util.regex.Pattern URI_SCHEME =
      java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:");

  private final Configuration conf;
  private final Path manifest;
  private final ManifestColumns columns;
  private final ImageDecoders decoders;
  private final List<String> classes;
  private final List<Example> examples;

  /** One listed row before labels are resolved. */
  private record Row(
      long index,
      String path,
      String label,
      String name,
      String split,
      String site,
      String patient) {}

  /**
   * Lists {@code manifest}.
   *
   * @param classes the class names in label order, or empty to take them from the table
   * @param rule splits the examples when the table has no split column
   */
  public ManifestSource(
      Configuration conf,
      Path manifest,
      ManifestColumns columns,
      List<String> classes,
      SplitRule rule,
      ImageDecoders decoders) {
    this.conf = conf;
    this.manifest = manifest;
    this.columns = columns;
    this.decoders = decoders;
    Map<String, String> used = new HashMap<>();
    List<Row> rows = isCsv(manifest) ? readCsv(used) : readParquet(used);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("Cannot read manifest " + manifest + ": no rows");
    }
    this.classes = classNames(rows, List.copyOf(classes));
    List<Example> listed = new ArrayList<>(rows.size());
    Set<String> ids = new HashSet<>();
    for (Row row : rows) {
      Example e = example(row, used.containsKey("split"));
      if (!ids.add(e.id())) {
        throw new IllegalArgumentException(
            "Cannot read manifest " + manifest + ": image listed twice (" + e.id() + ")");
      }
      listed.add(e);
    }
    if (used.containsKey("split")) {
      checkPatientsInOneSplit(listed);
    }
    this.examples = used.containsKey("split") ? List.copyOf(listed) : rule.assign(listed);
    LOG.info(
        "Listed manifest {}: {} images, {} classes {}, columns {}",
        manifest,
        examples.size(),
        this.classes.size(),
        this.classes,
        used);
  }

  /**
   * Refuses a table whose own split column puts one patient's images in two splits: a model would
   * be evaluated on a patient it was trained on.
   */
  private void checkPatientsInOneSplit(List<Example> listed) {
    Map<String, Example> first = new HashMap<>();
    for (Example e : listed) {
      if (e.patientId() == null) {
        continue;
      }
      Example seen = first.putIfAbsent(e.patientId(), e);
      if (seen != null && seen.split() != e.split()) {
        throw new IllegalArgumentException(
            "Cannot read manifest "
                + manifest
                + ": patient '"
                + e.patientId()
                + "' has images in "
                + seen.split().id()
                + " ("
                + seen.id()
                + ") and in "
                + e.split().id()
                + " ("
                + e.id()
                + "); set data.columns.split to '' to split by patient, or"
                + " data.columns.patient-id to '' to keep the table's split ("
                + columns.patientId()
                + ")");
      }
    }
  }

  private static boolean isCsv(Path manifest) {
    return manifest.getName().toLowerCase(Locale.ROOT).endsWith(".csv");
  }

  /** The columns to read, by role; a missing required column is refused. */
  private Map<String, String> resolve(List<String> present, Map<String, String> used) {
    require(present, "label", columns.label(), true, used);
    require(present, "path", columns.path(), !columns.inTable(), used);
    require(present, "className", columns.className(), true, used);
    require(present, "split", columns.split(), false, used);
    require(present, "site", columns.site(), false, used);
    require(present, "patientId", columns.patientId(), false, used);
    if (columns.inTable()) {
      if (isCsv(manifest)) {
        throw new IllegalArgumentException(
            "Cannot read manifest "
                + manifest
                + ": an image-bytes column needs a Parquet table ("
                + columns.bytes()
                + ")");
      }
      require(present, "bytes", columns.bytes(), true, used);
    }
    return used;
  }

  private void require(
      List<String> present, String role, String name, boolean required, Map<String, String> used) {
    if (name.isEmpty()) {
      return;
    }
    if (present.contains(name)) {
      used.put(role, name);
    } else if (required || !columns.optionalAtDefault(name)) {
      throw new IllegalArgumentException(
          "Cannot read manifest "
              + manifest
              + ": no column '"
              + name
              + "' for the "
              + role
              + " (columns: "
              + present
              + ")");
    }
  }

  private List<Row> readCsv(Map<String, String> used) {
    List<Row> rows = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(HadoopFiles.open(conf, manifest), StandardCharsets.UTF_8))) {
      Csv csv = new Csv(reader, manifest.toString());
      List<String> first = csv.next();
      if (first == null) {
        throw new IllegalArgumentException("Cannot read manifest " + manifest + ": empty file");
      }
      first.set(0, first.get(0).replace("\uFEFF", ""));
      List<String> header = first.stream().map(String::trim).toList();
      resolve(header, used);
      Map<String, Integer> at = new HashMap<>();
      used.forEach((role, name) -> at.put(role, header.indexOf(name)));
      long index = 0;
      for (List<String> next = csv.next(); next != null; next = csv.next()) {
        List<String> f = next;
        if (f.size() == 1 && f.get(0).isBlank()) {
          continue;
        }
        if (f.size() != header.size()) {
          throw new IllegalArgumentException(
              "Cannot read manifest "
                  + manifest
                  + ": row "
                  + (index + 1)
                  + " has "
                  + f.size()
                  + " fields, the header "
                  + header.size()
                  + " ("
                  + String.join(",", f)
                  + ")");
        }
        rows.add(row(index++, role -> at.containsKey(role) ? f.get(at.get(role)) : null));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot read manifest " + manifest, e);
    }
    return rows;
  }

  private List<Row> readParquet(Map<String, String> used) {
    resolve(ParquetRows.columns(conf, manifest), used);
    if (columns.inTable() && !ParquetRows.isBytes(conf, manifest, columns.bytes())) {
      throw new IllegalArgumentException(
          "Cannot read manifest " + manifest + ": column '" + columns.bytes() + "' is not binary");
    }
    Map<String, String> listing = new HashMap<>(used);
    listing.remove("bytes");
    List<Row> rows = new ArrayList<>();
    try (ParquetRows table = new ParquetRows(conf, manifest, List.copyOf(listing.values()))) {
      long index = 0;
      for (Group next = table.next(); next != null; next = table.next()) {
        Group g = next;
        rows.add(
            row(
                index++,
                role -> listing.containsKey(role) ? ParquetRows.text(g, listing.get(role)) : null));
      }
    }
    return rows;
  }

  private static Row row(long index, java.util.function.Function<String, String> cell) {
    return new Row(
        index,
        cell.apply("path"),
        cell.apply("label"),
        cell.apply("className"),
        cell.apply("split"),
        cell.apply("site"),
        cell.apply("patientId"));
  }

  private List<String> classNames(List<Row> rows, List<String> given) {
    boolean numeric =
        rows.stream().allMatch(r -> r.label() != null && r.label().trim().matches("\\d+"));
    if (!given.isEmpty()) {
      return given;
    }
    if (!numeric) {
      TreeSet<String> names = new TreeSet<>();
      rows.forEach(r -> names.add(cellOrRefuse(r.label(), r, "label")));
      return List.copyOf(names);
    }
    int max = rows.stream().mapToInt(r -> Integer.parseInt(r.label().trim())).max().orElse(0);
    String[] names = new String[max + 1];
    for (Row r : rows) {
      int label = Integer.parseInt(r.label().trim());
      String name = r.name() == null || r.name().isBlank() ? null : r.name().trim();
      if (name != null && names[label] != null && !names[label].equals(name)) {
        throw new IllegalArgumentException(
            "Cannot read manifest "
                + manifest
                + ": label "
                + label
                + " has two class names ("
                + names[label]
                + ", "
                + name
                + ")");
      }
      names[label] = name == null ? names[label] : name;
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i <= max; i++) {
      result.add(names[i] == null ? Integer.toString(i) : names[i]);
    }
    return List.copyOf(result);
  }

  private Example example(Row row, boolean hasSplit) {
    String labelText = cellOrRefuse(row.label(), row, "label").trim();
    int label =
        labelText.matches("\\d+") ? Integer.parseInt(labelText) : classes.indexOf(labelText);
    if (label < 0 || label >= classes.size()) {
      throw new IllegalArgumentException(
          "Cannot read manifest "
              + manifest
              + ": row "
              + (row.index() + 1)
              + " has a label that is not a class of "
              + classes
              + " ("
              + labelText
              + ")");
    }
    Split split = hasSplit ? split(row) : Split.TRAIN;
    String location;
    String id;
    if (columns.inTable()) {
      location = manifest + "#" + row.index();
      id = row.path() == null || row.path().isBlank() ? "row-" + row.index() : row.path();
    } else {
      id = cellOrRefuse(row.path(), row, "path");
      location = resolvePath(id).toString();
    }
    return new Example(id, location, label, split, row.site(), row.patient());
  }

  private Split split(Row row) {
    try {
      return Split.parse(cellOrRefuse(row.split(), row, "split"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot read manifest "
              + manifest
              + ": row "
              + (row.index() + 1)
              + " has split '"
              + row.split()
              + "', expected train, val or test",
          e);
    }
  }

  private String cellOrRefuse(String value, Row row, String role) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "Cannot read manifest "
              + manifest
              + ": row "
              + (row.index() + 1)
              + " has no "
              + role
              + " ("
              + value
              + ")");
    }
    return value;
  }

  /** A path relative to the manifest's directory, or an absolute path or URI as it is. */
  private Path resolvePath(String value) {
    if (URI_SCHEME.matcher(value).lookingAt() || value.startsWith("/")) {
      return new Path(value);
    }
    return new Path(manifest.getParent(), value);
  }

  @Override
  public String describe() {
    return "manifest " + manifest;
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public List<Example> examples() {
    return examples;
  }

  @Override
  public Stream open(List<Example> wanted) {
    if (!columns.inTable()) {
      return new ByteStream(
          wanted, e -> HadoopFiles.readBytes(conf, new Path(e.location())), decoders, () -> {});
    }
    TableBytes table = new TableBytes(conf, manifest, columns.bytes(), wanted);
    return new ByteStream(wanted, table::bytes, decoders, table::close);
  }
}
