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

  /** The real pre-trained Keras models in ../shared/models (never copied into the project). */
  public static Path sharedModels() {
    return sharedDir().resolveSibling("models");
  }

  /** A file of the repository (tests run in a module directory, one level below the root). */
  public static Path repoFile(String relative) {
    for (String root : List.of("..", ".")) {
      Path file = Path.of(root).resolve(relative);
      if (Files.isRegularFile(file)) {
        return file.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("Cannot find " + relative + " in the repository");
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
