package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header dict of a {@code .npy} array, e.g. {@code {'descr': '|u1', 'fortran_order': False,
 * 'shape': (4708, 28, 28), }}, parsed as the small Python-literal subset numpy writes.
 *
 * @param context names the array in error messages, e.g. {@code "x.npz key train_images"}
 */
record NpyHeader(String descr, boolean fortranOrder, long[] shape) {

  static NpyHeader parse(String text, String context) {
    Map<String, Object> dict = new Parser(text, context).parseHeader();
    Object descr = dict.get("descr");
    Object fortran = dict.get("fortran_order");
    Object shape = dict.get("shape");
    checkArgument(
        descr instanceof String && fortran instanceof Boolean && shape instanceof long[],
        "Cannot read %s: npy header needs string 'descr', bool 'fortran_order', tuple 'shape' (%s)",
        context,
        text.strip());
    return new NpyHeader((String) descr, (Boolean) fortran, (long[]) shape);
  }

  /** Number of elements: product of the shape. */
  long count() {
    long count = 1;
    for (long dim : shape) {
      count = Math.multiplyExact(count, dim);
    }
    return count;
  }

  /** Recursive-descent parser for dict / str / bool / int-tuple literals. */
  private static final class Parser {
    private final String text;
    private final String context;
    private int pos;

    Parser(String text, String context) {
      this.text = text;
      this.context = context;
    }

    Map<String, Object> parseHeader() {
      Map<String, Object> dict = new LinkedHashMap<>();
      expect('{');
      while (peek() != '}') {
        String key = parseString();
        expect(':');
        checkArgument(
            dict.put(key, parseValue()) == null,
            "Cannot read %s: duplicate header key (%s)",
            context,
            key);
        if (peek() == ',') {
          pos++;
        }
      }
      expect('}');
      return dict;
    }

    private Object parseValue() {
      char c = peek();
      if (c == '\'' || c == '"') {
        return parseString();
      } else if (c == '(') {
        return parseTuple();
      } else if (text.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      } else if (text.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      throw error("unexpected value");
    }

    private long[] parseTuple() {
      expect('(');
      List<Long> dims = new ArrayList<>();
      while (peek() != ')') {
        dims.add(parseLong());
        if (peek() == ',') {
          pos++;
        }
      }
      expect(')');
      return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private long parseLong() {
      int start = pos;
      while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
        pos++;
      }
      checkArgument(
          pos > start,
          "Cannot read %s: expected a dimension at %s in npy header (%s)",
          context,
          start,
          text.strip());
      try {
        return Long.parseLong(text.substring(start, pos));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read %s: dimension too large in npy header (%s)", context, text.strip()),
            e);
      }
    }

    private String parseString() {
      char quote = peek();
      checkArgument(
          quote == '\'' || quote == '"',
          "Cannot read %s: expected a quoted string at %s" + " in npy header (%s)",
          context,
          pos,
          text.strip());
      int end = text.indexOf(quote, pos + 1);
      checkArgument(
          end > 0, "Cannot read %s: unterminated string in npy header (%s)", context, text.strip());
      String value = text.substring(pos + 1, end);
      pos = end + 1;
      return value;
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    /** Skips whitespace and returns the next character, or 0 at the end. */
    private char peek() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
      return pos < text.length() ? text.charAt(pos) : 0;
    }

    private IllegalArgumentException error(String why) {
      return new IllegalArgumentException(
          String.format(
              "Cannot read %s: %s at %s in npy header (%s)", context, why, pos, text.strip()));
    }
  }
}
