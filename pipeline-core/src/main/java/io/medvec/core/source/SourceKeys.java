package io.medvec.core.source;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import java.util.List;

/** The {@code data.*} keys of image sources and preprocessing, declared once. */
public final class SourceKeys {

  /** Channels in config: {@code auto} takes them from the data (or the model). */
  public enum ChannelsChoice {
    AUTO,
    GREY,
    RGB
  }

  public static final ConfigKey<SourceFormat> FORMAT =
      ConfigKey.enumValue(
          "data.format",
          SourceFormat.class,
          SourceFormat.AUTO,
          "layout of data.path: npz, image-folder (ROOT/SPLIT/CLASS/* or ROOT/CLASS/*), manifest"
              + " (CSV or Parquet rows), image-table (Spark binaryFile Parquet), auto: recognised");
  public static final ConfigKey<List<String>> CLASSES =
      ConfigKey.strings(
              "data.classes",
              List.of(),
              "class names in label order; empty: folder names, or the manifest's names, sorted")
          .defaultText("[] (from the data)");
  public static final ConfigKey<String> PATH_COLUMN =
      ConfigKey.string(
          "data.columns.path",
          ManifestColumns.DEFAULT.path(),
          "manifest column of image paths, relative to the manifest's directory or absolute URIs");
  public static final ConfigKey<String> BYTES_COLUMN =
      ConfigKey.string(
              "data.columns.bytes",
              "",
              "manifest column of encoded image bytes (Parquet binary) instead of paths;"
                  + " image-table: content")
          .defaultText("none");
  public static final ConfigKey<String> LABEL_COLUMN =
      ConfigKey.string(
          "data.columns.label",
          ManifestColumns.DEFAULT.label(),
          "manifest column of labels: a class index, or a class name");
  public static final ConfigKey<String> CLASS_NAME_COLUMN =
      ConfigKey.string(
              "data.columns.class-name",
              "",
              "manifest column naming the class of an integer label (gives the class names)")
          .defaultText("none");
  public static final ConfigKey<String> SPLIT_COLUMN =
      ConfigKey.string(
          "data.columns.split",
          ManifestColumns.DEFAULT.split(),
          "manifest column of train/val/test, used when present; empty: split by data.split.*");
  public static final ConfigKey<String> SITE_COLUMN =
      ConfigKey.string(
          "data.columns.site",
          ManifestColumns.DEFAULT.site(),
          "manifest column of the site (clinic) an image comes from, used when present");
  public static final ConfigKey<String> PATIENT_COLUMN =
      ConfigKey.string(
          "data.columns.patient-id",
          ManifestColumns.DEFAULT.patientId(),
          "manifest column of the patient (or lesion): one patient's images stay in one split");
  public static final ConfigKey<Double> VAL_FRACTION =
      ConfigKey.number(
          "data.split.val-fraction",
          0.1,
          0,
          0.9,
          "share of each class for val when the data has no split (ROOT/CLASS/*, no split column)");
  public static final ConfigKey<Double> TEST_FRACTION =
      ConfigKey.number(
          "data.split.test-fraction", 0.1, 0, 0.9, "share of each class for test, likewise");
  public static final ConfigKey<Long> SPLIT_SEED =
      ConfigKey.longValue("data.split.seed", 0, "seed of that stratified, patient-grouped split");
  public static final ConfigKey<Integer> SIZE =
      ConfigKey.integer(
              "data.image.size",
              0,
              0,
              4096,
              "side of the square network input in pixels; 0: the data's own size")
          .defaultText("0 (from the data)");
  public static final ConfigKey<Preprocessing.Aspect> ASPECT =
      ConfigKey.enumValue(
          "data.image.aspect",
          Preprocessing.Aspect.class,
          Preprocessing.Aspect.CENTER_CROP,
          "fitting another aspect ratio: center-crop (largest centred box) or pad (black border)");
  public static final ConfigKey<Preprocessing.Interpolation> INTERPOLATION =
      ConfigKey.enumValue(
          "data.image.interpolation",
          Preprocessing.Interpolation.class,
          Preprocessing.Interpolation.BILINEAR,
          "resize kernel, as Pillow's: bilinear (antialiased when shrinking) or area (box)");
  public static final ConfigKey<ChannelsChoice> CHANNELS =
      ConfigKey.enumValue(
          "data.image.channels",
          ChannelsChoice.class,
          ChannelsChoice.AUTO,
          "network input channels: grey, rgb, auto: the data's (the first image's)");
  public static final ConfigKey<Preprocessing.Scaling> SCALING =
      ConfigKey.enumValue(
          "data.image.scaling",
          Preprocessing.Scaling.class,
          Preprocessing.Scaling.UNIT,
          "intensities: unit ([0, 1]) or mean-std ((v - mean) / std per channel of the [0, 1] value,"
              + " applied to every batch as theta_pre's input scale and recorded in its input"
              + " contract)");
  public static final ConfigKey<List<Double>> MEAN =
      ConfigKey.numbers(
          "data.image.mean", List.of(), 0, 1, "per-channel means for mean-std scaling");
  public static final ConfigKey<List<Double>> STD =
      ConfigKey.numbers(
          "data.image.std", List.of(), 1e-6, 1e6, "per-channel standard deviations for mean-std");
  public static final ConfigKey<Boolean> AUGMENT =
      ConfigKey.bool(
          "data.augment.enabled",
          false,
          "seeded training augmentation (pre-train and fine-tune only), per (seed, epoch, image)");
  public static final ConfigKey<Boolean> HORIZONTAL_FLIP =
      ConfigKey.bool("data.augment.horizontal-flip", true, "flip left-right with probability 1/2");
  public static final ConfigKey<Boolean> VERTICAL_FLIP =
      ConfigKey.bool("data.augment.vertical-flip", false, "flip top-bottom with probability 1/2");
  public static final ConfigKey<Double> ROTATION =
      ConfigKey.number(
          "data.augment.rotation-degrees", 10, 0, 45, "largest rotation either way, in degrees");
  public static final ConfigKey<Double> CROP =
      ConfigKey.number(
          "data.augment.crop-fraction",
          0.9,
          0.05,
          1,
          "smallest share of each side a random crop keeps (resized back); 1: no crop");
  public static final ConfigKey<Double> BRIGHTNESS =
      ConfigKey.number("data.augment.brightness", 0.1, 0, 1, "largest intensity offset either way");
  public static final ConfigKey<Double> CONTRAST =
      ConfigKey.number(
          "data.augment.contrast", 0.1, 0, 1, "largest relative contrast change either way");
  public static final ConfigKey<Integer> CACHE_MB =
      ConfigKey.integer(
          "data.cache-mb",
          0,
          0,
          1 << 20,
          "heap for resized images kept between epochs, in MiB; 0: decode every epoch");

  /** The source keys, for a command's help. */
  public static final ConfigGroup SOURCE =
      ConfigGroup.of(
          "data: image sources",
          FORMAT,
          CLASSES,
          PATH_COLUMN,
          BYTES_COLUMN,
          LABEL_COLUMN,
          CLASS_NAME_COLUMN,
          SPLIT_COLUMN,
          SITE_COLUMN,
          PATIENT_COLUMN,
          VAL_FRACTION,
          TEST_FRACTION,
          SPLIT_SEED,
          CACHE_MB);

  /** The preprocessing keys, for a command's help. */
  public static final ConfigGroup PREPROCESSING =
      ConfigGroup.of(
          "data: preprocessing and augmentation",
          SIZE,
          ASPECT,
          INTERPOLATION,
          CHANNELS,
          SCALING,
          MEAN,
          STD,
          AUGMENT,
          HORIZONTAL_FLIP,
          VERTICAL_FLIP,
          ROTATION,
          CROP,
          BRIGHTNESS,
          CONTRAST);

  private SourceKeys() {}
}
