package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.data.Split;
import io.medvec.core.io.SimpleParquet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestSourceTest {

  private static final SplitRule RULE = new SplitRule(0.15, 0.15, 3);

  /**
   * ISIC's labels.csv: path column {@code file}, integer labels named by {@code dx}, its own split
   * (which puts some lesions on both sides, so the lesion column is not used with it).
   */
  private static final ManifestColumns ISIC =
      new ManifestColumns("file", "", "label", "dx", "split", "site", "");

  @Test
  void aTableSplitThatPutsOnePatientInTwoSplitsIsRefusedNamingThePatient() {
    Map<String, Set<String>> splitsOfLesion = new HashMap<>();
    for (Map<String, String> r : Sources.labels(Sources.isic())) {
      if (!r.get("lesion_id").isEmpty()) {
        splitsOfLesion
            .computeIfAbsent(r.get("lesion_id"), k -> new HashSet<>())
            .add(r.get("split"));
      }
    }
    Set<String> straddling =
        splitsOfLesion.entrySet().stream()
            .filter(e -> e.getValue().size() > 1)
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    assertThat(straddling).as("lesions in train and test of labels.csv").isNotEmpty();
    ManifestColumns withLesion =
        new ManifestColumns("file", "", "label", "dx", "split", "site", "lesion_id");
    assertThatThrownBy(() -> manifest(Sources.isic().resolve("labels.csv"), withLesion, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labels.csv: patient '")
        .hasMessageContaining("' has images in ")
        .hasMessageEndingWith(
            "; set data.columns.split to '' to split by patient, or data.columns.patient-id to ''"
                + " to keep the table's split (lesion_id)")
        .satisfies(
            e -> {
              String named = e.getMessage().replaceAll(".*patient '([^']+)'.*", "$1");
              assertThat(straddling).contains(named);
            });
  }

  @Test
  void isicLabelsCsvListsEveryImageWithSplitSiteAndClassNames() {
    ManifestSource source = manifest(Sources.isic().resolve("labels.csv"), ISIC, List.of());
    assertThat(source.classes()).isEqualTo(Sources.ISIC_CLASSES);
    assertThat(source.examples()).hasSize(2359);
    assertThat(source.examples(Split.TEST)).hasSize(118);
    Map<String, Long> sites =
        source.examples().stream()
            .collect(Collectors.groupingBy(Example::site, Collectors.counting()));
    assertThat(sites)
        .containsEntry("rosendahl", 924L)
        .containsEntry("vidir_modern", 427L)
        .containsEntry("vidir_molemax", 147L)
        .containsEntry("vienna_dias", 14L)
        .containsEntry("isic_archive", 847L);
    Example first = source.examples().get(0);
    assertThat(first.location()).endsWith("isic-skin/" + first.id());
    // same labels as the folder layout gives
    ImageFolderSource folder =
        new ImageFolderSource(
            Sources.conf(), Sources.hadoop(Sources.isic()), RULE, ImageDecoders.standard());
    Map<String, Integer> folderLabels = new HashMap<>();
    folder.examples().forEach(e -> folderLabels.put(e.id(), e.label()));
    source.examples().forEach(e -> assertThat(e.label()).isEqualTo(folderLabels.get(e.id())));
  }

  @Test
  void classNameLabelsGiveSortedClassesOrTheConfiguredOrder() {
    ManifestColumns byName = new ManifestColumns("file", "", "dx", "", "split", "site", "");
    Path csv = Sources.isic().resolve("labels.csv");
    assertThat(manifest(csv, byName, List.of()).classes()).isEqualTo(Sources.ISIC_CLASSES);
    List<String> reversed = new ArrayList<>(Sources.ISIC_CLASSES);
    Collections.reverse(reversed);
    ManifestSource given = manifest(csv, byName, reversed);
    assertThat(given.classes()).isEqualTo(reversed);
    Example e = given.examples().get(0);
    assertThat(reversed.get(e.label())).isEqualTo(e.id().split("/")[1]);
    assertThatThrownBy(() -> manifest(csv, byName, List.of("melanoma", "nevus")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labels.csv: row 1 has a label that is not a class of [melanoma,")
        .hasMessageEndingWith("(actinic_keratosis)");
  }

  @Test
  void withoutASplitColumnNoLesionStraddlesSplits() {
    ManifestColumns noSplit =
        new ManifestColumns("file", "", "label", "dx", "", "site", "lesion_id");
    ManifestSource source = manifest(Sources.isic().resolve("labels.csv"), noSplit, List.of());
    Map<String, Set<Split>> splitsOfLesion = new HashMap<>();
    source.examples().stream()
        .filter(e -> e.patientId() != null)
        .forEach(
            e ->
                splitsOfLesion.computeIfAbsent(e.patientId(), k -> new HashSet<>()).add(e.split()));
    long multiImageLesions =
        source.examples().stream()
            .filter(e -> e.patientId() != null)
            .collect(Collectors.groupingBy(Example::patientId, Collectors.counting()))
            .values()
            .stream()
            .filter(n -> n > 1)
            .count();
    assertThat(multiImageLesions).as("lesions with several images").isGreaterThan(50);
    assertThat(splitsOfLesion.values()).allMatch(s -> s.size() == 1);
    long val = source.examples(Split.VAL).size();
    long test = source.examples(Split.TEST).size();
    assertThat(val).isBetween(300L, 420L); // 15 % of 2359 = 354, give or take whole lesions
    assertThat(test).isBetween(300L, 420L);
    // grouping matters: splitting image by image puts some lesion on both sides
    ManifestColumns ungrouped = new ManifestColumns("file", "", "label", "dx", "", "site", "");
    Map<String, Split> splitOf = new HashMap<>();
    manifest(Sources.isic().resolve("labels.csv"), ungrouped, List.of())
        .examples()
        .forEach(e -> splitOf.put(e.id(), e.split()));
    Map<String, Set<Split>> ungroupedSplits = new HashMap<>();
    source.examples().stream()
        .filter(e -> e.patientId() != null)
        .forEach(
            e ->
                ungroupedSplits
                    .computeIfAbsent(e.patientId(), k -> new HashSet<>())
                    .add(splitOf.get(e.id())));
    assertThat(ungroupedSplits.values()).anyMatch(s -> s.size() > 1);
  }

  @Test
  void parquetManifestWrittenHereListsTheSameExamplesAsTheCsv(@TempDir Path dir) {
    List<Map<String, String>> rows = Sources.labels(Sources.isic());
    LinkedHashMap<String, SimpleParquet.Type> columns = new LinkedHashMap<>();
    columns.put("path", SimpleParquet.Type.STRING);
    columns.put("label", SimpleParquet.Type.STRING);
    columns.put("split", SimpleParquet.Type.STRING);
    columns.put("site", SimpleParquet.Type.STRING);
    List<Object[]> data = new ArrayList<>();
    for (Map<String, String> r : rows) {
      data.add(
          new Object[] {
            Sources.isic().resolve(r.get("file")).toUri().toString(),
            r.get("dx"),
            r.get("split"),
            r.get("site")
          });
    }
    Path table = dir.resolve("manifest.parquet");
    SimpleParquet.write(Sources.conf(), Sources.hadoop(table), columns, data);
    ManifestSource parquet = manifest(table, ManifestColumns.DEFAULT, List.of());
    ManifestSource csv = manifest(Sources.isic().resolve("labels.csv"), ISIC, List.of());
    assertThat(parquet.classes()).isEqualTo(csv.classes());
    assertThat(parquet.examples()).hasSameSizeAs(csv.examples());
    for (int i = 0; i < csv.examples().size(); i++) {
      Example p = parquet.examples().get(i);
      Example c = csv.examples().get(i);
      assertThat(p.location()).isEqualTo(c.location());
      assertThat(p.label()).isEqualTo(c.label());
      assertThat(p.split()).isEqualTo(c.split());
      assertThat(p.site()).isEqualTo(c.site());
    }
  }

  @Test
  void bytesColumnAndBinaryFileTableDecodeTheSamePixelsAsTheFiles(@TempDir Path dir)
      throws IOException {
    ManifestSource files = manifest(Sources.isic().resolve("labels.csv"), ISIC, List.of());
    List<Example> some = new ArrayList<>();
    for (int i = 0; i < files.examples().size(); i += 23) {
      some.add(files.examples().get(i));
    }
    Path table = dir.resolve("images");
    Files.createDirectories(table);
    writeBinaryFile(table.resolve("part-00000.parquet"), some.subList(0, 60), files);
    writeBinaryFile(table.resolve("part-00001.parquet"), some.subList(60, some.size()), files);
    Configuration conf = Sources.conf();
    assertThat(ImageSources.detect(conf, Sources.hadoop(table)))
        .isEqualTo(SourceFormat.IMAGE_TABLE);
    ImageSource images = ImageSources.open(conf, Sources.hadoop(table), SourceConfig.defaults());
    assertThat(images.examples()).hasSize(some.size());
    assertThat(images.classes()).hasSize(9); // labels 0..8 present, named "0".."8"
    // reversed order: every chunk restarts the scan; forward order: one pass
    List<Example> reversed = new ArrayList<>(images.examples());
    Collections.reverse(reversed);
    Map<String, float[]> fromTable = decode(images, reversed);
    Map<String, float[]> forward = decode(images, images.examples());
    Map<String, float[]> fromFiles = decode(files, some);
    assertThat(fromTable).hasSize(some.size());
    for (Example e : some) {
      String uri = e.location();
      assertThat(fromTable.get(uri)).as(uri).isEqualTo(fromFiles.get(e.id()));
      assertThat(forward.get(uri)).isEqualTo(fromFiles.get(e.id()));
    }
    images.examples().forEach(e -> assertThat(e.split()).isIn(Split.TRAIN, Split.VAL, Split.TEST));
  }

  @Test
  void missingColumnsAndBadValuesAreRefusedNamingTheManifest(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("m.csv");
    Files.writeString(csv, "file,label\na.png,0\n");
    assertThatThrownBy(() -> manifest(csv, ManifestColumns.DEFAULT, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("m.csv: no column 'path' for the path (columns: [file, label])");
    ManifestColumns patient = new ManifestColumns("file", "", "label", "", "split", "site", "mrn");
    assertThatThrownBy(() -> manifest(csv, patient, List.of()))
        .hasMessageContaining("m.csv: no column 'mrn' for the patientId (columns: [file, label])");
    Files.writeString(csv, "path,label,split\na.png,0,training\n");
    assertThatThrownBy(() -> manifest(csv, ManifestColumns.DEFAULT, List.of()))
        .hasMessageContaining("m.csv: row 1 has split 'training', expected train, val or test");
    Files.writeString(csv, "path,label\na.png,0\na.png,1\n");
    assertThatThrownBy(() -> manifest(csv, ManifestColumns.DEFAULT, List.of()))
        .hasMessageContaining("m.csv: image listed twice (a.png)");
    Files.writeString(csv, "path,label\na.png,0,extra\n");
    assertThatThrownBy(() -> manifest(csv, ManifestColumns.DEFAULT, List.of()))
        .hasMessageContaining("m.csv: row 1 has 3 fields, the header 2 (a.png,0,extra)");
    ManifestColumns bytes = new ManifestColumns("path", "content", "label", "", "", "", "");
    Files.writeString(csv, "path,label,content\na.png,0,xx\n");
    assertThatThrownBy(() -> manifest(csv, bytes, List.of()))
        .hasMessageContaining("m.csv: an image-bytes column needs a Parquet table (content)");
  }

  @Test
  void aListedFileThatIsMissingIsRefusedWhenItsBatchIsReadNamingIt(@TempDir Path dir)
      throws IOException {
    Path csv = dir.resolve("m.csv");
    Path real = Sources.isic().resolve(Sources.labels(Sources.isic()).get(0).get("file"));
    Files.writeString(csv, "path,label\n" + real.toUri() + ",0\nimages/missing.jpg,1\n");
    ManifestSource source = manifest(csv, ManifestColumns.DEFAULT, List.of());
    assertThat(source.examples()).hasSize(2);
    try (ImageSource.Stream stream = source.open(source.examples())) {
      assertThat(stream.next().image().width()).isEqualTo(180);
      assertThatThrownBy(stream::next)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Cannot open file: does not exist or is a directory (")
          .hasMessageEndingWith("images/missing.jpg)");
    }
  }

  @Test
  void quotedCsvFieldsKeepCommasAndQuotes(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("q.csv");
    Files.writeString(csv, "\uFEFFpath,label\n\"a, \"\"b\"\".png\",\"bcc\"\nc.png,akiec\n");
    ManifestSource source = manifest(csv, ManifestColumns.DEFAULT, List.of());
    assertThat(source.classes()).containsExactly("akiec", "bcc");
    assertThat(source.examples()).extracting(Example::id).containsExactly("a, \"b\".png", "c.png");
  }

  private static Map<String, float[]> decode(ImageSource source, List<Example> wanted) {
    Map<String, float[]> out = new HashMap<>();
    try (ImageSource.Stream stream = source.open(wanted)) {
      while (stream.hasNext()) {
        ImageSource.Loaded l = stream.next();
        out.put(l.example().id(), l.image().pixels());
      }
    }
    return out;
  }

  /** A table in Spark's binaryFile shape plus label, as a platform team would have. */
  private static void writeBinaryFile(Path file, List<Example> examples, ManifestSource source)
      throws IOException {
    MessageType schema =
        Types.buildMessage()
            .optional(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("path")
            .optional(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
            .named("modificationTime")
            .optional(PrimitiveTypeName.INT64)
            .named("length")
            .optional(PrimitiveTypeName.BINARY)
            .named("content")
            .optional(PrimitiveTypeName.INT32)
            .named("label")
            .named("spark_schema");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(
                HadoopOutputFile.fromPath(Sources.hadoop(file), Sources.conf()))
            .withType(schema)
            .build()) {
      for (Example e : examples) {
        byte[] bytes = Files.readAllBytes(Path.of(java.net.URI.create(e.location())));
        Group g = groups.newGroup();
        g.add("path", e.location());
        g.add("modificationTime", 1_700_000_000_000_000L);
        g.add("length", (long) bytes.length);
        g.add("content", Binary.fromConstantByteArray(bytes));
        g.add("label", e.label());
        writer.write(g);
      }
    }
  }

  private static ManifestSource manifest(Path file, ManifestColumns columns, List<String> classes) {
    return new ManifestSource(
        Sources.conf(), Sources.hadoop(file), columns, classes, RULE, ImageDecoders.standard());
  }
}
