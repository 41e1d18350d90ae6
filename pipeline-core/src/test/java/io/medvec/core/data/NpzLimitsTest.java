package io.medvec.core.data;

import static io.medvec.core.data.NpzFixtures.header;
import static io.medvec.core.data.NpzFixtures.npy;
import static io.medvec.core.data.NpzFixtures.npz;
import static io.medvec.core.data.NpzFixtures.validGrey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Declared sizes are checked before anything is allocated: an npy header may not declare more data
 * than its zip entry holds, nor more than the reader's limit.
 */
class NpzLimitsTest {

  @Test
  void aHeaderDeclaringMoreThanItsZipEntryHoldsIsRefusedNamingFileAndEntry() {
    Map<String, byte[]> entries = validGrey();
    // the data of 3 images of 4x5, under a header claiming 100 000 of 28x28
    entries.put("train_images", npy(1, header("|u1", false, 100_000, 28, 28), new byte[60]));
    byte[] archive = npz(entries, true); // stored: the local header declares the entry's size

    assertThatThrownBy(() -> NpzReader.read(new ByteArrayInputStream(archive), "mem/forged.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot read mem/forged.npz key train_images")
        .hasMessageContaining("[100000, 28, 28]")
        .hasMessageContaining("zip entry train_images.npy declares only");
  }

  @Test
  void aTinyHighlyCompressedArchiveBeyondTheLimitIsRefusedBeforeItIsInflated() {
    int n = 2_000_000; // 40 MB of zero pixels, images of 4x5 as validGrey's
    Map<String, byte[]> entries = validGrey();
    entries.put("train_images", npy(1, header("|u1", false, n, 4, 5), new byte[n * 20]));
    entries.put("train_labels", npy(1, header("|u1", false, n, 1), new byte[n]));
    byte[] archive = npz(entries, false); // deflated, sizes only in data descriptors
    assertThat(archive.length).as("compressed size").isLessThan(100_000);
    long limit = 16L << 20;

    assertThatThrownBy(
            () -> NpzReader.read(new ByteArrayInputStream(archive), "mem/bomb.npz", limit))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot read mem/bomb.npz key train_images")
        .hasMessageContaining("zip entry train_images.npy declares " + (long) n * 20 + " bytes")
        .hasMessageContaining("more than the " + limit + " bytes left of the npz reader's limit");
    // the same archive within a larger limit reads
    assertThat(
            NpzReader.read(new ByteArrayInputStream(archive), "mem/bomb.npz", 64L << 20)
                .train()
                .size())
        .isEqualTo(n);
  }

  @Test
  void theDefaultLimitRefusesAShapeNoHeapHoldsWithoutAllocatingIt() {
    Map<String, byte[]> entries = validGrey();
    entries.put("val_images", npy(1, header("|u1", false, 1_000_000, 1000, 1000), new byte[64]));
    byte[] archive = npz(entries, false);

    assertThatThrownBy(() -> NpzReader.read(new ByteArrayInputStream(archive), "mem/huge.npz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot read mem/huge.npz key val_images")
        .hasMessageContaining("zip entry val_images.npy declares 1000000000000 bytes")
        .hasMessageContaining("the decoded images must fit in the heap");
    assertThat(NpzReader.defaultMaxBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 6);
  }

  @Test
  void theLimitCountsEveryArrayOfTheArchive() {
    byte[] archive = npz(validGrey(), false);
    long pixels = (3 + 2 + 2) * 20;
    long labels = 3 + 2 + 2;
    assertThat(
            NpzReader.read(new ByteArrayInputStream(archive), "mem/tiny.npz", pixels + labels)
                .test()
                .size())
        .isEqualTo(2);
    assertThatThrownBy(
            () ->
                NpzReader.read(
                    new ByteArrayInputStream(archive), "mem/tiny.npz", pixels + labels - 1))
        .hasMessageContaining("npz reader's limit");
  }
}
