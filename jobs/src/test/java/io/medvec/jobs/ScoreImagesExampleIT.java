package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.OutputLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java example, {@code examples/ScoreImages.java}, run as the README says (Java's
 * source launcher on medvec's class path) on a merged model directory and real HAM10000 JPEGs: it
 * prints the class and probability {@link MergedModel} gives in this JVM.
 */
class ScoreImagesExampleIT {

  @TempDir Path tmp;

  @Test
  void theReadmeExampleScoresRealImagesAsTheApiDoes() throws Exception {
    Configuration conf = new Configuration();
    List<String> classes = List.of("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc");
    MultiLayerNetwork net =
        NetworkFactory.build(new NetworkSpec(3, 32, 32, 7, List.of(4, 8), 3, true, 16, 1e-3, 5));
    OutputLayout layout = new OutputLayout(new org.apache.hadoop.fs.Path(tmp.toUri()), "r1");
    new MergedModelStore(conf, layout)
        .publishUnmerged(
            Network.of(net),
            Map.of(
                "dataset",
                "ham10000",
                "classes",
                classes,
                "preprocessing",
                Preprocessing.unit(32, Preprocessing.Channels.RGB).canonical()));
    Path model = tmp.resolve("runs/r1/merged");
    List<Path> images;
    try (Stream<Path> files = Files.walk(SparkTests.sharedData().resolve("ham10000_sample70"))) {
      images = files.filter(f -> f.toString().endsWith(".jpg")).sorted().limit(3).toList();
    }

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    cmd.add(Path.of("..", "examples", "ScoreImages.java").toAbsolutePath().normalize().toString());
    cmd.add(model.toString());
    images.forEach(i -> cmd.add(i.toString()));
    Path err = tmp.resolve("example.log");
    Process process = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(log(err)).isZero();

    MergedModel api = MergedModel.load(model);
    List<String> expected = new ArrayList<>();
    expected.add("classes: " + classes);
    for (Path image : images) {
      MergedModel.Prediction p = api.predict(image);
      expected.add(
          String.format(
              Locale.ROOT, "%s\t%s\t%.6f", image, p.className(), p.probability(p.className())));
    }
    assertThat(out.lines().toList()).containsExactlyElementsOf(expected);
  }

  private static String log(Path err) throws IOException {
    return Files.exists(err) ? Files.readString(err) : "";
  }
}
