package io.medvec.core.data;

import static io.medvec.core.data.NpzFixtures.greyImages;
import static io.medvec.core.data.NpzFixtures.header;
import static io.medvec.core.data.NpzFixtures.labels;
import static io.medvec.core.data.NpzFixtures.npy;
import static io.medvec.core.data.NpzFixtures.npz;
import static io.medvec.core.data.NpzFixtures.validGrey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link NpzReader} on synthetic npz files: accepted variants and refused inputs. */
class NpzReaderErrorsTest {
  @TempDir Path dir;

  private Path write(String name, Map<String, byte[]> entries) throws IOException {
    return Files.write(dir.resolve(name), npz(entries, false));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void readsStoredAndDeflatedEntriesOfUnknownDataset(boolean stored) {
    byte[] bytes = npz(validGrey(), stored);

    MedMnist data = NpzReader.read(new ByteArrayInputStream(bytes), "mem/tiny.npz");

    assertThat(data.dataset()).isEqualTo("tiny");
    assertThat(data.numClasses()).isEqualTo(2); // largest label 1, plus one
    assertThat(data.train().labels()).containsExactly(0, 1, 1);
    assertThat(data.train().height()).isEqualTo(4);
    assertThat(data.train().width()).isEqualTo(5);
    assertThat(data.train().pixels()[3]).isEqualTo(21 / 255f); // writer stores (i * 7) % 256
  }

  @Test
  void acceptsNpyVersion2FlatInt64LabelsAndExtraEntries() {
    Map<String, byte[]> entries = validGrey();
    ByteBuffer longs = ByteBuffer.allocate(3 * 8).order(ByteOrder.LITTLE_ENDIAN);
    longs.putLong(2).putLong(0).putLong(1);
    entries.put("train_labels", npy(2, header("<i8", false, 3), longs.array()));
    entries.put("notes", npy(1, header("|u1", false, 1), new byte[] {1}));

    MedMnist data = NpzReader.read(new ByteArrayInputStream(npz(entries, false)), "v2.npz");

    assertThat(data.train().labels()).containsExactly(2, 0, 1);
    assertThat(data.numClasses()).isEqualTo(3);
  }

  @Test
  void refusesMissingKeyNamingFileKeyAndKeysFound() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.remove("test_labels");
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("missing keys [test_labels]")
        .hasMessageContaining(
            "found keys [train_images, val_images, test_images, train_labels, val_labels]");
  }

  @Test
  void refusesWrongImageDtype() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("val_images", npy(1, header("<f4", false, 2, 4, 5), new byte[2 * 4 * 5 * 4]));
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + " key val_images")
        .hasMessageContaining("unsupported dtype")
        .hasMessageContaining("(<f4)");
  }

  @Test
  void refusesImagesOfRankTwo() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("test_images", npy(1, header("|u1", false, 2, 20), new byte[40]));
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + " key test_images")
        .hasMessageContaining("(2, 20)");
  }

  @Test
  void refusesLabelOutOfRangeForKnownDataset() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("val_labels", labels(1, 2));
    Path file = write("pneumoniamnist.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("key val_labels label at index 1 must be < 2")
        .hasMessageEndingWith("(2)");
  }

  @Test
  void refusesWrongChannelCountForKnownDataset() throws IOException {
    Path file = write("retinamnist.npz", validGrey());

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("dataset retinamnist must have 3 channels (1)");
  }

  @Test
  void refusesLabelCountDifferentFromImageCount() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("train_labels", labels(0, 1));
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + ": train_labels has 2 labels but train_images has 3 images");
  }

  @Test
  void refusesSplitsOfDifferentImageSize() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("test_images", greyImages(2, 5, 5));
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + ": test_images are 5x5x1 (HxWxC) but train_images are 4x5x1");
  }

  @Test
  void refusesFortranOrder() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("train_images", npy(1, header("|u1", true, 3, 4, 5), new byte[60]));
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + " key train_images")
        .hasMessageContaining("fortran_order=True");
  }

  @Test
  void refusesLabelsOfShapeNx2() throws IOException {
    Map<String, byte[]> entries = validGrey();
    entries.put("val_labels", npy(1, header("|u1", false, 2, 2), new byte[4]));
    Path file = write("tiny.npz", entries);

    assertThatThrownBy(() -> NpzReader.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + " key val_labels")
        .hasMessageContaining("(2, 2)");
  }

  @Test
  void refusesBadMagicAndTruncatedArrayData() throws IOException {
    Map<String, byte[]> entries = validGrey();
    byte[] notNpy = entries.get("val_labels").clone();
    notNpy[1] = 'X';
    entries.put("val_labels", notNpy);
    Path badMagic = write("magic.npz", entries);
    Map<String, byte[]> shortEntries = validGrey();
    byte[] full = shortEntries.get("train_images");
    shortEntries.put("train_images", Arrays.copyOf(full, full.length - 5));
    Path truncated = write("short.npz", shortEntries);

    assertThatThrownBy(() -> NpzReader.read(badMagic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(badMagic + " key val_labels: not an npy array, bad magic");
    assertThatThrownBy(() -> NpzReader.read(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            truncated + " key train_images: truncated npy data, expected 60 bytes (got 55)");
  }

  @Test
  void refusesTruncatedRealFileNamingIt() throws IOException {
    byte[] real = Files.readAllBytes(SharedData.pneumonia());
    Path half =
        Files.write(dir.resolve("pneumoniamnist.npz"), Arrays.copyOf(real, real.length / 2));

    assertThatThrownBy(() -> NpzReader.read(half))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(half.toString())
        .hasMessageContaining("corrupt or truncated");
  }

  @Test
  void refusesCorruptedDeflateDataOfRealFile() throws IOException {
    byte[] bytes = Files.readAllBytes(SharedData.pneumonia());
    for (int i = 200_000; i < 200_064; i++) {
      bytes[i] ^= 0x5a;
    }

    assertThatThrownBy(
            () -> NpzReader.read(new ByteArrayInputStream(bytes), "corrupt/pneumoniamnist.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corrupt/pneumoniamnist.npz")
        .hasMessageContaining("corrupt or truncated");
  }

  @Test
  void refusesNonZipAndMissingFile() {
    Path missing = dir.resolve("absent.npz");

    assertThatThrownBy(() -> NpzReader.read(new ByteArrayInputStream(new byte[100]), "zeros.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read zeros.npz: not a ZIP archive or no entries");
    assertThatThrownBy(() -> NpzReader.read(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read npz: file does not exist (" + missing + ")");
  }
}
