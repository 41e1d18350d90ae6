package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the Debian Python peer ({@code /usr/bin/python3} with Pillow) on a script. */
final class Pillow {

  static final String PYTHON = "/usr/bin/python3";

  private Pillow() {}

  /** Runs {@code script} with {@code args}; returns stdout, failing the test on a non-zero exit. */
  static String run(Path dir, String script, String... args)
      throws IOException, InterruptedException {
    Path file = dir.resolve("peer.py");
    Files.writeString(file, script);
    List<String> command = new ArrayList<>(List.of(PYTHON, file.toString()));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile()).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("python finished").isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(text).isZero();
    return text;
  }

  /** Unsigned 8-bit samples of a raw file, as ints. */
  static int[] u8(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    int[] v = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      v[i] = b[i] & 0xff;
    }
    return v;
  }

  /** HWC 8-bit samples to CHW floats scaled back to 0..255. */
  static float[] chw255(DecodedImage image) {
    float[] out = image.pixels().clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= 255f;
    }
    return out;
  }

  /** CHW of HWC raw samples. */
  static int[] hwcToChw(int[] hwc, int channels, int height, int width) {
    int[] out = new int[hwc.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
          out[(c * height + y) * width + x] = hwc[(y * width + x) * channels + c];
        }
      }
    }
    return out;
  }

  /** Mean and max absolute difference between {@code ours} (0..scale floats) and Pillow's ints. */
  static double[] diff(float[] ours, int[] theirs) {
    assertThat(ours).hasSameSizeAs(theirs);
    double sum = 0;
    double max = 0;
    for (int i = 0; i < ours.length; i++) {
      double d = Math.abs(ours[i] - theirs[i]);
      sum += d;
      max = Math.max(max, d);
    }
    return new double[] {sum / ours.length, max};
  }
}
