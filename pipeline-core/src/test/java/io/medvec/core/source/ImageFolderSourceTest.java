package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderSourceTest {

  private static final SplitRule RULE = new SplitRule(0.1, 0.1, 7);

  @Test
  void isicSplitFoldersGiveClassNamesSplitsAndLabelsOfLabelsCsv() {
    ImageFolderSource source =
        new ImageFolderSource(
            Sources.conf(), Sources.hadoop(Sources.isic()), RULE, ImageDecoders.standard());
    assertThat(source.hasSplitFolders()).isTrue();
    assertThat(source.classes()).isEqualTo(Sources.ISIC_CLASSES);
    List<Map<String, String>> rows = Sources.labels(Sources.isic());
    // the files on disk: 2241 train and 118 test (the data README says 2239 / 120)
    assertThat(source.examples(Split.TRAIN)).hasSize(count(rows, "train")).hasSize(2241);
    assertThat(source.examples(Split.TEST)).hasSize(count(rows, "test")).hasSize(118);
    assertThat(source.examples(Split.VAL)).isEmpty();
    Map<String, Example> byId = new HashMap<>();
    source.examples().forEach(e -> byId.put(e.id(), e));
    for (Map<String, String> row : rows) {
      Example e = byId.get(row.get("file"));
      assertThat(e).as(row.get("file")).isNotNull();
      assertThat(e.label()).isEqualTo(Integer.parseInt(row.get("label")));
      assertThat(e.split().id()).isEqualTo(row.get("split"));
      assertThat(source.classes().get(e.label())).isEqualTo(row.get("dx"));
    }
  }

  @Test
  void hamClassFoldersAreSplitStratifiedAndReproduciblyBySeed() {
    ImageFolderSource source = ham(RULE);
    assertThat(source.hasSplitFolders()).isFalse();
    assertThat(source.classes()).containsExactly("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc");
    assertThat(source.examples()).hasSize(70); // labels.csv and the metadata CSV at ROOT skipped
    for (int label = 0; label < 7; label++) {
      int l = label;
      Map<Split, Long> perSplit =
          source.examples().stream()
              .filter(e -> e.label() == l)
              .collect(Collectors.groupingBy(Example::split, Collectors.counting()));
      assertThat(perSplit).containsEntry(Split.VAL, 1L).containsEntry(Split.TEST, 1L);
      assertThat(perSplit).containsEntry(Split.TRAIN, 8L);
    }
    assertThat(ham(RULE).examples()).isEqualTo(source.examples());
    assertThat(ham(new SplitRule(0.1, 0.1, 8)).examples()).isNotEqualTo(source.examples());
    Map<String, String> labelOf = new HashMap<>();
    Sources.labels(Sources.ham()).forEach(r -> labelOf.put(r.get("file"), r.get("label")));
    source
        .examples()
        .forEach(e -> assertThat(Integer.toString(e.label())).isEqualTo(labelOf.get(e.id())));
  }

  @Test
  void openDecodesFullSizeHamJpegsInTheRequestedOrder() {
    ImageFolderSource source = ham(RULE);
    List<Example> wanted = List.of(source.examples().get(5), source.examples().get(2));
    try (ImageSource.Stream stream = source.open(wanted)) {
      ImageSource.Loaded first = stream.next();
      ImageSource.Loaded second = stream.next();
      assertThat(stream.hasNext()).isFalse();
      assertThat(first.example()).isEqualTo(wanted.get(0));
      assertThat(second.example()).isEqualTo(wanted.get(1));
      assertThat(first.image().width()).isEqualTo(600);
      assertThat(first.image().height()).isEqualTo(450);
      assertThat(first.image().channels()).isEqualTo(3);
    }
  }

  @Test
  void layoutsThatAreNeitherAreRefusedNamingTheFolders(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("train/cat"));
    Files.createDirectories(dir.resolve("dog"));
    assertThatThrownBy(() -> folder(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot list image folder")
        .hasMessageEndingWith(
            ": split folders [train] next to other folders, use ROOT/SPLIT/CLASS/* or"
                + " ROOT/CLASS/* ([dog, train])");
    Path empty = dir.resolve("empty");
    Files.createDirectories(empty.resolve("cat"));
    Files.writeString(empty.resolve("cat/readme.txt"), "no images");
    assertThatThrownBy(() -> folder(empty))
        .hasMessageContaining("Cannot list image folder")
        .hasMessageContaining(": no class folder holds an image")
        .hasMessageEndingWith("([cat])");
    assertThatThrownBy(() -> folder(dir.resolve("missing")))
        .hasMessageStartingWith("Cannot list image folder: does not exist (")
        .hasMessageContaining("missing");
  }

  @Test
  void anUndecodableFileIsRefusedWithItsPath(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("cat"));
    Files.writeString(dir.resolve("cat/broken.png"), "not a png");
    ImageFolderSource source = folder(dir);
    try (ImageSource.Stream stream = source.open(source.examples())) {
      assertThatThrownBy(stream::next)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Cannot decode image file:")
          .hasMessageContaining("cat/broken.png: not a JPEG, PNG or BMP image");
    }
  }

  @Test
  void anEmptyClassFolderIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    for (String c : List.of("bcc", "mel")) {
      Files.createDirectories(dir.resolve("train/" + c));
    }
    Path ham = Sources.ham().resolve("bcc");
    try (var files = Files.list(ham)) {
      Path jpeg = files.sorted().findFirst().orElseThrow();
      Files.copy(jpeg, dir.resolve("train/bcc/" + jpeg.getFileName()));
    }
    Files.writeString(dir.resolve("train/mel/notes.txt"), "to do");
    assertThatThrownBy(() -> folder(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot list image folder ")
        .hasMessageEndingWith(
            ": class folder 'mel' holds no image with one of the extensions of ImageDecoders;"
                + " remove it or add its images (mel)");
  }

  @Test
  void dicomFilesInClassFoldersAreListedAndDecodedByTheDicomDecoder(@TempDir Path dir)
      throws Exception {
    Path images = TestData.sharedDir().resolve("dicom/images");
    Map<String, String> classOf =
        Map.of(
            "CT_small.dcm", "ct", "693_UNCR.dcm", "ct", "MR_small.dcm", "mr", "SC_rgb.dcm", "sc");
    for (Map.Entry<String, String> e : classOf.entrySet()) {
      Files.createDirectories(dir.resolve(e.getValue()));
      // extensions are matched in any case
      String name = e.getKey().equals("MR_small.dcm") ? "MR_small.DCM" : e.getKey();
      Files.copy(images.resolve(e.getKey()), dir.resolve(e.getValue()).resolve(name));
    }
    ImageSource source =
        ImageSources.open(Sources.conf(), Sources.hadoop(dir), SourceConfig.defaults());
    assertThat(source.classes()).containsExactly("ct", "mr", "sc");
    assertThat(source.examples()).hasSize(4);
    assertThatThrownBy(() -> folder(dir))
        .as("without the DICOM decoder the files are not images")
        .hasMessageContaining("no class folder holds an image");
    Map<String, DecodedImage> decoded = new HashMap<>();
    try (ImageSource.Stream stream = source.open(source.examples())) {
      stream.forEachRemaining(l -> decoded.put(l.example().id(), l.image()));
    }
    assertThat(decoded.get("ct/693_UNCR.dcm").width()).isEqualTo(512);
    assertThat(decoded.get("ct/CT_small.dcm").channels()).isEqualTo(1);
    DecodedImage rgb = decoded.get("sc/SC_rgb.dcm");
    assertThat(rgb.channels()).isEqualTo(3);
    // CHW here, HWC in DicomImage: the same samples reordered
    io.medvec.core.dicom.DicomImage direct =
        io.medvec.core.dicom.DicomDecoder.decode(
            Files.newInputStream(images.resolve("SC_rgb.dcm")),
            "SC_rgb.dcm",
            io.medvec.core.dicom.DicomOptions.defaults());
    int plane = rgb.planeSize();
    for (int p = 0; p < plane; p += 97) {
      for (int c = 0; c < 3; c++) {
        assertThat(rgb.pixels()[c * plane + p]).isEqualTo(direct.pixels()[p * 3 + c]);
      }
    }
    Path bad = dir.resolve("mr/truncated.dcm");
    Files.copy(TestData.sharedDir().resolve("dicom/bad/MR_truncated.dcm"), bad);
    ImageSource withBad =
        ImageSources.open(Sources.conf(), Sources.hadoop(dir), SourceConfig.defaults());
    Example truncated =
        withBad.examples().stream()
            .filter(e -> e.id().equals("mr/truncated.dcm"))
            .findFirst()
            .orElseThrow();
    try (ImageSource.Stream stream = withBad.open(List.of(truncated))) {
      assertThatThrownBy(stream::next)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Cannot decode DICOM file " + truncated.location() + ": ")
          .hasMessageContaining("truncated");
    }
  }

  private static int count(List<Map<String, String>> rows, String split) {
    return (int) rows.stream().filter(r -> r.get("split").equals(split)).count();
  }

  private static ImageFolderSource ham(SplitRule rule) {
    return new ImageFolderSource(
        Sources.conf(), Sources.hadoop(Sources.ham()), rule, ImageDecoders.standard());
  }

  private static ImageFolderSource folder(Path dir) {
    return new ImageFolderSource(
        Sources.conf(), Sources.hadoop(dir), RULE, ImageDecoders.standard());
  }
}
