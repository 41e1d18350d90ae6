package io.medvec.core.source;

import io.medvec.core.dicom.DicomDecoder;
import io.medvec.core.dicom.DicomImage;
import io.medvec.core.dicom.DicomOptions;
import java.io.ByteArrayInputStream;

/**
 * DICOM files of a source through {@link DicomDecoder}: the windowed (grey) or scaled (colour)
 * display image, HWC in [0, 1], reordered to the CHW of {@link DecodedImage}.
 */
final class DicomImageDecoder implements ImageDecoder {

  private final DicomOptions options;

  DicomImageDecoder(DicomOptions options) {
    this.options = options;
  }

  @Override
  public DecodedImage decode(byte[] bytes, String name) {
    DicomImage image = DicomDecoder.decode(new ByteArrayInputStream(bytes), name, options);
    int c = image.channels();
    float[] hwc = image.pixels();
    if (c == 1) {
      return new DecodedImage(image.width(), image.height(), 1, hwc);
    }
    int plane = image.width() * image.height();
    float[] chw = new float[hwc.length];
    for (int p = 0; p < plane; p++) {
      for (int k = 0; k < c; k++) {
        chw[k * plane + p] = hwc[p * c + k];
      }
    }
    return new DecodedImage(image.width(), image.height(), c, chw);
  }
}
