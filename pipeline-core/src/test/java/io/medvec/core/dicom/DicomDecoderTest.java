package io.medvec.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.dicom.DicomFiles.Reference;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** DICOM decoding on the real files of ../shared/data/dicom against reference.csv. */
class DicomDecoderTest {

  /** Files the bundled codecs cannot decode, with what the refusal must say. */
  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "images/MR_small_jpeg_ls_lossless.dcm", "transfer syntax JPEG-LS Lossless",
          "images/JPEG-lossy.dcm", "Unsupported JPEG data precision 12");

  /** What the refusal of each file in bad/ must say besides its name. */
  private static final Map<String, String> BAD =
      Map.of(
          "MR_truncated.dcm", "truncated file: it ends inside the Pixel Data (7FE0,0010)",
          "emri_small_jpeg_2k_lossless_too_short.dcm",
              "truncated file: it ends inside Pixel Data fragment",
          "meta_missing_tsyntax.dcm", "no Transfer Syntax UID (0002,0010)",
          "no_meta.dcm", "no DICM prefix at byte 128",
          "rtplan.dcm", "the RTPLAN object has no Pixel Data (7FE0,0010)",
          "segmentation_1bit.dcm",
              "1-bit pixel data is not supported (Bits Allocated 1, modality SEG");

  static Stream<Reference> decodable() {
    return DicomFiles.references().stream().filter(r -> !UNSUPPORTED.containsKey(r.file()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decodable")
  void storedStatisticsEqualTheReference(Reference ref) {
    DicomImage image = DicomFiles.decode(ref.file());

    assertThat(image.width()).isEqualTo(ref.columns());
    assertThat(image.height()).isEqualTo(ref.rows());
    assertThat(image.channels()).isEqualTo(ref.samples());
    assertThat(image.modality()).isEqualTo(ref.modality());
    assertThat(image.photometric()).isEqualTo(ref.photometric());
    assertThat(image.bitsAllocated()).isEqualTo(ref.bitsAllocated());
    assertThat(image.storedValues()).hasSize(ref.rows() * ref.columns() * ref.samples());
    assertThat(image.pixels()).hasSize(image.storedValues().length);
    double[] pixels = DicomFiles.stats(image.pixels());
    assertThat(pixels[0]).isGreaterThanOrEqualTo(0);
    assertThat(pixels[1]).isLessThanOrEqualTo(1);
    if (!ref.hasStatistics()) {
      return; // JPEG-LL: the reference decoder had no JPEG lossless codec
    }
    double[] s = DicomFiles.stats(image.storedValues());
    assertThat(s[0]).as("min").isEqualTo(ref.min());
    assertThat(s[1]).as("max").isEqualTo(ref.max());
    // reference means are rounded to 4 decimals; JPEG 2000 irreversible (lossy) decoders may
    // differ in rounding a few samples by one
    double tolerance = ref.transferSyntax().equals("JPEG 2000 Image Compression") ? 1e-2 : 6e-5;
    assertThat(s[2]).as("mean").isCloseTo(ref.mean(), within(tolerance));
  }

  @Test
  void theSixEncodingsOfOneMrImageDecodeToTheSameSamples() {
    float[] expected = DicomFiles.decode("images/MR_small.dcm").storedValues();
    for (String other : List.of("RLE", "bigendian", "implicit", "jp2klossless")) {
      assertThat(DicomFiles.decode("images/MR_small_" + other + ".dcm").storedValues())
          .as(other)
          .containsExactly(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupported")
  void filesTheCodecsCannotDecodeAreRefusedNamingTheFileAndTheReason(String file) {
    Path path = DicomFiles.dir().resolve(file);
    assertThatThrownBy(() -> DicomFiles.decode(path, DicomOptions.defaults()))
        .isInstanceOf(DicomException.class)
        .hasMessageStartingWith("Cannot decode DICOM file " + path + ": ")
        .hasMessageContaining(UNSUPPORTED.get(file));
  }

  static Stream<String> unsupported() {
    return UNSUPPORTED.keySet().stream().sorted();
  }

  @Test
  void everyFileInBadIsRefusedNamingIt() {
    List<Path> bad = DicomFiles.bad();
    assertThat(bad.stream().map(p -> p.getFileName().toString()))
        .containsExactlyInAnyOrderElementsOf(BAD.keySet());
    for (Path file : bad) {
      assertThatThrownBy(() -> DicomFiles.decode(file, DicomOptions.defaults()))
          .as(file.toString())
          .isInstanceOf(DicomException.class)
          .hasMessageStartingWith("Cannot decode DICOM file " + file + ": ")
          .hasMessageContaining(BAD.get(file.getFileName().toString()));
    }
  }

  @Test
  void everyPrefixOfARealFileIsRefusedAsTruncated() throws IOException {
    byte[] whole = Files.readAllBytes(DicomFiles.dir().resolve("images/MR_small.dcm"));
    // elements after the Pixel Data are never read: cut anywhere before its end
    int pixelDataEnd = pixelDataTag(whole) + 12 + 64 * 64 * 2;
    assertThat(pixelDataEnd).isLessThanOrEqualTo(whole.length);
    for (int at = 0; at < pixelDataEnd; at += 97) {
      int cut = at;
      byte[] prefix = java.util.Arrays.copyOf(whole, cut);
      assertThatThrownBy(
              () ->
                  DicomDecoder.decode(
                      new ByteArrayInputStream(prefix), "cut" + cut, DicomOptions.defaults()))
          .as("cut at %d", cut)
          .isInstanceOf(DicomException.class)
          .hasMessageStartingWith("Cannot decode DICOM file cut" + cut + ": ");
    }
  }

  /** The offset of the last Pixel Data tag, explicit VR little endian OW. */
  private static int pixelDataTag(byte[] b) {
    for (int i = b.length - 6; i >= 0; i--) {
      if ((b[i] & 0xFF) == 0xE0
          && b[i + 1] == 0x7F
          && b[i + 2] == 0x10
          && b[i + 3] == 0
          && b[i + 4] == 'O'
          && b[i + 5] == 'W') {
        return i;
      }
    }
    throw new IllegalStateException("no Pixel Data tag");
  }

  @Test
  void theDeclaredSizeIsCheckedAgainstTheCapBeforeThePixelsAreRead() {
    Path file = DicomFiles.dir().resolve("images/MR2_UNCR.dcm");
    assertThatThrownBy(
            () -> DicomFiles.decode(file, DicomOptions.defaults().withMaxPixelBytes(1 << 20)))
        .isInstanceOf(DicomException.class)
        .hasMessageContaining(
            "its declared image of Rows 1024 x Columns 1024 x Samples 1 x Frames 1 x 16 bits needs"
                + " 2097152 bytes, more than data.dicom.max-pixel-bytes (1048576)");
    assertThat(DicomFiles.decode(file, DicomOptions.defaults().withMaxPixelBytes(2097152)).width())
        .isEqualTo(1024);
  }

  @Test
  void aMultiFrameFileIsRefusedWhenThePolicySaysSo() {
    Path file = DicomFiles.dir().resolve("bad/emri_small_jpeg_2k_lossless_too_short.dcm");
    DicomOptions refuse =
        new DicomOptions(WindowMode.FILE, 0, 1, MultiFramePolicy.REFUSE, 1L << 28);
    assertThatThrownBy(() -> DicomFiles.decode(file, refuse))
        .isInstanceOf(DicomException.class)
        .hasMessageContaining("it holds 10 frames and data.dicom.multi-frame is refuse");
  }

  @Test
  void ctModalityValuesAreRescaledToHounsfieldUnits() {
    DicomImage ct = DicomFiles.decode("images/693_UNCR.dcm");
    assertThat(ct.rescaleSlope()).isEqualTo(1.0);
    assertThat(ct.rescaleIntercept()).isEqualTo(-1024.0);
    assertThat(ct.signed()).isTrue();
    double[] hu = DicomFiles.stats(ct.modalityValues());
    assertThat(hu[0]).isEqualTo(-2000 - 1024.0);
    assertThat(hu[1]).isEqualTo(2492 - 1024.0);
    assertThat(ct.windowSource()).isEqualTo(WindowSource.FILE);
    assertThat(ct.windowCenter()).isEqualTo(40.0);
    assertThat(ct.windowWidth()).isEqualTo(100.0);
  }

  @Test
  void theWindowFollowsTheLinearVoiFunction() {
    // PS3.3 C.11.2.1.2.1: c=40, w=100 maps <= -10 to 0, > 89 to 1, and 39.5 to the middle
    float[] x = {-1000, -10, 39.5f, 89, 89.5f, 3000};
    float[] y = DicomDecoder.window(x.clone(), 40, 100, false);
    assertThat(y[0]).isEqualTo(0f);
    assertThat(y[1]).isEqualTo(0f);
    assertThat(y[2]).isCloseTo(0.5f, within(1e-6f));
    assertThat(y[3]).isCloseTo(1f, within(1e-6f));
    assertThat(y[4]).isEqualTo(1f);
    assertThat(DicomDecoder.window(x.clone(), 40, 100, true)[0]).isEqualTo(1f);
  }

  @Test
  void configuredWindowsReplaceTheFilesOwn() {
    Path mr = DicomFiles.dir().resolve("images/MR_small.dcm");
    DicomImage minMax =
        DicomFiles.decode(
            mr, new DicomOptions(WindowMode.MIN_MAX, 0, 1, MultiFramePolicy.FIRST, 1L << 28));
    assertThat(minMax.windowSource()).isEqualTo(WindowSource.MIN_MAX);
    double[] s = DicomFiles.stats(minMax.pixels());
    assertThat(s[0]).isEqualTo(0.0);
    assertThat(s[1]).isEqualTo(1.0);

    DicomImage fixed = DicomFiles.decode(mr, DicomOptions.defaults().withFixedWindow(127, 1));
    assertThat(fixed.windowSource()).isEqualTo(WindowSource.FIXED);
    float[] stored = fixed.storedValues();
    float[] pixels = fixed.pixels();
    for (int i = 0; i < stored.length; i++) {
      assertThat(pixels[i]).isEqualTo(stored[i] > 126.5 ? 1f : 0f);
    }
  }

  @Test
  void monochrome1IsInvertedSoBrightMeansHigh() {
    DicomImage cr = DicomFiles.decode("images/RG1_J2KI.dcm");
    assertThat(cr.photometric()).isEqualTo("MONOCHROME1");
    float[] stored = cr.storedValues();
    float[] pixels = cr.pixels();
    int low = 0;
    int high = 0;
    for (int i = 0; i < stored.length; i++) {
      low = stored[i] < stored[low] ? i : low;
      high = stored[i] > stored[high] ? i : high;
    }
    assertThat(pixels[low]).isGreaterThan(pixels[high]);
  }

  @Test
  void optionsAreReadFromConfigAndContradictionsRefused() {
    DicomOptions o =
        DicomOptions.from(
            ConfigMap.parse(
                "data:\n  dicom:\n    window: fixed\n    window-center: -600\n    window-width: 1500\n"
                    + "    multi-frame: refuse\n    max-pixel-bytes: 1000000\n",
                "test.yaml"));
    assertThat(o)
        .isEqualTo(
            new DicomOptions(WindowMode.FIXED, -600, 1500, MultiFramePolicy.REFUSE, 1000000));
    assertThat(DicomOptions.from(ConfigMap.empty())).isEqualTo(DicomOptions.defaults());
    assertThatThrownBy(
            () -> DicomOptions.from(ConfigMap.parse("data.dicom.window-center: 40\n", "test.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "Invalid config key 'data.dicom.window-center': only used with data.dicom.window=fixed (it is file)");
    assertThatThrownBy(
            () ->
                DicomOptions.from(
                    ConfigMap.parse(
                        "data.dicom.window: fixed\ndata.dicom.window-width: 0.5\n", "test.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.dicom.window-width");
  }

  @Test
  void theMagicIsRecognisedOnRealFilesOnly() throws IOException {
    byte[] head = Files.readAllBytes(DicomFiles.dir().resolve("images/CT_small.dcm"));
    assertThat(DicomDecoder.looksLikeDicom(head)).isTrue();
    assertThat(
            DicomDecoder.looksLikeDicom(
                Files.readAllBytes(DicomFiles.dir().resolve("bad/no_meta.dcm"))))
        .isFalse();
  }
}
