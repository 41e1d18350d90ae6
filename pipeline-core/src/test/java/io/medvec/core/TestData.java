package io.medvec.core;

import io.medvec.core.data.MedMnist;
import io.medvec.core.data.NpzReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The real MedMNIST files in ../shared/data (never copied into the project). */
public final class TestData {

  private static MedMnist pneumonia;

  private TestData() {}

  public static Path sharedDir() {
    String prop = System.getProperty("medvec.shared.data");
    for (String candidate :
        List.of(prop == null ? "" : prop, "../shared/data", "../../shared/data")) {
      Path dir = Path.of(candidate);
      if (!candidate.isEmpty() && Files.isRegularFile(dir.resolve("pneumoniamnist.npz"))) {
        return dir.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException(
        "Cannot find ../shared/data/pneumoniamnist.npz (set -Dmedvec.shared.data)");
  }

  /** PneumoniaMNIST, read once per test JVM. */
  public static synchronized MedMnist pneumonia() {
    if (pneumonia == null) {
      pneumonia = NpzReader.read(sharedDir().resolve("pneumoniamnist.npz"));
    }
    return pneumonia;
  }

  /** The first {@code n} indices. */
  public static int[] first(int n) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    return idx;
  }
}
