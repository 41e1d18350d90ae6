package io.medvec.core.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors file format (Hugging Face; read by PyTorch, mergekit, transformers): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON naming every tensor's dtype, shape and byte
 * range ({@code data_offsets}, relative to the end of the header) plus an optional {@code
 * __metadata__} map of strings, then the tensors' bytes, little-endian, row-major, back to back.
 * The header is padded with spaces to a multiple of 8 bytes so the data starts aligned.
 *
 * <p>{@link #write} emits tensors in the order given; {@link #read} checks what the reference
 * implementation checks (header bounds, JSON, known dtypes, shapes matching byte ranges, ranges
 * contiguous and covering the data exactly) and names the source and the tensor it refuses.
 */
public final class Safetensors {

  /** Element types medvec writes and reads. */
  public enum DType {
    F32(4),
    I64(8);

    final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }
  }

  /** One named tensor: row-major little-endian bytes of {@code dtype} with {@code shape}. */
  public record Tensor(String name, DType dtype, long[] shape, byte[] data) {
    public Tensor {
      if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
        throw new IllegalArgumentException("Cannot create tensor: invalid name (" + name + ")");
      }
      shape = shape.clone();
      long elements = elements(shape);
      if (elements * dtype.bytes != data.length) {
        throw new IllegalArgumentException(
            "Cannot create tensor "
                + name
                + ": shape "
                + Arrays.toString(shape)
                + " of "
                + dtype
                + " needs "
                + elements * dtype.bytes
                + " bytes ("
                + data.length
                + ")");
      }
    }

    /** A float tensor from row-major values. */
    public static Tensor f32(String name, long[] shape, float[] values) {
      ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(values);
      return new Tensor(name, DType.F32, shape, buf.array());
    }

    /** A 64-bit integer scalar (shape {@code []}). */
    public static Tensor i64Scalar(String name, long value) {
      ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      buf.putLong(value);
      return new Tensor(name, DType.I64, new long[0], buf.array());
    }

    /** This float tensor's values. */
    public float[] floats() {
      if (dtype != DType.F32) {
        throw new IllegalStateException("Tensor " + name + " is " + dtype + ", not F32");
      }
      float[] out = new float[data.length / 4];
      ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
      return out;
    }
  }

  /** The tensors and metadata of a file, in file order. */
  public record Contents(List<Tensor> tensors, Map<String, String> metadata) {
    public Tensor tensor(String name) {
      for (Tensor t : tensors) {
        if (t.name().equals(name)) {
          return t;
        }
      }
      throw new IllegalArgumentException("No tensor " + name);
    }
  }

  static final String METADATA_KEY = "__metadata__";

  /** The reference implementation refuses headers above 100 MB. */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Safetensors() {}

  static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Writes {@code tensors} (unique names) and {@code metadata} to {@code out}. */
  public static void write(OutputStream out, List<Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = MAPPER.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA_KEY);
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Tensor t : tensors) {
      if (header.has(t.name())) {
        throw new IllegalArgumentException(
            "Cannot write safetensors: duplicate tensor " + t.name());
      }
      ObjectNode entry = header.putObject(t.name());
      entry.put("dtype", t.dtype().name());
      var shape = entry.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + t.data().length);
      offset += t.data().length;
    }
    byte[] json = MAPPER.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
    out.write(len.array());
    out.write(json);
    for (int i = json.length; i < padded; i++) {
      out.write(' ');
    }
    for (Tensor t : tensors) {
      out.write(t.data());
    }
  }

  /** Reads a whole safetensors stream; {@code source} names it in errors. */
  public static Contents read(InputStream in, String source) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] lenBytes = new byte[8];
    readFully(data, lenBytes, source, "header length");
    long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
      throw refuse(
          source, "header length " + headerLen + " is outside [2, " + MAX_HEADER_BYTES + "]");
    }
    byte[] headerBytes = new byte[(int) headerLen];
    readFully(data, headerBytes, source, "header");
    if (headerBytes[0] != '{') {
      throw refuse(source, "header does not start with '{'");
    }
    JsonNode header;
    try {
      header = MAPPER.readTree(new String(headerBytes, StandardCharsets.UTF_8).stripTrailing());
    } catch (IOException e) {
      throw refuse(source, "header is not JSON: " + e.getMessage());
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {}
    List<Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals(METADATA_KEY)) {
        field
            .getValue()
            .fields()
            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      String name = field.getKey();
      JsonNode e = field.getValue();
      DType dtype;
      try {
        dtype = DType.valueOf(e.path("dtype").asText());
      } catch (IllegalArgumentException ex) {
        throw refuse(source, "tensor " + name + " has unsupported dtype " + e.path("dtype"));
      }
      JsonNode shapeNode = e.path("shape");
      JsonNode offsets = e.path("data_offsets");
      if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
        throw refuse(source, "tensor " + name + " lacks shape or data_offsets");
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shapeNode.get(i).asLong(-1);
      }
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      if (begin < 0 || end < begin || (end - begin) != elements(shape) * dtype.bytes) {
        throw refuse(
            source,
            "tensor "
                + name
                + " has data_offsets ["
                + begin
                + ", "
                + end
                + "] that do not hold shape "
                + Arrays.toString(shape)
                + " of "
                + dtype);
      }
      entries.add(new Entry(name, dtype, shape, begin, end));
    }
    entries.sort((a, b) -> Long.compare(a.begin(), b.begin()));
    long expected = 0;
    List<Tensor> tensors = new ArrayList<>();
    for (Entry e : entries) {
      if (e.begin() != expected) {
        throw refuse(source, "tensor " + e.name() + " does not start where the previous ends");
      }
      if (e.end() - e.begin() > Integer.MAX_VALUE) {
        throw refuse(source, "tensor " + e.name() + " is larger than 2 GiB");
      }
      byte[] bytes = new byte[(int) (e.end() - e.begin())];
      readFully(data, bytes, source, "tensor " + e.name());
      tensors.add(new Tensor(e.name(), e.dtype(), e.shape(), bytes));
      expected = e.end();
    }
    if (data.read() != -1) {
      throw refuse(source, "bytes after the last tensor (data not covered by the header)");
    }
    return new Contents(List.copyOf(tensors), Map.copyOf(metadata));
  }

  /** Serialises to bytes (tests, small models). */
  public static byte[] toBytes(List<Tensor> tensors, Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(out, tensors, metadata);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  private static void readFully(DataInputStream in, byte[] buf, String source, String what)
      throws IOException {
    try {
      in.readFully(buf);
    } catch (EOFException e) {
      throw refuse(source, "truncated in the " + what);
    }
  }

  private static IllegalArgumentException refuse(String source, String why) {
    return new IllegalArgumentException("Cannot read safetensors " + source + ": " + why);
  }
}
