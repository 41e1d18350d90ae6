package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding and resizing against Pillow (the Debian python3-pil peer) on real ISIC JPEGs, and the
 * PNG, BMP and JPEG variants Pillow writes from one of them: grey, palette, RGBA, 16-bit grey,
 * CMYK.
 */
class PillowParityTest {

  private static final ImageDecoders DECODERS = ImageDecoders.standard();

  private static final String SCRIPT =
      """
      import sys, numpy as np
      from PIL import Image
      out = sys.argv[1]
      files = open(sys.argv[2]).read().split()
      for i, f in enumerate(files):
          im = Image.open(f).convert('RGB')
          open(f'{out}/{i}.rgb', 'wb').write(np.asarray(im).tobytes())
          open(f'{out}/{i}.bil64', 'wb').write(np.asarray(im.resize((64, 64), Image.BILINEAR)).tobytes())
          open(f'{out}/{i}.box64', 'wb').write(np.asarray(im.resize((64, 64), Image.BOX)).tobytes())
          open(f'{out}/{i}.bil50x37', 'wb').write(np.asarray(im.resize((50, 37), Image.BILINEAR)).tobytes())
      src = Image.open(files[0]).convert('RGB').crop((10, 20, 160, 120))
      src.save(f'{out}/rgb.png'); src.save(f'{out}/rgb.bmp')
      src.convert('L').save(f'{out}/grey.png'); src.convert('L').save(f'{out}/grey.jpg', quality=90)
      src.convert('L').save(f'{out}/grey.bmp')
      src.convert('P', palette=Image.ADAPTIVE, colors=64).save(f'{out}/palette.png')
      rgba = src.copy(); rgba.putalpha(128); rgba.save(f'{out}/rgba.png')
      g16 = (np.asarray(src.convert('L')).astype(np.uint16) * 257 + np.arange(150, dtype=np.uint16)[None, :])
      Image.fromarray(g16.astype('<u2'), 'I;16').save(f'{out}/grey16.png')
      src.convert('CMYK').save(f'{out}/cmyk.jpg', quality=95)
      for name in ['rgb.png', 'rgb.bmp', 'grey.png', 'grey.jpg', 'grey.bmp', 'palette.png', 'rgba.png', 'grey16.png', 'cmyk.jpg']:
          im = Image.open(f'{out}/{name}')
          ref = im if im.mode in ('L', 'I', 'I;16') else im.convert('RGB')
          arr = np.asarray(ref)
          if im.mode in ('I', 'I;16'):
              arr = arr.astype('<u2')
          open(f'{out}/{name}.ref', 'wb').write(arr.tobytes())
          print(name, im.mode, arr.shape)
      """;

  @TempDir static Path dir;
  private static List<Path> jpegs;
  private static String fixtures;

  @BeforeAll
  static void runPillow() throws Exception {
    Path isic = TestData.sharedDir().resolve("isic-skin");
    try (Stream<Path> files = Files.walk(isic)) {
      List<Path> all = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
      jpegs = new ArrayList<>();
      for (int i = 0; i < all.size(); i += 59) {
        jpegs.add(all.get(i));
      }
    }
    Path list = dir.resolve("files.txt");
    Files.write(list, jpegs.stream().map(Path::toString).toList());
    fixtures = Pillow.run(dir, SCRIPT, dir.toString(), list.toString());
  }

  @Test
  void realJpegsDecodeAsPillowDoes() throws IOException {
    double sum = 0;
    double max = 0;
    for (int i = 0; i < jpegs.size(); i++) {
      DecodedImage ours = decode(jpegs.get(i));
      assertThat(ours.channels()).isEqualTo(3);
      int[] ref =
          Pillow.hwcToChw(Pillow.u8(dir.resolve(i + ".rgb")), 3, ours.height(), ours.width());
      double[] d = Pillow.diff(Pillow.chw255(ours), ref);
      sum += d[0];
      max = Math.max(max, d[1]);
    }
    System.out.printf(
        "decode vs Pillow on %d ISIC JPEGs: mean abs diff %.4f, max %.1f levels%n",
        jpegs.size(), sum / jpegs.size(), max);
    assertThat(jpegs).hasSizeGreaterThan(30);
    // measured identical (0 / 0): ImageIO and Debian's libjpeg-turbo share the IJG islow IDCT and
    // fancy upsampling; one level is left for other JPEG library builds
    assertThat(sum / jpegs.size()).isLessThan(0.05);
    assertThat(max).isLessThanOrEqualTo(1.0);
  }

