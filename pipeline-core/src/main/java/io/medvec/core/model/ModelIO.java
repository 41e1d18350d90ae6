package io.medvec.core.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(net, out, false);
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

  /** Writes the network to {@code file}; refuses to overwrite. */
  public static void save(MultiLayerNetwork net, Configuration conf, Path file) {
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

  /** Loads a network from {@code file}. */
  public static MultiLayerNetwork load(Configuration conf, Path file) {
    return fromBytes(readBytes(conf, file), file.toString());
  }
}
