package io.medvec.core.config;

import io.medvec.core.config.Scalar.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * YAML reading for {@link ConfigMap}: SnakeYAML's {@link SafeConstructor} (anchors, aliases and
 * merge keys work; no arbitrary types), with scalars resolved by the YAML 1.2 core schema so that
 * {@code on}/{@code no} stay strings, {@code 010} is ten and dates are not parsed. Every scalar
 * becomes a {@link Scalar} keeping its original text.
 */
final class YamlSupport {
  /** Deeper than any sane config; also stops self-referencing aliases. */
  private static final int MAX_DEPTH = 20;

  private static final Pattern CORE_BOOL =
      Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");
  private static final Pattern CORE_INT =
      Pattern.compile("^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$");
  private static final Pattern CORE_FLOAT =
      Pattern.compile(
          "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              + "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");
  private static final Pattern PLAIN_SAFE =
      Pattern.compile("^[A-Za-z0-9_./~][A-Za-z0-9_./~+=@-]*$");

  private static final CoreSchemaResolver RESOLVER = new CoreSchemaResolver();

  /**
   * YAML 1.1, as PyYAML in the notebooks reads it: quote "yes"/"on" so they stay strings there too.
   */
  private static final Resolver YAML_11 = new Resolver();

  private YamlSupport() {}

  /** Parses a document into nested maps, lists and {@link Scalar}s; null for an empty document. */
  static Object load(String text, String source) {
    try {
      return newYaml().load(text);
    } catch (YAMLException e) {
      // SnakeYAML calls every in-memory document 'string'; name the real source instead
      String detail = String.valueOf(e.getMessage()).replace("'string'", source);
      throw new ConfigException("Cannot parse config " + source + ": " + detail, e);
    }
  }

  /** Flattens a parsed document to dotted keys; the top level must be a mapping. */
  static SortedMap<String, ConfigEntry> flatten(Object document, String source) {
    SortedMap<String, ConfigEntry> out = new TreeMap<>();
    if (document == null) {
      return out;
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new ConfigException(
          "Cannot read config "
              + source
              + ": the top level must be a mapping of keys to values, got "
              + describe(document));
    }
    flattenInto(out, "", map, source, 0);
    return out;
  }

  /**
   * Converts a leaf (scalar or list of scalars) to its stored form, naming key and source on error.
   */
  static Object leaf(String key, Object value, String source) {
    if (value instanceof Scalar) {
      return value;
    }
    if (value instanceof List<?> list) {
      List<Scalar> items = new ArrayList<>(list.size());
      for (Object item : list) {
        if (!(item instanceof Scalar scalar) || scalar.isNull()) {
          throw new ConfigException(
              "Cannot use "
                  + describe(item)
                  + " inside the list at config key '"
                  + key
                  + "' in "
                  + source
                  + ": lists hold only non-null scalars");
        }
        items.add(scalar);
      }
      return List.copyOf(items);
    }
    throw new ConfigException(
        "Cannot use "
            + describe(value)
            + " as the value of config key '"
            + key
            + "' in "
            + source
            + ": expected a scalar or a list of scalars");
  }

  /** A scalar's text as it would have to be written in YAML to read back the same value. */
  static String quoteIfNeeded(String text) {
    boolean plain =
        PLAIN_SAFE.matcher(text).matches()
            && RESOLVER.resolve(NodeId.scalar, text, true) == Tag.STR
            && YAML_11.resolve(NodeId.scalar, text, true) == Tag.STR;
    if (plain) {
      return text;
    }
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static void flattenInto(
      Map<String, ConfigEntry> out, String prefix, Map<?, ?> map, String source, int depth) {
    if (depth > MAX_DEPTH) {
      throw new ConfigException(
          "Cannot read config "
              + source
              + ": nesting under '"
              + prefix
              + "' is deeper than "
              + MAX_DEPTH
              + " levels (self-referencing alias?)");
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = keyText(e.getKey(), prefix, source);
      String key = prefix.isEmpty() ? name : prefix + "." + name;
      ConfigKeys.requireValid(key, source);
      if (e.getValue() instanceof Map<?, ?> child) {
        flattenInto(out, key, child, source, depth + 1);
      } else if (out.put(key, new ConfigEntry(leaf(key, e.getValue(), source), source)) != null) {
        throw new ConfigException(
            "Cannot read config " + source + ": key '" + key + "' is given twice");
      }
    }
  }

  private static String keyText(Object key, String prefix, String source) {
    if (key instanceof Scalar scalar) {
      return scalar.text();
    }
    String where = prefix.isEmpty() ? "at the top level" : "under '" + prefix + "'";
    throw new ConfigException(
        "Cannot read config "
            + source
            + ": "
            + describe(key)
            + " used as a key "
            + where
            + "; keys must be plain kebab-case names");
  }

  private static String describe(Object value) {
    if (value instanceof Scalar scalar) {
      return scalar.isNull() ? "null" : "the scalar '" + scalar.text() + "'";
    }
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return "a value of YAML type " + (value == null ? "null" : value.getClass().getSimpleName());
  }

  private static Yaml newYaml() {
    LoaderOptions loader = new LoaderOptions();
    loader.setAllowDuplicateKeys(false);
    DumperOptions dumper = new DumperOptions();
    return new Yaml(
        new ScalarConstructor(loader), new Representer(dumper), dumper, loader, RESOLVER);
  }

  /**
   * YAML 1.2 core schema: only true/false are booleans; no sexagesimal, leading-zero octal or
   * timestamps. (Patterns are named CORE_* because Resolver's own BOOL/INT/FLOAT would shadow
   * them.)
   */
  private static final class CoreSchemaResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, CORE_BOOL, "tTfF", 10);
      addImplicitResolver(Tag.INT, CORE_INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, CORE_FLOAT, "-+0123456789.");
      addImplicitResolver(Tag.MERGE, Resolver.MERGE, "<", 10);
      addImplicitResolver(Tag.NULL, Resolver.NULL, "~nN\0", 10);
      addImplicitResolver(Tag.NULL, Resolver.EMPTY, null, 10);
    }
  }

  /** Safe construction, but scalars become {@link Scalar}s and exotic tags are refused. */
  private static final class ScalarConstructor extends SafeConstructor {
    ScalarConstructor(LoaderOptions options) {
      super(options);
      yamlConstructors.put(Tag.STR, new ScalarConstruct(Kind.STRING));
      yamlConstructors.put(Tag.TIMESTAMP, new ScalarConstruct(Kind.STRING));
      yamlConstructors.put(Tag.INT, new ScalarConstruct(Kind.INTEGER));
      yamlConstructors.put(Tag.FLOAT, new ScalarConstruct(Kind.FLOAT));
      yamlConstructors.put(Tag.BOOL, new ScalarConstruct(Kind.BOOLEAN));
      yamlConstructors.put(Tag.NULL, new ScalarConstruct(Kind.NULL));
      for (Tag refused : List.of(Tag.BINARY, Tag.SET, Tag.OMAP, Tag.PAIRS)) {
        yamlConstructors.put(refused, new Refused());
      }
    }
  }

  private static final class ScalarConstruct extends AbstractConstruct {
    private final Kind kind;

    ScalarConstruct(Kind kind) {
      this.kind = kind;
    }

    @Override
    public Object construct(Node node) {
      if (node == null) {
        return null; // an empty document
      }
      if (!(node instanceof ScalarNode scalar)) {
        throw new YAMLException("Tag " + node.getTag() + " needs a scalar " + node.getStartMark());
      }
      return new Scalar(scalar.getValue(), kind);
    }
  }

  private static final class Refused extends AbstractConstruct {
    @Override
    public Object construct(Node node) {
      throw new YAMLException("Unsupported YAML tag " + node.getTag() + node.getStartMark());
    }
  }
}