  @Test
  void resizeMatchesPillowsBilinearAndBoxOnTheSamePixels() throws IOException {
    double[] worst = new double[6];
    for (int i = 0; i < jpegs.size(); i++) {
      int[] rgb = Pillow.u8(dir.resolve(i + ".rgb"));
      int side = (int) Math.round(Math.sqrt(rgb.length / 3.0));
      DecodedImage pillowPixels = fromU8(Pillow.hwcToChw(rgb, 3, side, side), side, side, 3);
      compare(pillowPixels, 64, 64, Preprocessing.Interpolation.BILINEAR, i + ".bil64", worst, 0);
      compare(pillowPixels, 64, 64, Preprocessing.Interpolation.AREA, i + ".box64", worst, 2);
      compare(
          pillowPixels, 50, 37, Preprocessing.Interpolation.BILINEAR, i + ".bil50x37", worst, 4);
    }
    System.out.printf(
        "resize vs Pillow (worst image): bilinear 64x64 mean %.4f max %.1f; box 64x64 mean %.4f"
            + " max %.1f; bilinear 50x37 (non-square, stretched) mean %.4f max %.1f levels%n",
        worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]);
    // Pillow rounds to 8 bits between its two passes and at the end: at most one level each
    assertThat(worst[0]).isLessThan(0.5);
    assertThat(worst[1]).isLessThanOrEqualTo(1.5);
    assertThat(worst[2]).isLessThan(0.5);
    assertThat(worst[3]).isLessThanOrEqualTo(1.5);
    assertThat(worst[5]).isLessThanOrEqualTo(1.5);
  }

  private static void compare(
      DecodedImage image,
      int w,
      int h,
      Preprocessing.Interpolation interpolation,
      String refFile,
      double[] worst,
      int at)
      throws IOException {
    float[] ours =
        Resize.resize(
            image.pixels(),
            3,
            image.width(),
            image.height(),
            0,
            0,
            image.width(),
            image.height(),
            w,
            h,
            interpolation.filter);
    for (int k = 0; k < ours.length; k++) {
      ours[k] *= 255f;
    }
    double[] d = Pillow.diff(ours, Pillow.hwcToChw(Pillow.u8(dir.resolve(refFile)), 3, h, w));
    worst[at] = Math.max(worst[at], d[0]);
    worst[at + 1] = Math.max(worst[at + 1], d[1]);
  }

  @Test
  void pngAndBmpVariantsDecodeExactlyAsPillowDoes() throws IOException {
    assertThat(fixtures).contains("palette.png P", "grey16.png I (100, 150)", "cmyk.jpg CMYK");
    for (String name : List.of("rgb.png", "rgb.bmp", "palette.png", "rgba.png")) {
      DecodedImage ours = decode(dir.resolve(name));
      assertThat(ours.channels()).as(name).isEqualTo(3);
      double[] d = Pillow.diff(Pillow.chw255(ours), ref(name, 3, ours));
      assertThat(d[1]).as(name + " max diff").isLessThan(1e-3);
    }
    for (String name : List.of("grey.png", "grey.bmp")) {
      DecodedImage ours = decode(dir.resolve(name));
      assertThat(ours.channels()).as(name).isEqualTo(1);
      assertThat(Pillow.diff(Pillow.chw255(ours), ref(name, 1, ours))[1]).as(name).isLessThan(1e-3);
    }
  }

  @Test
  void sixteenBitGreyKeepsItsPrecision() throws IOException {
    DecodedImage ours = decode(dir.resolve("grey16.png"));
    assertThat(ours.channels()).isEqualTo(1);
    ByteBuffer buf =
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve("grey16.png.ref")))
            .order(ByteOrder.LITTLE_ENDIAN);
    int[] ref = new int[ours.pixels().length];
    for (int i = 0; i < ref.length; i++) {
      ref[i] = buf.getShort() & 0xffff;
    }
    float[] scaled = ours.pixels().clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] *= 65535f;
    }
    double[] d = Pillow.diff(scaled, ref);
    assertThat(d[1]).isLessThan(0.05); // float rounding of v / 65535 only
    assertThat(Arrays.stream(ref).distinct().count()).isGreaterThan(256); // really 16-bit
  }

  @Test
  void greyAndCmykJpegsDecodeWithinOneLevelOfPillow() throws IOException {
    DecodedImage grey = decode(dir.resolve("grey.jpg"));
    assertThat(grey.channels()).isEqualTo(1);
    assertThat(Pillow.diff(Pillow.chw255(grey), ref("grey.jpg", 1, grey))[1])
        .isLessThanOrEqualTo(1);
    DecodedImage cmyk = decode(dir.resolve("cmyk.jpg"));
    assertThat(cmyk.channels()).isEqualTo(3);
    double[] d = Pillow.diff(Pillow.chw255(cmyk), ref("cmyk.jpg", 3, cmyk));
    System.out.printf("CMYK JPEG vs Pillow: mean %.4f max %.1f levels%n", d[0], d[1]);
    assertThat(d[0]).isLessThan(0.1);
    assertThat(d[1]).isLessThanOrEqualTo(1.0);
  }

  @Test
  void undecodableFilesAreRefusedByName() throws IOException {
    byte[] jpeg = Files.readAllBytes(jpegs.get(0));
    assertThatThrownBy(() -> DECODERS.decode(Arrays.copyOf(jpeg, jpeg.length / 2), "cut.jpg"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot decode image cut.jpg: corrupt or truncated");
    assertThatThrownBy(() -> DECODERS.decode("label,file\n".getBytes(), "notes.jpg"))
        .hasMessageStartingWith("Cannot decode image notes.jpg: not a JPEG, PNG or BMP image");
    assertThatThrownBy(() -> DECODERS.decode(new byte[] {1, 2, 3}, "scan.tif"))
        .hasMessage(
            "Cannot decode image scan.tif: unknown image format, expected one of [jpeg, png, bmp]"
                + " (first bytes 010203)");
  }

  @Test
  void aRegisteredFormatIsChosenByMagicBeforeExtension() {
    DecodedImage one = new DecodedImage(1, 1, 1, new float[] {0.5f});
    ImageDecoders withDicom =
        DECODERS.with(
            new ImageDecoders.Format(
                "dicom",
                java.util.Set.of("dcm"),
                ImageDecoders.magicAt(128, 'D', 'I', 'C', 'M'),
                (bytes, name) -> one));
    byte[] dicm = new byte[132];
    dicm[128] = 'D';
    dicm[129] = 'I';
    dicm[130] = 'C';
    dicm[131] = 'M';
    assertThat(withDicom.decode(dicm, "no-extension")).isSameAs(one);
    assertThat(withDicom.accepts("a/b/IMG0001.DCM")).isTrue();
    assertThat(DECODERS.accepts("a/b/IMG0001.dcm")).isFalse();
  }

  private static DecodedImage decode(Path file) throws IOException {
    return DECODERS.decode(Files.readAllBytes(file), file.toString());
  }

  private static int[] ref(String name, int channels, DecodedImage ours) throws IOException {
    return Pillow.hwcToChw(
        Pillow.u8(dir.resolve(name + ".ref")), channels, ours.height(), ours.width());
  }

  private static DecodedImage fromU8(int[] chw, int w, int h, int c) {
    float[] px = new float[chw.length];
    for (int i = 0; i < px.length; i++) {
      px[i] = chw[i] / 255f;
    }
    return new DecodedImage(w, h, c, px);
  }
}
