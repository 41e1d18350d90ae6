package io.medvec.jobs;

import io.medvec.core.config.ConfigMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * One tiny complete run (real PneumoniaMNIST subset, K=3, a 4-filter network) shared by the
 * robustness tests of a JVM, plus helpers: copy its output tree, snapshot a tree, rewrite an npz.
 */
final class RobustFixture {

  static final String RUN = "fix";

  private static RobustFixture instance;

  final Path root;
  final Path data;
  final Path out;
  final RunPipelineJob.Result result;

  private RobustFixture(Path root) {
    this.root = root;
    this.data = SparkTests.subset("pneumoniamnist", root, 300, 60, 80);
    this.out = root.resolve("out");
    ConfigMap map = config(out);
    RunPipelineJob.Config config = RunPipelineJob.Config.from(map);
    map.rejectUnknown();
    this.result = new RunPipelineJob(SparkTests.spark(), config).run();
  }

  static synchronized RobustFixture get() {
    if (instance == null) {
      try {
        Path root = Files.createTempDirectory("medvec-robust-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
        instance = new RobustFixture(root);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  /** The YAML settings of the fixture's run, as --set overrides (for child JVMs). */
  List<String> settings(Path out) {
    return List.of(
        "run-id=" + RUN,
        "out=" + out,
        "data.path=" + data,
        "partition.public-fraction=0.2",
        "partition.hospitals=3",
        "partition.seed=3",
        "model.conv-filters=[4]",
        "model.dense-units=8",
        "pretrain.epochs=1",
        "pretrain.batch-size=32",
        "finetune.epochs=1",
        "finetune.batch-size=32",
        "merge.lambda=0.5",
        "evaluate.partitions=2");
  }

  ConfigMap config(Path out, String... overrides) {
    List<String> all = new ArrayList<>(settings(out));
    all.addAll(List.of(overrides));
    return ConfigMap.empty().withOverrides(all);
  }

  String fingerprint() {
    return result.pretrain().fingerprint();
  }

  /** A fresh copy of the fixture's output tree. */
  Path copyOut(String name) {
    Path copy = root.resolve(name);
    copyTree(out, copy);
    return copy;
  }

  Path vectorDir(Path out, String hospital) {
    return out.resolve("vectors/base=" + fingerprint() + "/hospital=" + hospital);
  }

  Path newDir(String name) {
    try {
      return Files.createDirectories(root.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Relative path → SHA-256 of every file (and "dir" for directories) under {@code dir}. */
  static SortedMap<String, String> snapshot(Path dir) {
    SortedMap<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        out.put(
            dir.relativize(p).toString(),
            Files.isDirectory(p) ? "dir" : sha256(Files.readAllBytes(p)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void copyTree(Path from, Path to) {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies the fixture's npz to {@code name}, letting {@code edit} change the entries (name → npy
   * bytes).
   */
  Path editNpz(String name, UnaryOperator<Map<String, byte[]>> edit) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(data))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path file = newDir("npz-" + name).resolve("pneumoniamnist.npz");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      for (Map.Entry<String, byte[]> e : edit.apply(entries).entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** An npy (version 1.0) array of uint8 {@code data} with {@code shape}. */
  static byte[] npyU1(byte[] data, long... shape) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String tuple =
        "("
            + (shape.length == 1 ? dims.toString().trim() : dims.toString().replaceAll(", $", ""))
            + ")";
    String header = "{'descr': '|u1', 'fortran_order': False, 'shape': " + tuple + ", }";
    int padded = (10 + header.length() + 1 + 63) / 64 * 64;
    String text = header + " ".repeat(padded - 10 - header.length() - 1) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.writeBytes(
        ByteBuffer.allocate(2)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putShort((short) text.length())
            .array());
    out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(data);
    return out.toByteArray();
  }

  /** The data bytes of an npy array (after its header). */
  static byte[] npyData(byte[] npy) {
    int headerLen = ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
    byte[] out = new byte[npy.length - 10 - headerLen];
    System.arraycopy(npy, 10 + headerLen, out, 0, out.length);
    return out;
  }

  static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }
}
