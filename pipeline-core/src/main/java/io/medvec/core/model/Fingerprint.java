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
 * SHA-256 identity of a base model: its architecture (the layer-wise configuration JSON with the
 * training counters zeroed, so saving and reloading does not change it) followed by every parameter
 * tensor (name, shape, float32 little-endian values in C order), batch-norm running statistics
 * included. Two hospitals share a base exactly when their fingerprints are equal.
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
