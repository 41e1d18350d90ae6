package io.medvec.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.stream.Collectors;

/** The one JSON mapping of medvec's manifests and results: snake_case, pretty, strict on read. */
public final class Json {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private Json() {}

  /** Serialises a record (or map) to pretty JSON. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "Cannot write JSON for " + value.getClass().getSimpleName(), e);
    }
  }

  /** Parses JSON into {@code type}; {@code source} names the file in errors. */
  public static <T> T read(String json, Class<T> type, String source) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot read " + type.getSimpleName() + " from " + source + ": " + describe(e), e);
    }
  }

  /**
   * What is wrong, led by the field it is in ({@code layout.tensors[0].shape}) so that a
   * hand-edited or tampered file can be fixed; a record constructor's own refusal is given as it
   * was thrown.
   */
  private static String describe(JsonProcessingException e) {
    Throwable cause = e.getCause();
    if (e instanceof ValueInstantiationException && cause instanceof IllegalArgumentException) {
      return cause.getMessage();
    }
    String field =
        e instanceof JsonMappingException mapping
            ? mapping.getPath().stream()
                .map(
                    r ->
                        r.getFieldName() != null
                            ? "." + r.getFieldName()
                            : "[" + r.getIndex() + "]")
                .collect(Collectors.joining())
                .replaceFirst("^\\.", "")
            : "";
    return field.isEmpty()
        ? e.getOriginalMessage()
        : "field " + field + ": " + e.getOriginalMessage();
  }

  /** The JSON tree of a record or map, as {@link #write} would render it. */
  public static com.fasterxml.jackson.databind.JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /** Parses JSON text into a tree; {@code source} names the file in errors. */
  public static com.fasterxml.jackson.databind.JsonNode readTree(String json, String source) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot read JSON from " + source + ": " + e.getOriginalMessage(), e);
    }
  }
}
