package io.medvec.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error names the key, the offending value and its source. */
class ConfigMapErrorsTest {
  enum Method {
    DIRICHLET,
    TASK_ARITHMETIC
  }

  private static final String SRC = "conf/merge.yaml";

  private static ConfigMap parse(String yaml) {
    return ConfigMap.parse(yaml, SRC);
  }

  @Test
  void wrongTypeNamesKeyValueAndSource() {
    ConfigMap config = parse("epochs: ten\nlambda: high\niid: yes\nrate: 0.5\n");

    assertThatThrownBy(() -> config.integer("epochs", 1, 1, 100))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value for config key 'epochs' in conf/merge.yaml: "
                + "expected an integer in [1, 100], got 'ten'");
    assertThatThrownBy(() -> config.number("lambda", 0, 0, 1))
        .hasMessage(
            "Invalid value for config key 'lambda' in conf/merge.yaml: "
                + "expected a finite number in [0.0, 1.0], got 'high'");
    assertThatThrownBy(() -> config.bool("iid", false))
        .hasMessage(
            "Invalid value for config key 'iid' in conf/merge.yaml: "
                + "expected true or false, got 'yes'");
    assertThatThrownBy(() -> config.integer("rate", 1, 1, 100))
        .hasMessageContainingAll("'rate'", "expected an integer", "got '0.5'");
    assertThatThrownBy(() -> config.longValue("lambda", 1))
        .hasMessageContainingAll("'lambda'", SRC, "expected an integer", "got 'high'");
  }

  @Test
  void quotedNumbersAreStringsNotNumbers() {
    ConfigMap config = parse("epochs: \"5\"\n");

    assertThatThrownBy(() -> config.integer("epochs", 1, 1, 100))
        .isInstanceOf(ConfigException.class)
        .hasMessageContainingAll("'epochs'", SRC, "got '5'");
  }

  @Test
  void outOfRangeNamesTheAllowedRange() {
    ConfigMap config = parse("epochs: 0\nlambda: 1.5\nbig: 99999999999\n");

    assertThatThrownBy(() -> config.integer("epochs", 1, 1, 100))
        .hasMessage(
            "Invalid value for config key 'epochs' in conf/merge.yaml: "
                + "expected an integer in [1, 100], got '0'");
    assertThatThrownBy(() -> config.number("lambda", 0, 0, 1))
        .hasMessageContainingAll("'lambda'", SRC, "[0.0, 1.0]", "got '1.5'");
    assertThatThrownBy(() -> config.integer("big", 1, 1, Integer.MAX_VALUE))
        .hasMessageContainingAll("'big'", "[1, 2147483647]", "got '99999999999'");
  }

  @Test
  void nanAndInfinityAreRejected() {
    ConfigMap config = parse("a: .nan\nb: .inf\nc: -.inf\n");

    assertThatThrownBy(() -> config.number("a", 0, -1e9, 1e9))
        .hasMessageContainingAll("'a'", SRC, "finite number", "got '.nan'");
    assertThatThrownBy(() -> config.positive("b", 1))
        .hasMessageContainingAll("'b'", SRC, "finite number > 0", "got '.inf'");
    assertThatThrownBy(() -> config.numbers("c", List.of(), -1e9, 1e9))
        .hasMessageContainingAll("'c'", SRC, "finite numbers", "got '-.inf'");
  }

  @Test
  void positiveRejectsZeroAndNegatives() {
    ConfigMap config = parse("lr: 0\nmomentum: -0.5\n");

    assertThatThrownBy(() -> config.positive("lr", 1))
        .hasMessage(
            "Invalid value for config key 'lr' in conf/merge.yaml: "
                + "expected a finite number > 0, got '0'");
    assertThatThrownBy(() -> config.positive("momentum", 1)).hasMessageContaining("got '-0.5'");
  }

  @Test
  void badEnumListsValidValuesInKebabCase() {
    ConfigMap config = parse("merge:\n  method: ties\n");

    assertThatThrownBy(() -> config.enumValue("merge.method", Method.class, Method.DIRICHLET))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value for config key 'merge.method' in conf/merge.yaml: "
                + "expected one of [dirichlet, task-arithmetic], got 'ties'");
  }

  @Test
  void listElementsAreCheckedOneByOne() {
    ConfigMap config = parse("grid: [0.25, 2.0]\nwords: [a, b]\n");

    assertThatThrownBy(() -> config.numbers("grid", List.of(), 0, 1))
        .hasMessage(
            "Invalid value for config key 'grid' in conf/merge.yaml: "
                + "expected finite numbers in [0.0, 1.0] (element '2.0'), got [0.25, 2.0]");
    assertThatThrownBy(() -> config.numbers("words", List.of(), 0, 1))
        .hasMessageContainingAll("'words'", "(element 'a')", "got [a, b]");
  }

  @Test
  void listWhereASingleValueIsExpected() {
    ConfigMap config = parse("lambda: [0.1, 0.2]\n");

    assertThatThrownBy(() -> config.number("lambda", 0, 0, 1))
        .hasMessage(
            "Invalid value for config key 'lambda' in conf/merge.yaml: "
                + "expected a single value, not a list, got [0.1, 0.2]");
    assertThatThrownBy(() -> config.string("lambda", null))
        .hasMessageContainingAll("'lambda'", "single value");
  }

  @Test
  void mapsInsideListsAreRejected() {
    assertThatThrownBy(() -> parse("hospitals:\n  - name: h1\n    size: 3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Cannot use a mapping inside the list at config key 'hospitals' in "
                + "conf/merge.yaml: lists hold only non-null scalars");
    assertThatThrownBy(() -> parse("grid: [[1, 2]]\n"))
        .hasMessageContainingAll("a list inside the list", "'grid'", SRC);
  }

  @Test
  void unknownKeysAreListedWithSourcesAndValidKeys() {
    ConfigMap config =
        parse("merge:\n  lambda: 0.5\n  lamda: 0.7\nseed: 1\n").withOverrides(List.of("epoch=3"));
    config.section("merge").number("lambda", 0, 0, 1);
    config.integer("seed", 0, 0, 10);
    config.integer("epochs", 1, 1, 10);

    assertThatThrownBy(config::rejectUnknown)
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Unknown config keys 'epoch' (in --set epoch=3; did you mean 'epochs'?), "
                + "'merge.lamda' (in conf/merge.yaml; did you mean 'merge.lambda'?);"
                + " valid keys: [epochs, merge.lambda, seed]");
  }

  @Test
  void unknownKeyInASection() {
    ConfigMap config = parse("merge:\n  lamda: 0.7\nother: 1\n");
    ConfigMap merge = config.section("merge");
    merge.number("lambda", 0.5, 0, 1);

    assertThatThrownBy(merge::rejectUnknown)
        .hasMessage(
            "Unknown config key 'merge.lamda' (in conf/merge.yaml; did you mean 'merge.lambda'?);"
                + " valid keys: [merge.lambda]");
  }

  @Test
  void malformedYamlNamesTheSource() {
    assertThatThrownBy(() -> parse("merge:\n  lambda: [0.5\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Cannot parse config conf/merge.yaml: ")
        .hasCauseInstanceOf(org.yaml.snakeyaml.error.YAMLException.class);
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThatThrownBy(() -> parse("seed: 1\nseed: 2\n"))
        .hasMessageContainingAll(
            "Cannot parse config conf/merge.yaml",
            "found duplicate key seed",
            "in conf/merge.yaml, line 2");
    assertThatThrownBy(() -> parse("merge.lambda: 1\nmerge:\n  lambda: 2\n"))
        .hasMessage("Cannot read config conf/merge.yaml: key 'merge.lambda' is given twice");
  }

  @Test
  void topLevelMustBeAMapping() {
    assertThatThrownBy(() -> parse("- a\n- b\n"))
        .hasMessage(
            "Cannot read config conf/merge.yaml: the top level must be a mapping of keys "
                + "to values, got a list");
    assertThatThrownBy(() -> parse("just text"))
        .hasMessageContainingAll(SRC, "top level must be a mapping", "'just text'");
  }

  @Test
  void badKeySyntaxNamesTheFullKey() {
    assertThatThrownBy(() -> parse("merge:\n  lambdaGrid: [1]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid config key 'merge.lambdaGrid' in conf/merge.yaml: keys are kebab-case "
                + "segments [a-z0-9]+(-[a-z0-9]+)* joined by '.'");
    assertThatThrownBy(() -> parse("lambda_grid: 1\n")).hasMessageContaining("'lambda_grid'");
    assertThatThrownBy(() -> parse("-lead: 1\n")).hasMessageContaining("'-lead'");
    assertThatThrownBy(() -> parse("? [a, b]\n: 1\n"))
        .hasMessageContainingAll(SRC, "a list used as a key at the top level");
  }

  @Test
  void missingRequiredKeyNamesTheSource() {
    ConfigMap config = parse("seed: 1\n").withOverrides(List.of("x=1"));

    assertThatThrownBy(() -> config.requiredString("data.path"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Missing required config key 'data.path' (in conf/merge.yaml with --set overrides)");
    assertThatThrownBy(() -> parse("data:\n  path: ~\n").section("data").requiredString("path"))
        .hasMessage("Missing required config key 'data.path' (in conf/merge.yaml)");
  }

  @Test
  void badOverridesAreNamed() {
    ConfigMap config = parse("seed: 1\n");

    assertThatThrownBy(() -> config.withOverrides(List.of("seed")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Cannot apply --set seed: expected key=value");
    assertThatThrownBy(() -> config.withOverrides(List.of("=3")))
        .hasMessage("Cannot apply --set =3: expected key=value");
    assertThatThrownBy(() -> config.withOverrides(List.of("Seed=3")))
        .hasMessageContainingAll("Invalid config key 'Seed' in --set Seed=3");
    assertThatThrownBy(() -> config.withOverrides(List.of("grid=[1, 2")))
        .hasMessageStartingWith("Cannot parse config --set grid=[1, 2: ");
    assertThatThrownBy(() -> config.withOverrides(List.of("merge={lambda: 1}")))
        .hasMessage(
            "Cannot use a mapping as the value of config key 'merge' in --set "
                + "merge={lambda: 1}: expected a scalar or a list of scalars");
  }

  @Test
  void overriddenValuesNameTheOverrideInErrors() {
    ConfigMap config = parse("lambda: 0.5\n").withOverrides(List.of("lambda=7"));

    assertThatThrownBy(() -> config.number("lambda", 0, 0, 1))
        .hasMessage(
            "Invalid value for config key 'lambda' in --set lambda=7: "
                + "expected a finite number in [0.0, 1.0], got '7'");
  }

  @Test
  void keyCannotBeBothAValueAndASection() {
    ConfigMap config = parse("merge:\n  lambda: 0.5\n");

    assertThatThrownBy(() -> config.withOverrides(List.of("merge=3")))
        .hasMessage(
            "Cannot use config key 'merge' (in --set merge=3) both as a value and as a "
                + "section holding 'merge.lambda' (in conf/merge.yaml)");
  }

  @Test
  void missingOrUnreadableFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> ConfigMap.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Cannot read config file " + missing + ": no such file");
    assertThatThrownBy(() -> ConfigMap.load(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Cannot read config file " + dir + ": ");
  }

  @Test
  void codeAskingForABadKeyIsAProgrammingError() {
    ConfigMap config = ConfigMap.empty();

    assertThatThrownBy(() -> config.integer("batchSize", 1, 1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read config key 'batchSize': not dotted kebab-case");
    assertThatThrownBy(() -> config.number("x", 0, 1, 0))
        .hasMessage("Cannot read config: empty range [1.0, 0.0]");
  }

  @Test
  void failedReadsRecordNoEffectiveValue() {
    ConfigMap config = parse("lambda: 9\n");
    assertThatThrownBy(() -> config.number("lambda", 0, 0, 1)).hasMessageContaining("got '9'");

    assertThat(config.describeEffective()).isEmpty();
  }
}
