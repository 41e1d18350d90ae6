package io.medvec.core.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SHA-256 identity of a base model: its architecture (the configuration JSON of the multi-layer
 * network or graph with the training counters zeroed, so saving and reloading does not change it),
 * the pixel scale it is fed when that is not [0, 1] ({@link Network#inputScale()}: the same weights
 * fed [0, 1] and [0, 255] are different bases), then every parameter tensor (name, shape, float32
 * little-endian values in C order), batch-norm running statistics included. Two hospitals share a
 * base exactly when their fingerprints are equal.
 */
public final class Fingerprint {

  private Fingerprint() {}

  /** Returns the lowercase hex fingerprint of the network. */
  public static String of(MultiLayerNetwork net) {
    return of(Network.of(net));
  }

  /** Returns the lowercase hex fingerprint of the network (a multi-layer network or a graph). */
  public static String of(Network net) {
    MessageDigest digest = sha256();
    digest.update(net.configurationJson().getBytes(StandardCharsets.UTF_8));
    if (!net.inputScale().isIdentity()) {
      // absent for [0, 1], so the fingerprints of bases fed [0, 1] are those recorded before
      digest.update(("input-scale=" + net.inputScale().id()).getBytes(StandardCharsets.UTF_8));
    }
    for (Map.Entry<String, INDArray> param : net.paramTable().entrySet()) {
      INDArray value = param.getValue();
      String header = param.getKey() + java.util.Arrays.toString(value.shape());
      digest.update(header.getBytes(StandardCharsets.UTF_8));
      float[] floats = Tensors.toFloats(value);
      ByteBuffer buf =
          ByteBuffer.allocate(floats.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(floats);
      digest.update(buf);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Cannot compute SHA-256: algorithm missing from the JVM", e);
    }
  }
}
