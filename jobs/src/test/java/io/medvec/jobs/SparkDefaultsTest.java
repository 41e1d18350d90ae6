package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The spark-defaults templates under conf/spark and conf/gpu stay consistent with what ND4J needs
 * and with the build's Java 17 flags (Spark reads these files as java.util.Properties too).
 */
class SparkDefaultsTest {

  static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();

  static Properties load(String file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(CONF.resolve(file))) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** The parent POM's java17.opens, the flags Spark needs on Java 17. */
  static List<String> java17Opens() throws IOException {
    Matcher m =
        Pattern.compile("<java17.opens>(.*?)</java17.opens>")
            .matcher(Files.readString(CONF.resolveSibling("pom.xml")));
    assertThat(m.find()).as("java17.opens in pom.xml").isTrue();
    return Arrays.asList(m.group(1).trim().split("\\s+"));
  }

  @Test
  void clusterTemplatesGiveEachTaskAllItsExecutorsCoresAsOpenMpThreads() {
    for (String file :
        List.of(
            "spark/spark-defaults.yarn.conf",
            "spark/spark-defaults.k8s.conf",
            "gpu/spark-defaults.gpu.conf")) {
      Properties p = load(file);
      String cores = p.getProperty("spark.executor.cores");
      assertThat(cores).as(file).isNotNull();
      assertThat(p.getProperty("spark.executorEnv.OMP_NUM_THREADS")).as(file).isEqualTo(cores);
      assertThat(p.getProperty("spark.task.cpus")).as(file).isEqualTo(cores);
      assertThat(p.getProperty("spark.executor.memoryOverhead")).as(file).matches("[1-9][0-9]*g");
    }
  }

  @Test
  void everyTemplateCarriesTheJava17FlagsAndAnOffHeapCap() throws IOException {
    List<String> opens = java17Opens();
    assertThat(opens).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    for (String target : List.of("local", "yarn", "k8s")) {
      Properties p = load("spark/spark-defaults." + target + ".conf");
      List<String> keys =
          target.equals("local")
              ? List.of("spark.driver.extraJavaOptions")
              : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions");
      for (String key : keys) {
        List<String> options = Arrays.asList(p.getProperty(key, "").trim().split("\\s+"));
        assertThat(options).as(target + " " + key).containsAll(opens);
        assertThat(options)
            .as(target + " " + key)
            .anyMatch(o -> o.startsWith("-Dorg.bytedeco.javacpp.maxphysicalbytes="));
      }
    }
  }

  @Test
  void gpuSettingsScheduleOneGpuPerTaskWithAnExecutableDiscoveryScript() {
    Properties p = load("gpu/spark-defaults.gpu.conf");
    assertThat(p.getProperty("spark.executor.resource.gpu.amount")).isEqualTo("1");
    assertThat(p.getProperty("spark.task.resource.gpu.amount")).isEqualTo("1");
    String script = p.getProperty("spark.executor.resource.gpu.discoveryScript");
    assertThat(script).isEqualTo("./getGpusResources.sh");
    assertThat(CONF.resolve("gpu/getGpusResources.sh")).isExecutable();
    assertThat(p.getProperty("spark.executorEnv.CUDA_DEVICE_ORDER")).isEqualTo("PCI_BUS_ID");
  }
}
