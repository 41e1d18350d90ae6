package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

/**
 * A MedMNIST dataset: its train, val and test {@link ImageSet}s, which share the dataset name,
 * image shape and class count.
 */
public record MedMnist(String dataset, ImageSet train, ImageSet val, ImageSet test) {

  /** Validates that the three sets belong together. */
  public MedMnist {
    checkArgument(
        dataset != null && !dataset.isBlank(), "Cannot create dataset: blank name (%s)", dataset);
    check(dataset, Split.TRAIN, train, train);
    check(dataset, Split.VAL, val, train);
    check(dataset, Split.TEST, test, train);
  }

  private static void check(String dataset, Split split, ImageSet set, ImageSet train) {
    checkNotNull(set, "Cannot create dataset %s: %s set is null", dataset, split.id());
    checkArgument(
        set.split() == split,
        "Cannot create dataset %s: %s set has split %s",
        dataset,
        split.id(),
        set.split().id());
    checkArgument(
        set.dataset().equals(dataset),
        "Cannot create dataset %s: %s set belongs to another dataset (%s)",
        dataset,
        split.id(),
        set.dataset());
    checkArgument(
        set.channels() == train.channels()
            && set.height() == train.height()
            && set.width() == train.width()
            && set.numClasses() == train.numClasses(),
        "Cannot create dataset %s: %s set differs from train in shape or classes (%s vs %s)",
        dataset,
        split.id(),
        set,
        train);
  }

  /** The set of the given split. */
  public ImageSet split(Split s) {
    checkNotNull(s, "Cannot select split of %s: split is null", dataset);
    return switch (s) {
      case TRAIN -> train;
      case VAL -> val;
      case TEST -> test;
    };
  }

  public int numClasses() {
    return train.numClasses();
  }

  public int channels() {
    return train.channels();
  }

  public int height() {
    return train.height();
  }

  public int width() {
    return train.width();
  }
}
