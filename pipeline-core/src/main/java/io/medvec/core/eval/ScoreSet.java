package io.medvec.core.eval;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Mergeable, serializable (java.io.Serializable, for Spark) collection of (label, class-probability
 * row) pairs.
 *
 * <p>A row holds one finite score per class; scores need not be normalised (softmax outputs, logits
 * or any monotone scores give the same AUC and argmax). Non-finite scores are rejected, because
 * they have no rank. Not thread-safe; {@link #merge} returns a new set and leaves both inputs
 * unchanged.
 */
public final class ScoreSet implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int INITIAL_ROWS = 16;

  private final int numClasses;
  private int size;
  private int[] labels;
  private float[] probabilities;

  /** Creates an empty set for {@code numClasses} (at least 2) classes. */
  public ScoreSet(int numClasses) {
    if (numClasses < 2) {
      throw new IllegalArgumentException(
          "Cannot create score set: need at least 2 classes (" + numClasses + ")");
    }
    this.numClasses = numClasses;
    this.labels = new int[0];
    this.probabilities = new float[0];
  }

  /** Adds one example: its true label in [0, numClasses) and one score per class. */
  public void add(int label, float[] probabilities) {
    if (probabilities == null) {
      throw new IllegalArgumentException("Cannot add example: probabilities are null");
    }
    if (probabilities.length != numClasses) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot add example: expected %d probabilities but got %d",
              numClasses, probabilities.length));
    }
    checkRow(0, label, probabilities, 0);
    ensureCapacity(size + 1);
    labels[size] = label;
    System.arraycopy(probabilities, 0, this.probabilities, size * numClasses, numClasses);
    size += 1;
  }

  /** Adds {@code labels.length} examples whose scores are stored row-major, numClasses per row. */
  public void addAll(int[] labels, float[] probabilitiesRowMajor) {
    if (labels == null || probabilitiesRowMajor == null) {
      throw new IllegalArgumentException("Cannot add examples: labels or probabilities are null");
    }
    long expected = (long) labels.length * numClasses;
    if (probabilitiesRowMajor.length != expected) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot add examples: %d labels x %d classes need %d probabilities but got %d",
              labels.length, numClasses, expected, probabilitiesRowMajor.length));
    }
    for (int row = 0; row < labels.length; row += 1) {
      checkRow(row, labels[row], probabilitiesRowMajor, row * numClasses);
    }
    ensureCapacity((long) size + labels.length);
    System.arraycopy(labels, 0, this.labels, size, labels.length);
    System.arraycopy(
        probabilitiesRowMajor, 0, probabilities, size * numClasses, probabilitiesRowMajor.length);
    size += labels.length;
  }

  /** Returns a new set holding the examples of this set followed by those of {@code other}. */
  public ScoreSet merge(ScoreSet other) {
    if (other == null) {
      throw new IllegalArgumentException("Cannot merge score sets: other is null");
    }
    if (other.numClasses != numClasses) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot merge score sets: class counts differ (%d vs %d)",
              numClasses, other.numClasses));
    }
    ScoreSet merged = new ScoreSet(numClasses);
    merged.ensureCapacity((long) size + other.size);
    merged.appendRows(this);
    merged.appendRows(other);
    return merged;
  }

  public int size() {
    return size;
  }

  public int numClasses() {
    return numClasses;
  }

  int label(int row) {
    return labels[row];
  }

  float score(int row, int cls) {
    return probabilities[row * numClasses + cls];
  }

  private void appendRows(ScoreSet source) {
    System.arraycopy(source.labels, 0, labels, size, source.size);
    System.arraycopy(
        source.probabilities, 0, probabilities, size * numClasses, source.size * numClasses);
    size += source.size;
  }

  private void checkRow(int row, int label, float[] values, int from) {
    if (label < 0 || label >= numClasses) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot add example %d: label must be in [0, %d) (%d)", row, numClasses, label));
    }
    for (int cls = 0; cls < numClasses; cls += 1) {
      float value = values[from + cls];
      if (!Float.isFinite(value)) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot add example %d: score of class %d is not finite (%s)", row, cls, value));
      }
    }
  }

  private void ensureCapacity(long rows) {
    long maxRows = (Integer.MAX_VALUE - 8) / numClasses;
    if (rows > maxRows) {
      throw new IllegalArgumentException(
          String.format("Cannot grow score set: more than %d rows (%d)", maxRows, rows));
    }
    if (rows <= labels.length) {
      return;
    }
    int capacity =
        (int) Math.min(maxRows, Math.max(rows, Math.max(INITIAL_ROWS, 2L * labels.length)));
    labels = Arrays.copyOf(labels, capacity);
    probabilities = Arrays.copyOf(probabilities, capacity * numClasses);
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    // spare capacity would otherwise travel through every Spark shuffle
    labels = Arrays.copyOf(labels, size);
    probabilities = Arrays.copyOf(probabilities, size * numClasses);
    out.defaultWriteObject();
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (numClasses < 2
        || labels == null
        || probabilities == null
        || size < 0
        || size > labels.length
        || (long) labels.length * numClasses != probabilities.length) {
      throw new InvalidObjectException("Cannot deserialize score set: inconsistent fields");
    }
  }

  @Override
  public String toString() {
    return "ScoreSet{numClasses=" + numClasses + ", size=" + size + "}";
  }
}
