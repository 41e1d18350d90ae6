package io.medvec.core.data;

import io.medvec.core.config.ConfigException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one rule for hospital ids, which name directories ({@code hospital=ID}) and rows of every
 * store: 1 to 64 characters from {@code [A-Za-z0-9_-]}, the first a letter or digit (so never a
 * hidden {@code _tmp-}/{@code _old-} or {@code .} name, never a URI scheme or a path), and none of
 * the {@link #RESERVED} names in any letter case (a case-insensitive file system would mix them
 * up). Documented in docs/storage.md#hospital-ids.
 */
public final class HospitalId {

  /** The syntax of an id; the same as a data-vector manifest accepts. */
  public static final Pattern SYNTAX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

  /**
   * Names the layout uses for something other than a hospital: the coordinator's public pool in the
   * assignment, the pooled baseline's vector, and the keyword of {@code finetune.hospitals}.
   */
  public static final List<String> RESERVED = List.of("public", "pooled", "all");

  /** The rule in one line, as messages and config docs quote it. */
  public static final String RULE =
      "1-64 of [A-Za-z0-9_-], starting with a letter or digit, not "
          + String.join("/", RESERVED)
          + " (see docs/storage.md#hospital-ids)";

  private HospitalId() {}

  /** Whether {@code id} has the syntax of an id (reserved names included). */
  public static boolean isWellFormed(String id) {
    return id != null && SYNTAX.matcher(id).matches();
  }

  /** What is wrong with {@code id} as a hospital's id, or empty when it is one. */
  public static Optional<String> problem(String id) {
    if (!isWellFormed(id)) {
      return Optional.of("hospital id '" + id + "' is not " + RULE);
    }
    String lower = id.toLowerCase(Locale.ROOT);
    if (RESERVED.contains(lower)) {
      return Optional.of(
          "hospital id '" + id + "' is reserved (" + reservedFor(lower) + "; rule: " + RULE + ")");
    }
    return Optional.empty();
  }

  private static String reservedFor(String lowerCaseId) {
    return switch (lowerCaseId) {
      case "public" -> "the coordinator's public pool";
      case "pooled" -> "the pooled baseline";
      default -> "the keyword for every hospital of the partition";
    };
  }

  /**
   * Validates the hospital ids of config key {@code key}: each must be a hospital's id and none may
   * appear twice (two tasks would write one target).
   *
   * @throws ConfigException naming the key, the offending id, the list and the rule
   */
  public static List<String> requireList(String key, List<String> ids) {
    Set<String> seen = new HashSet<>();
    for (String id : ids) {
      Optional<String> problem = problem(id);
      if (problem.isPresent()) {
        throw new ConfigException(
            "Invalid config key '" + key + "': " + problem.get() + " (" + ids + ")");
      }
      if (!seen.add(id.toLowerCase(Locale.ROOT))) {
        throw new ConfigException(
            "Invalid config key '"
                + key
                + "': hospital id '"
                + id
                + "' is listed twice; each hospital appears once ("
                + ids
                + ")");
      }
    }
    return List.copyOf(ids);
  }
}
