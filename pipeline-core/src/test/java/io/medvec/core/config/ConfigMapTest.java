package io.medvec.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigMapTest {
  enum Method {
    DIRICHLET,
    TASK_ARITHMETIC,
    TIES
  }

  private static final String MERGE_YAML =
      """
      run-name: baseline
      seed: 42
      merge:
        method: task-arithmetic
        lambda: 0.5
        lambda-grid: [0.25, 0.5, 1.0]
        ties:
          density: 0.2
      data:
        hospitals: [h1, h2]
        iid: false
      """;

  @Test
  void flattensNestedMapsToDottedKeysAndKeepsListsAsValues() {
    ConfigMap config = ConfigMap.parse(MERGE_YAML, "conf/merge.yaml");

    assertThat(config.keys())
        .containsExactly(
            "data.hospitals",
            "data.iid",
            "merge.lambda",
            "merge.lambda-grid",
            "merge.method",
            "merge.ties.density",
            "run-name",
            "seed");
    assertThat(config.numbers("merge.lambda-grid", List.of(), 0, 10))
        .containsExactly(0.25, 0.5, 1.0);
    assertThat(config.strings("data.hospitals", List.of())).containsExactly("h1", "h2");
    assertThat(config.number("merge.ties.density", 0, 0, 1)).isEqualTo(0.2);
  }

  @Test
  void dottedKeysInTheFileAreTheSameAsNesting() {
    ConfigMap config = ConfigMap.parse("merge.lambda: 0.5\nmerge:\n  method: ties\n", "f.yaml");

    assertThat(config.keys()).containsExactly("merge.lambda", "merge.method");
  }

  @Test
  void emptyDocumentIsAnEmptyMap() {
    assertThat(ConfigMap.parse("", "empty.yaml").keys()).isEmpty();
    assertThat(ConfigMap.parse("# only a comment\n", "c.yaml").keys()).isEmpty();
    assertThat(ConfigMap.empty().keys()).isEmpty();
  }

  @Test
  void typedAccessorsReturnGivenValues() {
    ConfigMap config = ConfigMap.parse(MERGE_YAML, "conf/merge.yaml");

    assertThat(config.string("run-name", null)).isEqualTo("baseline");
    assertThat(config.requiredString("run-name")).isEqualTo("baseline");
    assertThat(config.integer("seed", 0, 0, 100)).isEqualTo(42);
    assertThat(config.longValue("seed", 0)).isEqualTo(42L);
    assertThat(config.number("merge.lambda", 1, 0, 1)).isEqualTo(0.5);
    assertThat(config.positive("merge.lambda", 1)).isEqualTo(0.5);
    assertThat(config.bool("data.iid", true)).isFalse();
    assertThat(config.enumValue("merge.method", Method.class, Method.TIES))
        .isEqualTo(Method.TASK_ARITHMETIC);
  }

  @Test
  void typedAccessorsReturnDefaultsForAbsentOrNullKeys() {
    ConfigMap config = ConfigMap.parse("out:\nname: ~\n", "f.yaml");

    assertThat(config.string("out", "default-out")).isEqualTo("default-out");
    assertThat(config.string("name", null)).isNull();
    assertThat(config.integer("epochs", 7, 1, 10)).isEqualTo(7);
    assertThat(config.longValue("rows", 5_000_000_000L)).isEqualTo(5_000_000_000L);
    assertThat(config.number("lambda", 0.3, 0, 1)).isEqualTo(0.3);
    assertThat(config.positive("lr", 1e-3)).isEqualTo(1e-3);
    assertThat(config.bool("iid", true)).isTrue();
    assertThat(config.enumValue("method", Method.class, Method.DIRICHLET))
        .isEqualTo(Method.DIRICHLET);
    assertThat(config.numbers("grid", List.of(1.0), 0, 2)).containsExactly(1.0);
    assertThat(config.strings("hospitals", List.of("a"))).containsExactly("a");
    assertThat(config.has("out")).isTrue();
    assertThat(config.has("missing")).isFalse();
  }

  @Test
  void stringsKeepTheTextAsWrittenForAnyScalarType() {
    ConfigMap config = ConfigMap.parse("run-id: 007\nversion: 1.10\nflag: true\n", "f.yaml");

    assertThat(config.string("run-id", null)).isEqualTo("007");
    assertThat(config.string("version", null)).isEqualTo("1.10");
    assertThat(config.string("flag", null)).isEqualTo("true");
  }

  @Test
  void singleScalarIsAOneElementList() {
    ConfigMap config = ConfigMap.parse("grid: 0.5\nnames: h1\n", "f.yaml");

    assertThat(config.numbers("grid", List.of(), 0, 1)).containsExactly(0.5);
    assertThat(config.strings("names", List.of())).containsExactly("h1");
  }

  @Test
  void enumsMatchKebabCaseOrConstantNameIgnoringCase() {
    ConfigMap config =
        ConfigMap.parse("a: dirichlet\nb: TASK_ARITHMETIC\nc: Task-Arithmetic\n", "f.yaml");

    assertThat(config.enumValue("a", Method.class, null)).isEqualTo(Method.DIRICHLET);
    assertThat(config.enumValue("b", Method.class, null)).isEqualTo(Method.TASK_ARITHMETIC);
    assertThat(config.enumValue("c", Method.class, null)).isEqualTo(Method.TASK_ARITHMETIC);
  }

  @Test
  void integersAreAcceptedAsNumbersAndBoundsAreInclusive() {
    ConfigMap config = ConfigMap.parse("lo: 0\nhi: 1\nn: 10\n", "f.yaml");

    assertThat(config.number("lo", 0.5, 0, 1)).isEqualTo(0.0);
    assertThat(config.number("hi", 0.5, 0, 1)).isEqualTo(1.0);
    assertThat(config.integer("n", 0, 10, 10)).isEqualTo(10);
  }

  @Test
  void overridesReplaceExistingKeysAndAddNewOnes() {
    ConfigMap config =
        ConfigMap.parse(MERGE_YAML, "conf/merge.yaml")
            .withOverrides(
                List.of(
                    "merge.lambda=0.75",
                    "merge.lambda-grid=[0.1, 0.2]",
                    "data.iid=true",
                    "merge.method=dirichlet",
                    "eval.batch-size=64"));

    assertThat(config.number("merge.lambda", 0, 0, 1)).isEqualTo(0.75);
    assertThat(config.numbers("merge.lambda-grid", List.of(), 0, 1)).containsExactly(0.1, 0.2);
    assertThat(config.bool("data.iid", false)).isTrue();
    assertThat(config.enumValue("merge.method", Method.class, null)).isEqualTo(Method.DIRICHLET);
    assertThat(config.integer("eval.batch-size", 1, 1, 1024)).isEqualTo(64);
    assertThat(config.string("run-name", null)).isEqualTo("baseline");
  }

  @Test
  void laterOverridesWinAndAnEmptyValueResetsToTheDefault() {
    ConfigMap config =
        ConfigMap.parse("lambda: 0.5\n", "f.yaml")
            .withOverrides(List.of("seed=1", "seed=2", "lambda="));

    assertThat(config.integer("seed", 0, 0, 10)).isEqualTo(2);
    assertThat(config.number("lambda", 0.9, 0, 1)).isEqualTo(0.9);
  }

  @Test
  void overrideValuesMayContainEqualsSigns() {
    ConfigMap config = ConfigMap.empty().withOverrides(List.of("filter=a=b"));

    assertThat(config.string("filter", null)).isEqualTo("a=b");
  }

  @Test
  void overridesDoNotChangeTheOriginalMap() {
    ConfigMap original = ConfigMap.parse("seed: 1\n", "f.yaml");
    original.withOverrides(List.of("seed=2"));

    assertThat(original.integer("seed", 0, 0, 10)).isEqualTo(1);
  }

  @Test
  void jobFileWinsOverSharedDefaults() {
    ConfigMap defaults =
        ConfigMap.parse("seed: 1\ndata:\n  dir: /shared\n  iid: true\n", "conf/defaults.yaml");
    ConfigMap job = ConfigMap.parse("data:\n  iid: false\n", "conf/merge.yaml");

    ConfigMap config = job.withDefaults(defaults);

    assertThat(config.integer("seed", 0, 0, 10)).isEqualTo(1);
    assertThat(config.string("data.dir", null)).isEqualTo("/shared");
    assertThat(config.bool("data.iid", true)).isFalse();
  }

  @Test
  void anEmptySectionInOneLayerDoesNotHideKeysFromAnother() {
    ConfigMap defaults = ConfigMap.parse("merge:\n  lambda: 0.5\n", "conf/defaults.yaml");
    ConfigMap job = ConfigMap.parse("merge:\n", "conf/merge.yaml").withDefaults(defaults);

    assertThat(job.keys()).containsExactly("merge.lambda");
  }

  @Test
  void sectionStripsThePrefixAndMarksFullKeysUsedInTheRoot() {
    ConfigMap config = ConfigMap.parse(MERGE_YAML, "conf/merge.yaml");
    ConfigMap merge = config.section("merge");

    assertThat(merge.keys()).containsExactly("lambda", "lambda-grid", "method", "ties.density");
    merge.number("lambda", 0, 0, 1);
    merge.numbers("lambda-grid", List.of(), 0, 1);
    merge.enumValue("method", Method.class, null);
    merge.section("ties").number("density", 0, 0, 1);
    config.string("run-name", null);
    config.integer("seed", 0, 0, 100);
    config.strings("data.hospitals", List.of());
    config.bool("data.iid", false);

    config.rejectUnknown(); // everything was asked for, through sections or directly
    assertThat(config.describeEffective()).contains("merge.ties.density: 0.2");
  }

  @Test
  void describeEffectiveListsGivenValuesAndUsedDefaultsSorted() {
    ConfigMap config =
        ConfigMap.parse("seed: 42\nname: 'yes'\n", "f.yaml")
            .withOverrides(List.of("grid=[0.5, 1]"));
    config.integer("seed", 0, 0, 100);
    config.string("name", null);
    config.numbers("grid", List.of(), 0, 1);
    config.number("lambda", 0.25, 0, 1);
    config.enumValue("method", Method.class, Method.TASK_ARITHMETIC);
    config.strings("hospitals", List.of("h1", "h 2"));
    config.string("out", null);

    assertThat(config.describeEffective())
        .isEqualTo(
            String.join(
                "\n",
                "grid: [0.5, 1]",
                "hospitals: [h1, \"h 2\"]",
                "lambda: 0.25",
                "method: task-arithmetic",
                "name: \"yes\"",
                "out: null",
                "seed: 42"));
  }

  @Test
  void describeEffectiveReadsBackToTheSameValues() {
    ConfigMap config =
        ConfigMap.parse(
            "path: \"hdfs://nn:8020/a b\"\nlabel: \"true\"\nmsg: 'say \"hi\"'\n", "f.yaml");
    config.string("path", null);
    config.string("label", null);
    config.string("msg", null);
    config.number("lambda", 1e-4, 0, 1);

    ConfigMap reread = ConfigMap.parse(config.describeEffective(), "effective");

    assertThat(reread.string("path", null)).isEqualTo("hdfs://nn:8020/a b");
    assertThat(reread.string("label", null)).isEqualTo("true");
    assertThatThrownBy(() -> reread.bool("label", false))
        .as("quoted, so it stays a string")
        .hasMessageContainingAll("'label'", "expected true or false");
    assertThat(reread.string("msg", null)).isEqualTo("say \"hi\"");
    assertThat(reread.number("lambda", 0, 0, 1)).isEqualTo(1e-4);
  }

  @Test
  void sectionDescribesItsOwnKeys() {
    ConfigMap config = ConfigMap.parse(MERGE_YAML, "conf/merge.yaml");
    config.integer("seed", 0, 0, 100);
    config.section("merge").number("lambda", 0, 0, 1);

    assertThat(config.section("merge").describeEffective()).isEqualTo("lambda: 0.5");
  }

  @Test
  void loadsAFileNamingItAsTheSource(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("merge.yaml");
    Files.writeString(file, "merge:\n  lambda: 2\n");
    ConfigMap config = ConfigMap.load(file);

    assertThat(config.number("merge.lambda", 0, 0, 10)).isEqualTo(2.0);
    assertThatThrownBy(() -> config.number("merge.lambda", 0, 0, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void parsedValuesAreImmutable() {
    ConfigMap config = ConfigMap.parse("grid: [1, 2]\nnames: [a]\n", "f.yaml");

    assertThat(config.numbers("grid", List.of(), 0, 5)).isUnmodifiable();
    assertThat(config.strings("names", List.of())).isUnmodifiable();
    assertThat(config.keys()).isUnmodifiable();
  }
}
