package io.medvec.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Refuses to replace outputs that another run produced. A rerun with the same inputs replaces its
 * own outputs (that is what makes reruns safe); the same run id and output root with other inputs
 * (another dataset, another partition) means two runs collide, and the older one would silently
 * lose its data. {@code overwrite=true} says the replacement is intended.
 */
public final class OutputGuard {

  private OutputGuard() {}

  /**
   * Throws {@link ConfigException} unless {@code record} is absent, or holds at each JSON pointer
   * of {@code identity} (e.g. {@code /result/dataset}) the same value, or {@code overwrite}.
   *
   * @param what names the output in the message, e.g. "run r1"
   */
  public static void requireSameInputs(
      Configuration conf,
      Path record,
      Map<String, Object> identity,
      String what,
      boolean overwrite) {
    if (overwrite || !exists(conf, record)) {
      return;
    }
    JsonNode existing = Json.readTree(HadoopFiles.readString(conf, record), record.toString());
    for (Map.Entry<String, Object> e : identity.entrySet()) {
      JsonNode before = existing.at(e.getKey());
      // through text, so that a long 3 equals the int 3 read back
      JsonNode now = Json.readTree(Json.write(e.getValue()), "new " + e.getKey());
      if (!before.equals(now)) {
        throw new ConfigException(
            "Cannot write "
                + what
                + ": "
                + record.getParent()
                + " already holds another run's data ("
                + e.getKey()
                + " is "
                + render(before)
                + " there, "
                + now
                + " now); choose another run-id or out,"
                + " or --set overwrite=true to replace it");
      }
    }
  }

  private static String render(JsonNode node) {
    return node.isMissingNode() ? "absent" : node.toString();
  }

  private static boolean exists(Configuration conf, Path file) {
    try {
      return file.getFileSystem(conf).exists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check for existing output " + file, e);
    }
  }
}
