package io.medvec.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.medvec.core.serve.MergedModel;
import io.medvec.jobs.SparkTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench predict} on ten real ISIC JPEGs, one run: its figures are finite throughputs, its
 * probabilities are the ones {@link MergedModel#predict(Path)} gives for each file, and PyTorch's
 * (the peer, loading the exported {@code model.safetensors}) equal them to 1e-4. No timing is
 * asserted.
 */
class PredictBenchGroupTest {

  static final int IMAGES = 10;

  @TempDir Path dir;

  @Test
  void scoresRealJpegsAsTheJavaApiAndPyTorchDo() throws Exception {
    Path data = SparkTests.sharedData().resolve("pneumoniamnist.npz");
    assumeThat(data.resolveSibling("isic-skin")).isDirectory();
    BenchOptions options =
        new BenchOptions(
            List.of("predict"),
            Optional.empty(),
            1,
            0,
            0,
            List.of(1, 2),
            4, // ten images: batches of 4, 4, 2 in one task, 4, 1 in each of two
            false,
            data,
            dir,
            Path.of("..").toAbsolutePath().normalize(),
            "/usr/bin/python3",
            List.of(16),
            List.of(1_000_000L));

    PredictBenchGroup.Result result =
        new PredictBenchGroup(options, IMAGES, SparkTests.spark()).measure();

    assertThat(result.files()).hasSize(IMAGES).allSatisfy(f -> assertThat(f).isRegularFile());
    assertThat(result.figures()).isNotEmpty();
    assertThat(result.figures())
        .allSatisfy(
            f -> {
              assertThat(f.value()).isPositive().isFinite();
              assertThat(f.unit()).isEqualTo("images/s");
            });
    assertThat(result.figures().stream().map(BenchFigure::name))
        .contains(
            PredictBenchGroup.NAME + ".medvec.tasks=1",
            PredictBenchGroup.NAME + ".medvec.tasks=2",
            PredictBenchGroup.NAME + ".spark-job.tasks=1",
            PredictBenchGroup.NAME + ".spark-job.tasks=2");
    // the job's table holds one row per image, each with the class the Java API predicts
    List<org.apache.spark.sql.Row> rows =
        SparkTests.spark()
            .read()
            .parquet(dir.resolve("predict/table").toString())
            .select("location", "predicted_class")
            .collectAsList();
    assertThat(rows).hasSize(IMAGES);
    java.util.Map<String, String> jobClass = new java.util.HashMap<>();
    rows.forEach(
        r -> jobClass.put(Path.of(r.getString(0)).getFileName().toString(), r.getString(1)));

    // the bench scores what the Java API scores, file by file, in order
    MergedModel model = MergedModel.load(result.model());
    assertThat(model.classes()).hasSize(9).contains("melanoma", "nevus");
    assertThat(model.declaresPreprocessing()).isTrue();
    assertThat(result.medvec().length).isEqualTo(IMAGES);
    for (int i = 0; i < IMAGES; i++) {
      MergedModel.Prediction prediction = model.predict(result.files().get(i));
      assertThat(jobClass.get(result.files().get(i).getFileName().toString()))
          .isEqualTo(prediction.className());
      float[] expected = prediction.probabilities();
      float[] got = result.medvec()[i];
      assertThat(got).hasSize(9);
      float sum = 0;
      for (int c = 0; c < 9; c++) {
        assertThat(got[c]).isCloseTo(expected[c], within(1e-6f));
        sum += got[c];
      }
      assertThat(sum).isCloseTo(1f, within(1e-5f));
    }

    assumeThat(torchAvailable()).as("/usr/bin/python3 with torch").isTrue();
    assertThat(result.figures().stream().map(BenchFigure::name))
        .contains(
            PredictBenchGroup.NAME + ".torch.tasks=1", PredictBenchGroup.NAME + ".torch.tasks=2");
    assertThat(
            result.figures().stream()
                .filter(f -> f.name().contains(".medvec."))
                .map(BenchFigure::ratio))
        .allSatisfy(r -> assertThat(r).isNotNull().isPositive().isFinite());
    assertThat(result.torch().length).isEqualTo(IMAGES);
    double diff = PredictBenchGroup.maxAbsDiff(result.medvec(), result.torch());
    System.out.printf("max |p_medvec - p_torch| = %.3g over %d ISIC JPEGs%n", diff, IMAGES);
    assertThat(diff).isLessThan(1e-4);
    // the two one-thread peers of tasks=2 scored the same files
    float[][] first =
        PredictBenchGroup.readProbabilities(dir.resolve("predict/torch.tasks=2.0.f32"), 5);
    assertThat(PredictBenchGroup.maxAbsDiff(first, java.util.Arrays.copyOf(result.torch(), 5)))
        .isLessThan(1e-6);
    assertThat(Files.readAllLines(dir.resolve("predict/files.tasks=2.1.txt")))
        .containsExactlyElementsOf(
            result.files().subList(5, IMAGES).stream().map(Path::toString).toList());
  }

  private static boolean torchAvailable() throws Exception {
    Process p =
        new ProcessBuilder("/usr/bin/python3", "-c", "import torch")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
