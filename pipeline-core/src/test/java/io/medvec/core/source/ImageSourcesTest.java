package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSourcesTest {

  @Test
  void eachRealLayoutIsRecognised() {
    var conf = Sources.conf();
    assertThat(ImageSources.detect(conf, Sources.hadoop(Sources.isic())))
        .isEqualTo(SourceFormat.IMAGE_FOLDER);
    assertThat(ImageSources.detect(conf, Sources.hadoop(Sources.ham())))
        .isEqualTo(SourceFormat.IMAGE_FOLDER);
    assertThat(ImageSources.detect(conf, Sources.hadoop(Sources.isic().resolve("labels.csv"))))
        .isEqualTo(SourceFormat.MANIFEST);
    assertThat(
            ImageSources.detect(
                conf, Sources.hadoop(TestData.sharedDir().resolve("retinamnist.npz"))))
        .isEqualTo(SourceFormat.NPZ);
  }

  @Test
  void aPathOfNoKnownFormatOrNoneAtAllIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    Path notes = dir.resolve("notes.txt");
    Files.writeString(notes, "file,label\n");
    assertThatThrownBy(
            () -> ImageSources.open(Sources.conf(), Sources.hadoop(notes), SourceConfig.defaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot open image source ")
        .hasMessageContaining(
            "notes.txt: not an .npz, a .csv, a folder of class folders or a Parquet table");
    Path missing = dir.resolve("missing");
    assertThatThrownBy(
            () ->
                ImageSources.open(Sources.conf(), Sources.hadoop(missing), SourceConfig.defaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot open image source: does not exist (")
        .hasMessageEndingWith("missing)");
  }
}
