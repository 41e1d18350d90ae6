package io.medvec.core.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * DL4J model files ({@code ModelSerializer} zips, without updater state) on any Hadoop file system.
 */
public final class ModelIO {

  private ModelIO() {}

  /** Serialises the network (configuration + coefficients, no updater state) to bytes. */
  public static byte[] toBytes(MultiLayerNetwork net) {
    return toBytes(Network.of(net));
  }

  /** Serialises a multi-layer network or a graph (no updater state) to bytes. */
  public static byte[] toBytes(Network net) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(net.model(), out, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialise model", e);
    }
    return out.toByteArray();
  }

  /** Restores a network from bytes; {@code source} names them in errors. */
  public static MultiLayerNetwork fromBytes(byte[] bytes, String source) {
    FastPath.enable();
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      return ModelSerializer.restoreMultiLayerNetwork(in, false);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read DL4J model: not a valid MultiLayerNetwork file (" + source + ")", e);
    }
  }

  /**
   * Restores a multi-layer network or a graph from bytes, whichever the file holds; {@code source}
   * names them in errors. A graph is fed pixels in {@code scale}.
   */
  public static Network networkFromBytes(byte[] bytes, String source, PixelScale scale) {
    if (!isGraph(bytes, source)) {
      return Network.of(fromBytes(bytes, source)).withInputScale(scale);
    }
    FastPath.enable();
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      return Network.of(ModelSerializer.restoreComputationGraph(in, false), scale);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read DL4J model: not a valid ComputationGraph file (" + source + ")", e);
    }
  }

  /** Whether the model file's configuration describes a graph (it names the graph's vertices). */
  static boolean isGraph(byte[] bytes, String source) {
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (e.getName().equals("configuration.json")) {
          String json = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
          return json.contains("\"networkInputs\"") && json.contains("\"vertices\"");
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read DL4J model: not a zip file (" + source + ")", e);
    }
    throw new IllegalArgumentException(
        "Cannot read DL4J model: no configuration.json in the file (" + source + ")");
  }

  /** Writes the network to {@code file}; refuses to overwrite. */
  public static void save(MultiLayerNetwork net, Configuration conf, Path file) {
    save(Network.of(net), conf, file);
  }

  /** Writes a multi-layer network or a graph to {@code file}; refuses to overwrite. */
  public static void save(Network net, Configuration conf, Path file) {
    byte[] bytes = toBytes(net);
    try {
      FileSystem fs = file.getFileSystem(conf);
      try (OutputStream out = fs.create(file, false)) {
        out.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write model file " + file, e);
    }
  }

  /** Reads the whole file into memory (models here are a few MB) and restores the network. */
  public static byte[] readBytes(Configuration conf, Path file) {
    try {
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        throw new IllegalArgumentException("Cannot read model: file does not exist (" + file + ")");
      }
      try (InputStream in = fs.open(file)) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read model file " + file, e);
    }
  }

  /** Loads a multi-layer network or a graph from {@code file}; a graph is fed {@code scale}. */
  public static Network loadNetwork(Configuration conf, Path file, PixelScale scale) {
    return networkFromBytes(readBytes(conf, file), file.toString(), scale);
  }

  /** Loads a network from {@code file}. */
  public static MultiLayerNetwork load(Configuration conf, Path file) {
    return fromBytes(readBytes(conf, file), file.toString());
  }
}
