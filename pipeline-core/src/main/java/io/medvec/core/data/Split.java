package io.medvec.core.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** One of the three official splits of a dataset. */
public enum Split {
  TRAIN("train"),
  VAL("val"),
  TEST("test");

  private final String id;

  Split(String id) {
    this.id = id;
  }

  /** Lower-case id used in file keys and paths: {@code train}, {@code val}, {@code test}. */
  public String id() {
    return id;
  }

  /** Key of this split's images in a MedMNIST npz, e.g. {@code train_images}. */
  public String imagesKey() {
    return id + "_images";
  }

  /** Key of this split's labels in a MedMNIST npz, e.g. {@code train_labels}. */
  public String labelsKey() {
    return id + "_labels";
  }

  /**
   * Parses a split id, case-insensitively.
   *
   * @throws IllegalArgumentException for an unknown value, listing the valid ones
   */
  public static Split parse(String s) {
    if (s != null) {
      String wanted = s.trim().toLowerCase(Locale.ROOT);
      for (Split split : values()) {
        if (split.id.equals(wanted)) {
          return split;
        }
      }
    }
    throw new IllegalArgumentException(
        String.format("Cannot parse split: unknown value (%s), valid values: %s", s, ids()));
  }

  static List<String> ids() {
    return Arrays.stream(values()).map(Split::id).toList();
  }
}
