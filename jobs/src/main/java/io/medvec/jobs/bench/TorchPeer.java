package io.medvec.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PyTorch peer: {@code bench/torch_cnn.py} for the default CNN at the data's size, {@code
 * bench/torch_backbones.py} for {@code --arch resnet|mobilenet} or an {@code --image-size} (same
 * layers, threads, batch and optimizer), under {@code /usr/bin/python3} (Debian's {@code
 * python3-torch}), or nothing when torch is missing.
 */
final class TorchPeer {

  private static final Logger LOG = LoggerFactory.getLogger(TorchPeer.class);

  /**
   * Median images/s of each group after warm-up, and of the first (cold) run; empty when torch did
   * not run.
   */
  record Result(
      OptionalDouble train,
      OptionalDouble infer,
      OptionalDouble trainCold,
      OptionalDouble inferCold,
      String version) {
    static Result missing() {
      return new Result(
          OptionalDouble.empty(),
          OptionalDouble.empty(),
          OptionalDouble.empty(),
          OptionalDouble.empty(),
          null);
    }
  }

  private final BenchOptions options;

  TorchPeer(BenchOptions options) {
    this.options = options;
  }

  Result run(int threads, String what) {
    boolean backbone = !options.arch().equals("cnn") || options.imageSize() != 0;
    Path script =
        options.home().resolve(backbone ? "bench/torch_backbones.py" : "bench/torch_cnn.py");
    if (!Files.isRegularFile(script)) {
      System.out.println("  PyTorch peer skipped: " + script + " not found");
      return Result.missing();
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                options.python(),
                script.toString(),
                "--data",
                options.data().toString(),
                "--threads",
                Integer.toString(threads),
                "--batch",
                Integer.toString(options.batchSize()),
                "--train-images",
                Integer.toString(options.trainImages()),
                "--infer-repeat",
                Integer.toString(ModelBench.INFER_REPEAT),
                "--warmup",
                Integer.toString(options.modelWarmup()),
                "--runs",
                Integer.toString(options.runs()),
                "--what",
                what));
    if (backbone) {
      command.addAll(
          List.of(
              "--arch",
              options.arch(),
              "--image-size",
              Integer.toString(options.imageSize()),
              "--width",
              Double.toString(options.width()),
              "--infer-images",
              Integer.toString(options.trainImages())));
    }
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = process.waitFor();
      if (code != 0) {
        System.out.println(notMeasured(options.python(), code, out));
        return Result.missing();
      }
      return parse(lastLine(out));
    } catch (IOException e) {
      System.out.println(
          "  PyTorch peer NOT MEASURED: cannot run "
              + options.python()
              + " ("
              + e.getMessage()
              + ")");
      LOG.debug("python failed", e);
      return Result.missing();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running the PyTorch peer", e);
    }
  }

  private static Result parse(String json) {
    try {
      JsonNode node = new ObjectMapper().readTree(json);
      return new Result(
          median(node.get("train")),
          median(node.get("infer")),
          median(node.get("train_cold")),
          median(node.get("infer_cold")),
          node.path("torch").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot parse the PyTorch peer's output: " + json, e);
    }
  }

  private static OptionalDouble median(JsonNode runs) {
    if (runs == null || !runs.isArray() || runs.isEmpty()) {
      return OptionalDouble.empty();
    }
    List<Double> values = new ArrayList<>();
    runs.forEach(v -> values.add(v.asDouble()));
    return OptionalDouble.of(BenchFigure.median(values));
  }

  /**
   * The line a bench prints when a Python peer exits with {@code code} after printing {@code out}.
   */
  static String notMeasured(String python, int code, String out) {
    return "  PyTorch peer NOT MEASURED ("
        + python
        + " exit "
        + code
        + "): "
        + lastLine(out)
        + (out.contains("No module named 'torch'")
            ? " -- install it with: apt-get install python3-torch"
            : "");
  }

  /** The last line of a peer's output: its JSON result. */
  static String lastLine(String out) {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }
}
