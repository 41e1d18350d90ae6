package io.medvec.core.source;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** RFC 4180 CSV rows read one at a time: quoted fields may hold commas, quotes and newlines. */
final class Csv {

  private final BufferedReader reader;
  private final String source;

  Csv(BufferedReader reader, String source) {
    this.reader = reader;
    this.source = source;
  }

  /** The next row's fields, or null at the end. */
  List<String> next() {
    try {
      String line = reader.readLine();
      if (line == null) {
        return null;
      }
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      int i = 0;
      while (true) {
        if (i == line.length()) {
          if (!quoted) {
            break;
          }
          String more = reader.readLine();
          if (more == null) {
            throw new IllegalArgumentException(
                "Cannot read manifest " + source + ": unterminated quoted field (" + field + ")");
          }
          field.append('\n');
          line = more;
          i = 0;
          continue;
        }
        char c = line.charAt(i++);
        if (quoted) {
          if (c == '"' && i < line.length() && line.charAt(i) == '"') {
            field.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            field.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
        } else {
          field.append(c);
        }
      }
      fields.add(field.toString());
      return fields;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read manifest " + source, e);
    }
  }
}
