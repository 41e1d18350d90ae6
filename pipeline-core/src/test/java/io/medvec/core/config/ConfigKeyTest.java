package io.medvec.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigKeyTest {
  private static final ConfigKey<Integer> HOSPITALS =
      ConfigKey.integer("partition.hospitals", 4, 1, 10_000, "number of hospitals");
  private static final ConfigKey<List<Double>> GRID =
      ConfigKey.numbers("merge.lambda-grid", List.of(0.25, 1.0), 0, 10, "lambda candidates");
  private static final ConfigKey<Map<String, String>> PARAMS =
      ConfigKey.family("merge.params", "the strategy's parameters");

  private static ConfigMap parse(String yaml) {
    return ConfigMap.parse(yaml, "test.yaml");
  }

  @Test
  void readsTheSameFromTheRootAndFromASection() {
    ConfigMap map = parse("partition: {hospitals: 8}\n");

    assertThat(HOSPITALS.read(map)).isEqualTo(8);
    assertThat(HOSPITALS.read(map.section("partition"))).isEqualTo(8);
    assertThat(HOSPITALS.isSet(map)).isTrue();
    assertThat(map.usedKeys()).containsExactly("partition.hospitals");
  }

  @Test
  void absentKeysReadTheDeclaredDefaultOrTheGivenFallback() {
    ConfigMap map = ConfigMap.empty();

    assertThat(HOSPITALS.read(map)).isEqualTo(4);
    assertThat(HOSPITALS.read(map, 6)).isEqualTo(6);
    assertThat(GRID.read(map)).containsExactly(0.25, 1.0);
    assertThat(HOSPITALS.isSet(map)).isFalse();
  }

  @Test
  void badValuesFailWithTheAccessorsMessage() {
    ConfigMap map = parse("partition: {hospitals: 0}\n");

    assertThatThrownBy(() -> HOSPITALS.read(map))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value for config key 'partition.hospitals' in test.yaml: expected an integer"
                + " in [1, 10000], got '0'");
  }

  @Test
  void aKeyOutsideTheSectionIsAProgrammingError() {
    assertThatThrownBy(() -> HOSPITALS.read(ConfigMap.empty().section("merge")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read config key 'partition.hospitals' from section 'merge.'");
  }

  @Test
  void aFamilyReadsEveryKeyUnderItsNameAndCoversThem() {
    ConfigMap map = parse("merge: {params: {top-k: 0.2, seed: 3}}\n");

    assertThat(PARAMS.read(map))
        .containsExactlyInAnyOrderEntriesOf(Map.of("top-k", "0.2", "seed", "3"));
    assertThat(map.usedKeys()).containsExactly("merge.params.seed", "merge.params.top-k");
    assertThat(PARAMS.covers("merge.params.top-k")).isTrue();
    assertThat(PARAMS.covers("merge.paramsx")).isFalse();
    assertThat(HOSPITALS.covers("partition.hospitals")).isTrue();
    assertThat(PARAMS.displayName()).isEqualTo("merge.params.NAME");
  }

  @Test
  void declarationsNeedAKebabCaseNameAndADoc() {
    assertThatThrownBy(() -> ConfigKey.bool("Merge.Lambda", true, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot declare config key 'Merge.Lambda': not dotted kebab-case");
    assertThatThrownBy(() -> ConfigKey.bool("merge.x", true, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot declare config key 'merge.x': no doc");
  }

  @Test
  void helpListsEveryKeyWithDefaultMeaningAndAcceptedValues() {
    String help =
        ConfigHelp.render(
            List.of(ConfigGroup.of("partition", HOSPITALS), ConfigGroup.of("merge", GRID, PARAMS)));

    assertThat(help)
        .contains(
            "  partition\n    partition.hospitals: 4\n      number of hospitals (an integer in [1, 10000])\n")
        .contains("    merge.lambda-grid: [0.25, 1]\n")
        .contains("    merge.params.NAME: none\n");
  }

  @Test
  void longDocsWrapAtWordBoundaries() {
    String doc = "word ".repeat(40).strip();

    List<String> lines = ConfigHelp.wrap(doc);

    assertThat(lines)
        .hasSizeGreaterThan(1)
        .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(94));
    assertThat(String.join(" ", lines)).isEqualTo(doc);
  }

  @Test
  void nearestSuggestsOnlyTypos() {
    List<String> keys = List.of("merge.lambda", "merge.lambda-grid", "partition.hospitals");

    assertThat(ConfigHelp.nearest("merge.lamda", keys)).contains("merge.lambda");
    assertThat(ConfigHelp.nearest("partition.hospital", keys)).contains("partition.hospitals");
    assertThat(ConfigHelp.nearest("evaluate.splits", keys)).isEmpty();
    assertThat(ConfigHelp.distance("kitten", "sitting")).isEqualTo(3);
  }

  @Test
  void unknownKeysFarFromEveryValidOneGetNoSuggestion() {
    ConfigMap map = parse("zzz: 1\n");
    HOSPITALS.read(map);

    assertThatThrownBy(map::rejectUnknown)
        .isInstanceOf(ConfigException.class)
        .hasMessage("Unknown config key 'zzz' (in test.yaml); valid keys: [partition.hospitals]")
        .satisfies(
            e ->
                assertThat(((ConfigException) e).brief())
                    .isEqualTo("Unknown config key 'zzz' (in test.yaml)"));
  }
}
