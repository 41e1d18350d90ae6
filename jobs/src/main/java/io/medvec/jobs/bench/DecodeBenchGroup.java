package io.medvec.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medvec.core.data.Split;
import io.medvec.core.dicom.DicomOptions;
import io.medvec.core.source.DecodeBench;
import io.medvec.core.source.DecodedImage;
import io.medvec.core.source.Example;
import io.medvec.core.source.ImageDecoders;
import io.medvec.core.source.ImageFolderSource;
import io.medvec.core.source.ImageSource;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SplitRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code bench decode}: read + decode + preprocess images/s in one thread, medvec's image sources
 * against Pillow ({@code bench/decode_pillow.py}) on the same files in the same command: the ISIC
 * JPEGs (180x180 RGB) to 64x64 RGB, and a 512x512 16-bit CT (DICOM, windowed) to 128x128 grey,
 * where the peer decodes with pydicom and resizes with Pillow. Images are read from the directory
 * of {@code --data} ({@code ../shared/data}): {@code isic-skin/} and {@code dicom/images/}. {@code
 * --size quick} takes every 8th ISIC image (295), {@code full} all 2,359.
 */
final class DecodeBenchGroup {

  static final String DICOM_FILE = "dicom/images/693_UNCR.dcm";
  static final int DICOM_REPEATS = 60;

  private final BenchOptions options;
  private final Path shared;

  DecodeBenchGroup(BenchOptions options) {
    this.options = options;
    this.shared = options.data().getParent();
  }

  List<BenchFigure> run() {
    List<BenchFigure> figures = new ArrayList<>();
    // the default "all" includes this group: a machine without the shared images skips it
    if (present(shared.resolve("isic-skin"))) {
      figures.addAll(isic());
    }
    if (present(shared.resolve(DICOM_FILE))) {
      figures.addAll(dicom());
    }
    return figures;
  }

  private static boolean present(Path p) {
    if (Files.exists(p)) {
      return true;
    }
    System.out.println("  decode: " + p + " NOT MEASURED (not found next to --data)");
    return false;
  }

  private List<BenchFigure> isic() {
    Path root = shared.resolve("isic-skin");
    ImageSource source =
        new ImageFolderSource(
            new Configuration(false),
            new org.apache.hadoop.fs.Path(root.toUri()),
            new SplitRule(0.1, 0.1, 0),
            ImageDecoders.standard());
    List<Example> all = source.examples();
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < all.size(); i += options.full() ? 1 : 8) {
      examples.add(all.get(i));
    }
    List<Path> files =
        examples.stream().map(e -> Path.of(java.net.URI.create(e.location()))).toList();
    return measure(
        "decode.isic-jpeg-180-to-64-rgb",
        source,
        examples,
        Preprocessing.unit(64, Preprocessing.Channels.RGB),
        files,
        "rgb",
        64);
  }

  private List<BenchFigure> dicom() {
    Path file = shared.resolve(DICOM_FILE);
    ImageSource source = new RepeatedFile(file, DICOM_REPEATS);
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < DICOM_REPEATS; i++) {
      files.add(file);
    }
    return measure(
        "decode.dicom-ct-512-to-128-grey",
        source,
        source.examples(),
        Preprocessing.unit(128, Preprocessing.Channels.GREY),
        files,
        "dicom",
        128);
  }

  private List<BenchFigure> measure(
      String name,
      ImageSource source,
      List<Example> examples,
      Preprocessing preprocessing,
      List<Path> files,
      String kind,
      int size) {
    System.out.printf(
        "  %s: %d images from %s, one thread%n", name, examples.size(), source.describe());
    for (int i = 0; i < options.warmup(); i++) {
      DecodeBench.run(source, examples, preprocessing, 0);
    }
    List<Double> runs = new ArrayList<>();
    for (int i = 0; i < options.runs(); i++) {
      runs.add(DecodeBench.run(source, examples, preprocessing, 0).imagesPerSecond());
    }
    BenchFigure java = BenchFigure.of(name + ".medvec", BenchFigure.median(runs), "images/s");
    Double peer = pillow(name, files, kind, size);
    List<BenchFigure> out = new ArrayList<>();
    out.add(peer == null ? java : java.against(peer));
    if (peer != null) {
      out.add(
          BenchFigure.of(
              name + (kind.equals("dicom") ? ".pydicom-pillow" : ".pillow"), peer, "images/s"));
    }
    return out;
  }

  /** Median images/s of the Python peer, or null (said on the console) when it cannot run. */
  private Double pillow(String name, List<Path> files, String kind, int size) {
    Path script = options.home().resolve("bench/decode_pillow.py");
    try {
      Path list = options.dir().resolve(name + ".files.txt");
      Files.createDirectories(list.getParent());
      Files.write(list, files.stream().map(Path::toString).toList());
      Process process =
          new ProcessBuilder(
                  options.python(),
                  script.toString(),
                  "--files",
                  list.toString(),
                  "--size",
                  Integer.toString(size),
                  "--kind",
                  kind,
                  "--runs",
                  Integer.toString(options.runs()),
                  "--warmup",
                  Integer.toString(options.warmup()))
              .redirectErrorStream(true)
              .start();
      String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = process.waitFor();
      String[] lines = text.strip().split("\n");
      String last = lines[lines.length - 1];
      if (code != 0) {
        System.out.println(
            "  Pillow peer NOT MEASURED (" + options.python() + " exit " + code + "): " + last);
        return null;
      }
      JsonNode node = new ObjectMapper().readTree(last);
      List<Double> values = new ArrayList<>();
      node.get("runs").forEach(v -> values.add(v.asDouble()));
      System.out.printf(
          "  peer: Pillow %s, pydicom %s%n",
          node.path("pillow").asText(), node.path("pydicom").asText());
      return BenchFigure.median(values);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run the Pillow peer " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running the Pillow peer", e);
    }
  }

  /** One file listed {@code n} times, read and decoded afresh each time (JPEG, PNG, DICOM). */
  private static final class RepeatedFile implements ImageSource {
    private final Path file;
    private final List<Example> examples;
    private final ImageDecoders decoders = ImageDecoders.withDicom(DicomOptions.defaults());

    RepeatedFile(Path file, int n) {
      this.file = file;
      List<Example> listed = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        listed.add(
            new Example(file.getFileName() + "#" + i, file.toString(), 0, Split.TRAIN, null, null));
      }
      this.examples = List.copyOf(listed);
    }

    @Override
    public String describe() {
      return "file " + file;
    }

    @Override
    public List<String> classes() {
      return List.of("0");
    }

    @Override
    public List<Example> examples() {
      return examples;
    }

    @Override
    public Stream open(List<Example> wanted) {
      return Stream.of(wanted, this::decode);
    }

    private DecodedImage decode(Example e) {
      try {
        return decoders.decode(Files.readAllBytes(file), e.location());
      } catch (IOException x) {
        throw new UncheckedIOException("Cannot read image " + file, x);
      }
    }
  }
}
