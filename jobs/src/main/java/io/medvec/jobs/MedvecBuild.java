package io.medvec.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What this build is: {@code medvec-build.properties}, filled in by Maven when it was built. */
public final class MedvecBuild {

  private static final Properties PROPERTIES = load();

  private MedvecBuild() {}

  /** The git commit the build came from, or null when it was built without one. */
  static String gitCommit() {
    String commit = PROPERTIES.getProperty("medvec.git.commit", "").strip();
    return commit.matches("[0-9a-f]{7,40}") ? commit : null;
  }

  /** The project version the build declares, or null outside a Maven build. */
  static String version() {
    String version = PROPERTIES.getProperty("medvec.version", "").strip();
    return version.isEmpty() || version.startsWith("${") ? null : version;
  }

  /** The ND4J native classifier bundled by this build (e.g. linux-x86_64-onednn-avx2), or null. */
  public static String nd4jClassifier() {
    String classifier = PROPERTIES.getProperty("medvec.nd4j.classifier", "").strip();
    return classifier.isEmpty() || classifier.startsWith("${") ? null : classifier;
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = MedvecBuild.class.getResourceAsStream("/medvec-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read medvec-build.properties", e);
    }
    return p;
  }
}
