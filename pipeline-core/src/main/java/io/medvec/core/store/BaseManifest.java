package io.medvec.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * What a base model's {@code manifest.json} declares for every later stage besides the model: the
 * preprocessing every hospital and the coordinator apply ({@value #PREPROCESSING}, the canonical
 * form of {@link Preprocessing}) and the class names in label order ({@value #CLASSES}).
 *
 * @param preprocessing the declared preprocessing, or null for a base published without one
 * @param classes class names in label order, or empty for a base published without them
 */
public record BaseManifest(Preprocessing preprocessing, List<String> classes) {

  /** The manifest field holding {@link Preprocessing#canonical()}. */
  public static final String PREPROCESSING = "preprocessing";

  /** The manifest field holding the class names. */
  public static final String CLASSES = "classes";

  public BaseManifest {
    classes = List.copyOf(classes);
  }

  /** The manifest fields to publish with the base model. */
  public Map<String, Object> fields() {
    Map<String, Object> out = new LinkedHashMap<>();
    if (preprocessing != null) {
      out.put(PREPROCESSING, preprocessing.canonical());
    }
    out.put(CLASSES, classes);
    return out;
  }

  /** Reads the manifest of the complete base directory {@code baseDir} ({@code OUT/base/FP}). */
  public static BaseManifest read(Configuration conf, Path baseDir) {
    if (!AtomicDir.isComplete(conf, baseDir)) {
      throw new IllegalArgumentException(
          "Cannot read base manifest: " + baseDir + " is missing or incomplete");
    }
    Path file = new Path(baseDir, VectorStore.MANIFEST_FILE);
    JsonNode root = Json.readTree(HadoopFiles.readString(conf, file), file.toString());
    JsonNode p = root.get(PREPROCESSING);
    Preprocessing preprocessing =
        p == null || p.isNull()
            ? null
            : Preprocessing.fromJson(Json.write(p), file + " field " + PREPROCESSING);
    List<String> classes = new ArrayList<>();
    JsonNode c = root.get(CLASSES);
    if (c != null && c.isArray()) {
      c.forEach(n -> classes.add(n.asText()));
    }
    return new BaseManifest(preprocessing, classes);
  }
}
