package io.medvec.core.dicom;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import java.util.List;
import java.util.Locale;

/**
 * How DICOM files are decoded: the grey window, the multi-frame policy and the size cap. Each
 * component is read from the key of the same name ({@link #WINDOW}, {@link #WINDOW_CENTER}, {@link
 * #WINDOW_WIDTH}, {@link #MULTI_FRAME}, {@link #MAX_PIXEL_BYTES}).
 *
 * @param window where the grey window comes from
 * @param windowCenter the fixed window's centre, in modality units (used with {@link
 *     WindowMode#FIXED})
 * @param windowWidth the fixed window's width, in modality units, at least 1
 * @param multiFrame first frame or refusal for multi-frame files
 * @param maxPixelBytes the largest Pixel Data a file may declare or hold, in bytes
 */
public record DicomOptions(
    WindowMode window,
    double windowCenter,
    double windowWidth,
    MultiFramePolicy multiFrame,
    long maxPixelBytes) {

  public static final ConfigKey<WindowMode> WINDOW =
      ConfigKey.enumValue(
          "data.dicom.window",
          WindowMode.class,
          WindowMode.FILE,
          "grey window mapping modality values to [0, 1]: file (the file's Window Center/Width, else"
              + " the image's min-max), min-max, or fixed (data.dicom.window-center/-width)");
  public static final ConfigKey<Double> WINDOW_CENTER =
      ConfigKey.number(
          "data.dicom.window-center",
          40.0,
          -1e9,
          1e9,
          "centre of the fixed grey window, in modality units (Hounsfield units for CT); only with"
              + " data.dicom.window=fixed");
  public static final ConfigKey<Double> WINDOW_WIDTH =
      ConfigKey.number(
          "data.dicom.window-width",
          400.0,
          1.0,
          1e9,
          "width of the fixed grey window, in modality units; only with data.dicom.window=fixed");
  public static final ConfigKey<MultiFramePolicy> MULTI_FRAME =
      ConfigKey.enumValue(
          "data.dicom.multi-frame",
          MultiFramePolicy.class,
          MultiFramePolicy.FIRST,
          "multi-frame files: first (decode frame 1) or refuse");
  public static final ConfigKey<Long> MAX_PIXEL_BYTES =
      ConfigKey.longValue(
          "data.dicom.max-pixel-bytes",
          256L << 20,
          "largest Pixel Data a DICOM file may declare (rows x columns x samples x frames x bytes)"
              + " or hold, in bytes; larger files are refused before they are read");

  /** The keys {@link #from} reads. */
  public static final ConfigGroup KEYS =
      ConfigGroup.of(
          "data.dicom: decoding DICOM images",
          WINDOW,
          WINDOW_CENTER,
          WINDOW_WIDTH,
          MULTI_FRAME,
          MAX_PIXEL_BYTES);

  public DicomOptions {
    if (window == null || multiFrame == null) {
      throw new ConfigException(
          "Invalid config key 'data.dicom.window' or 'data.dicom.multi-frame': must not be null");
    }
    if (!(windowWidth >= 1) || !Double.isFinite(windowCenter)) {
      throw new ConfigException(
          "Invalid config key 'data.dicom.window-width': must be a finite number >= 1 ("
              + windowWidth
              + ")");
    }
    if (maxPixelBytes < 1) {
      throw new ConfigException(
          "Invalid config key 'data.dicom.max-pixel-bytes': must be > 0 (" + maxPixelBytes + ")");
    }
  }

  /** The declared defaults. */
  public static DicomOptions defaults() {
    return new DicomOptions(
        WINDOW.defaultValue(),
        WINDOW_CENTER.defaultValue(),
        WINDOW_WIDTH.defaultValue(),
        MULTI_FRAME.defaultValue(),
        MAX_PIXEL_BYTES.defaultValue());
  }

  /**
   * Reads {@code data.dicom.*} from the root map or a section; a fixed-window key without {@code
   * window: fixed} is refused so a setting that would be ignored is not silently dropped.
   */
  public static DicomOptions from(ConfigMap map) {
    WindowMode window = WINDOW.read(map);
    if (window != WindowMode.FIXED) {
      for (ConfigKey<Double> key : List.of(WINDOW_CENTER, WINDOW_WIDTH)) {
        if (key.isSet(map)) {
          throw new ConfigException(
              "Invalid config key '"
                  + key.name()
                  + "': only used with data.dicom.window=fixed (it is "
                  + window.name().toLowerCase(Locale.ROOT).replace('_', '-')
                  + ")");
        }
      }
    }
    return new DicomOptions(
        window,
        WINDOW_CENTER.read(map),
        WINDOW_WIDTH.read(map),
        MULTI_FRAME.read(map),
        MAX_PIXEL_BYTES.read(map));
  }

  /** These options with {@code cap} as the pixel-byte limit. */
  public DicomOptions withMaxPixelBytes(long cap) {
    return new DicomOptions(window, windowCenter, windowWidth, multiFrame, cap);
  }

  /** These options with a fixed window. */
  public DicomOptions withFixedWindow(double center, double width) {
    return new DicomOptions(WindowMode.FIXED, center, width, multiFrame, maxPixelBytes);
  }
}
