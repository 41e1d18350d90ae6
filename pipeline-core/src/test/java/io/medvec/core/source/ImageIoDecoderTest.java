package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageIoDecoderTest {

  /** A real 8x8 PNG whose IHDR chunk is rewritten to declare {@code width} x {@code height}. */
  static byte[] pngDeclaring(int width, int height) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", out);
    byte[] png = out.toByteArray();
    // signature (8) + length (4) + "IHDR" (4), then width, height, ..., 13 bytes of data + CRC
    ByteBuffer b = ByteBuffer.wrap(png);
    b.putInt(16, width);
    b.putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 4 + 13);
    b.putInt(12 + 4 + 13, (int) crc.getValue());
    return png;
  }

  @Test
  void aHeaderDeclaringMorePixelsThanTheLimitIsRefusedBeforeDecoding() throws Exception {
    byte[] bomb = pngDeclaring(20_000, 20_000); // 400 M pixels in a file of under 100 bytes
    assertThat(bomb.length).isLessThan(200);
    assertThatThrownBy(() -> new ImageIoDecoder().decode(bomb, "bomb.png"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot decode image bomb.png: its header declares 20000 x 20000 = 400000000 pixels,"
                + " more than the limit of 89478485");
  }

  @Test
  void theRewrittenHeaderIsReadAsWrittenAndSmallImagesDecode() throws Exception {
    // the same construction at the real size decodes: the refusal above is the limit's
    DecodedImage image = new ImageIoDecoder().decode(pngDeclaring(8, 8), "small.png");
    assertThat(image.width()).isEqualTo(8);
    assertThat(image.channels()).isEqualTo(1);
    // just above the limit in one dimension is refused too
    assertThatThrownBy(() -> new ImageIoDecoder().decode(pngDeclaring(89_478_486, 1), "wide.png"))
        .hasMessageContaining("more than the limit");
  }
}
