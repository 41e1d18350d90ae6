package io.medvec.core.data;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the real, read-only MedMNIST files shared with the project (never copied into it). */
final class SharedData {
  static final String PROPERTY = "medvec.shared.data";

  private SharedData() {}

  static Path dir() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getProperty(PROPERTY);
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    }
    candidates.add(Path.of("..", "shared", "data"));
    candidates.add(Path.of("..", "..", "shared", "data"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate.resolve("pneumoniamnist.npz"))) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    return fail("Cannot find the shared data directory: tried %s (set -D%s)", candidates, PROPERTY);
  }

  static Path pneumonia() {
    return dir().resolve("pneumoniamnist.npz");
  }

  static Path retina() {
    return dir().resolve("retinamnist.npz");
  }
}
