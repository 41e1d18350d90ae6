package io.medvec.core.data;

import io.medvec.core.TestData;
import java.nio.file.Path;

/** Paths of the real, read-only MedMNIST files shared with the project (see {@link TestData}). */
final class SharedData {

  private SharedData() {}

  static Path pneumonia() {
    return TestData.sharedDir().resolve("pneumoniamnist.npz");
  }

  static Path retina() {
    return TestData.sharedDir().resolve("retinamnist.npz");
  }
}
