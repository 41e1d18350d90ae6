package io.medvec.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder's final image against pydicom's {@code pixel_array} put through the same modality
 * transform, linear VOI window (the file's, else min–max), MONOCHROME1 inversion and colour scaling
 * in numpy, written by Debian's {@code /usr/bin/python3}. Also writes a deflated copy of a real
 * file with pydicom, as no shared file uses that syntax.
 */
class DicomPydicomCrossCheckTest {
  private static final String PYTHON = "/usr/bin/python3";

  /** Grey with a file window, CT with rescale, MONOCHROME1 JPEG 2000, grey min–max, RGB. */
  private static final List<String> FILES =
      List.of(
          "images/MR_small.dcm",
          "images/MR_small_bigendian.dcm",
          "images/MR_small_RLE.dcm",
          "images/693_UNCR.dcm",
          "images/MR2_UNCR.dcm",
          "images/RG1_J2KI.dcm",
          "images/CT_small.dcm",
          "images/SC_rgb.dcm",
          "images/SC_rgb_jpeg.dcm",
          "images/US1_UNCR.dcm");

  private static final String SCRIPT =
      """
      import sys
      import numpy as np
      import pydicom
      from pydicom.pixel_data_handlers.util import apply_modality_lut

      def first(v):
          return float(v[0]) if isinstance(v, pydicom.multival.MultiValue) else float(v)

      for src, dst in zip(sys.argv[1::2], sys.argv[2::2]):
          ds = pydicom.dcmread(src)
          a = ds.pixel_array.astype(np.float64)
          if ds.SamplesPerPixel == 1:
              m = apply_modality_lut(a, ds).astype(np.float32).astype(np.float64)
              wc, ww = ds.get("WindowCenter"), ds.get("WindowWidth")
              if wc is not None and ww is not None and first(ww) >= 1:
                  c, w = first(wc), first(ww)
                  y = np.where(m <= c - 0.5 - (w - 1) / 2, 0.0,
                      np.where(m > c - 0.5 + (w - 1) / 2, 1.0,
                               ((m - (c - 0.5)) / max(w - 1, 1e-300) + 0.5)))
              else:
                  lo, hi = m.min(), m.max()
                  y = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
              if ds.PhotometricInterpretation == "MONOCHROME1":
                  y = 1 - y
          else:
              y = a / (2 ** ds.BitsStored - 1)
          y.astype("<f4").tofile(dst)
      """;

  @TempDir static Path tmp;

  @BeforeAll
  static void pydicomIsThere() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing");
    assumeTrue(run(List.of(PYTHON, "-c", "import pydicom, numpy")) == 0, "pydicom is missing");
  }

  @Test
  void finalImagesEqualPydicomWindowedInNumpy() throws Exception {
    Path script = tmp.resolve("window.py");
    Files.writeString(script, SCRIPT);
    List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
    for (int i = 0; i < FILES.size(); i++) {
      command.add(DicomFiles.dir().resolve(FILES.get(i)).toString());
      command.add(tmp.resolve(i + ".f32").toString());
    }
    assertThat(run(command)).as("python exit code").isZero();
    for (int i = 0; i < FILES.size(); i++) {
      String file = FILES.get(i);
      float[] ours = DicomFiles.decode(file).pixels();
      float[] theirs = floats(tmp.resolve(i + ".f32"));
      assertThat(theirs).as(file).hasSize(ours.length);
      double maxDiff = 0;
      int differing = 0;
      for (int k = 0; k < ours.length; k++) {
        double d = Math.abs(ours[k] - theirs[k]);
        maxDiff = Math.max(maxDiff, d);
        differing += d > 1e-6 ? 1 : 0;
      }
      if (file.endsWith("RG1_J2KI.dcm")) {
        // irreversible JPEG 2000: the two decoders' wavelet arithmetic rounds some samples the
        // other way, by one stored unit (measured: 1.6% of the samples; window width 30000)
        assertThat(maxDiff).as(file).isLessThanOrEqualTo(1.0 / 29999 + 1e-6);
        assertThat(differing).as(file).isLessThan(ours.length / 50);
      } else {
        assertThat(maxDiff).as(file).isLessThanOrEqualTo(1e-6);
      }
    }
  }

  @Test
  void aDeflatedCopyWrittenByPydicomDecodesToTheSameSamples() throws Exception {
    Path deflated = tmp.resolve("MR_small_deflated.dcm");
    Path src = DicomFiles.dir().resolve("images/MR_small.dcm");
    String py =
        "import sys, pydicom\n"
            + "from pydicom.uid import DeflatedExplicitVRLittleEndian as D\n"
            + "ds = pydicom.dcmread(sys.argv[1])\n"
            + "ds.file_meta.TransferSyntaxUID = D\n"
            + "ds.save_as(sys.argv[2], write_like_original=False)\n";
    assertThat(run(List.of(PYTHON, "-c", py, src.toString(), deflated.toString()))).isZero();
    assertThat(Files.size(deflated)).isLessThan(Files.size(src));

    DicomImage image = DicomFiles.decode(deflated, DicomOptions.defaults());
    assertThat(image.transferSyntaxUid()).isEqualTo("1.2.840.10008.1.2.1.99");
    assertThat(image.storedValues())
        .containsExactly(DicomFiles.decode("images/MR_small.dcm").storedValues());
  }

  @Test
  void aPlanarCopyWrittenByPydicomDecodesToTheSameImage() throws Exception {
    Path planar = tmp.resolve("SC_rgb_planar.dcm");
    Path src = DicomFiles.dir().resolve("images/SC_rgb.dcm");
    String py =
        "import sys, pydicom\n"
            + "ds = pydicom.dcmread(sys.argv[1])\n"
            + "a = ds.pixel_array\n"
            + "ds.PixelData = a.transpose(2, 0, 1).tobytes()\n"
            + "ds.PlanarConfiguration = 1\n"
            + "ds.save_as(sys.argv[2])\n";
    assertThat(run(List.of(PYTHON, "-c", py, src.toString(), planar.toString()))).isZero();

    DicomImage image = DicomFiles.decode(planar, DicomOptions.defaults());
    assertThat(image.channels()).isEqualTo(3);
    assertThat(image.pixels()).containsExactly(DicomFiles.decode("images/SC_rgb.dcm").pixels());
  }

  private static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static int run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("python did not finish in 120 s: " + command);
    }
    if (p.exitValue() != 0) {
      System.err.println(new String(output, StandardCharsets.UTF_8));
    }
    return p.exitValue();
  }
}
