package io.medvec.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Scalars follow the YAML 1.2 core schema and loading is safe. */
class YamlSchemaTest {
  private static ConfigMap parse(String yaml) {
    return ConfigMap.parse(yaml, "s.yaml");
  }

  @Test
  void yaml11BooleansDatesAndSexagesimalsStayStrings() {
    ConfigMap config = parse("a: yes\nb: off\nc: 2024-01-31\nd: 1:30\ne: n\n");

    assertThat(config.strings("a", null)).containsExactly("yes");
    assertThat(config.string("b", null)).isEqualTo("off");
    assertThat(config.string("c", null)).isEqualTo("2024-01-31");
    assertThat(config.string("d", null)).isEqualTo("1:30");
    assertThatThrownBy(() -> config.bool("a", true))
        .hasMessage(
            "Invalid value for config key 'a' in s.yaml: expected true or false, got 'yes'");
    assertThatThrownBy(() -> config.integer("d", 0, 0, 10000))
        .hasMessageContainingAll("'d'", "expected an integer", "got '1:30'");
    assertThatThrownBy(() -> config.bool("e", true)).hasMessageContainingAll("'e'", "got 'n'");
  }

  @Test
  void integerForms() {
    ConfigMap config = parse("dec: 010\nhex: 0x1F\noct: 0o17\nneg: -3\nplus: +4\n");

    assertThat(config.integer("dec", 0, 0, 100)).isEqualTo(10);
    assertThat(config.integer("hex", 0, 0, 100)).isEqualTo(31);
    assertThat(config.integer("oct", 0, 0, 100)).isEqualTo(15);
    assertThat(config.integer("neg", 0, -10, 10)).isEqualTo(-3);
    assertThat(config.longValue("plus", 0)).isEqualTo(4);
  }

  @Test
  void floatForms() {
    ConfigMap config = parse("a: 1e-3\nb: .5\nc: +1.5\nd: 2.\ne: 1E3\n");

    assertThat(config.number("a", 0, 0, 1)).isEqualTo(1e-3);
    assertThat(config.number("b", 0, 0, 1)).isEqualTo(0.5);
    assertThat(config.number("c", 0, 0, 2)).isEqualTo(1.5);
    assertThat(config.number("d", 0, 0, 2)).isEqualTo(2.0);
    assertThat(config.positive("e", 1)).isEqualTo(1000.0);
  }

  @Test
  void booleansAreTrueAndFalseInAnyUsualCase() {
    ConfigMap config = parse("a: True\nb: FALSE\n");

    assertThat(config.bool("a", false)).isTrue();
    assertThat(config.bool("b", true)).isFalse();
  }

  @Test
  void anchorsAliasesAndMergeKeysWork() {
    ConfigMap config =
        parse(
            """
            base: &base
              lr: 0.01
              epochs: 3
            grid: &grid [0.25, 0.5]
            fine-tune:
              <<: *base
              epochs: 5
              grid: *grid
            """);

    assertThat(config.number("fine-tune.lr", 0, 0, 1)).isEqualTo(0.01);
    assertThat(config.integer("fine-tune.epochs", 0, 0, 10)).isEqualTo(5);
    assertThat(config.numbers("fine-tune.grid", List.of(), 0, 1)).containsExactly(0.25, 0.5);
    assertThat(config.keys()).contains("base.lr", "fine-tune.lr").doesNotContain("fine-tune.<<");
  }

  @Test
  void arbitraryTypesAreNeverConstructed() {
    assertThatThrownBy(
            () -> parse("x: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContainingAll("Cannot parse config s.yaml", "javax.script.ScriptEngineManager");
    assertThatThrownBy(() -> parse("x: !custom 3\n"))
        .hasMessageContainingAll("Cannot parse config s.yaml", "!custom");
  }

  @Test
  void exoticStandardTagsAreRefused() {
    assertThatThrownBy(() -> parse("x: !!binary aGVsbG8=\n"))
        .hasMessageContainingAll("Cannot parse config s.yaml", "Unsupported YAML tag", "binary");
    assertThatThrownBy(() -> parse("x: !!set {a, b}\n"))
        .hasMessageContainingAll("Cannot parse config s.yaml", "Unsupported YAML tag", "set");
  }

  @Test
  void explicitStringTagKeepsDigitsAsText() {
    ConfigMap config = parse("id: !!str 0012\n");

    assertThat(config.string("id", null)).isEqualTo("0012");
    assertThatThrownBy(() -> config.integer("id", 0, 0, 100))
        .hasMessageContainingAll("'id'", "s.yaml", "got '0012'");
  }

  @Test
  void selfReferencingAliasIsRejectedNotLoopedOn() {
    assertThatThrownBy(() -> parse("a: &a\n  b: *a\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContainingAll("s.yaml", "deeper than");
  }

  @Test
  void multipleDocumentsAreRejected() {
    assertThatThrownBy(() -> parse("a: 1\n---\nb: 2\n"))
        .hasMessageContainingAll("Cannot parse config s.yaml", "single document");
  }
}
