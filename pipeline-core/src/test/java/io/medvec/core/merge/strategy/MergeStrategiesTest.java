package io.medvec.core.merge.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MergeStrategiesTest {

  @Test
  void registryHoldsEveryStrategyOfTheIssueByName() {
    assertThat(MergeStrategies.names())
        .containsExactly(
            "dare", "median", "task-arithmetic", "ties", "trimmed-mean", "weighted-sum");
    assertThat(MergeStrategies.get("ties").name()).isEqualTo("ties");
    assertThat(MergeStrategies.get(MergeStrategies.DEFAULT).name()).isEqualTo("task-arithmetic");
  }

  @Test
  void unknownStrategyIsRefusedWithTheValidNames() {
    assertThatThrownBy(() -> MergeStrategies.get("tie"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot find merge strategy 'tie' (valid: dare, median, task-arithmetic, ties, trimmed-mean,"
                + " weighted-sum)");
    assertThatThrownBy(() -> MergeStrategies.get(null))
        .hasMessageContaining("Cannot find merge strategy 'null'");
  }

  @Test
  void everyStrategyCitesAPaperAndDocumentsItsParameters() {
    for (MergeStrategy s : MergeStrategies.all()) {
      assertThat(s.paper()).as(s.name()).containsPattern("\\d{4}").contains("arXiv:");
      for (ParamSpec p : s.parameters()) {
        assertThat(p.description()).as(p.name()).isNotBlank();
        assertThat(p.accepts(p.defaultValue())).as(p.name()).isTrue();
      }
    }
    assertThat(MergeStrategies.get("ties").parameters())
        .extracting(ParamSpec::name)
        .containsExactly("top-k");
    assertThat(MergeStrategies.get("dare").parameters())
        .extracting(ParamSpec::name)
        .containsExactly("drop-rate");
    assertThat(MergeStrategies.get("trimmed-mean").parameters())
        .extracting(ParamSpec::name)
        .containsExactly("trim");
  }

  @Test
  void absentParametersTakeTheirDefaultsAndGivenOnesAreParsed() {
    MergeStrategy ties = MergeStrategies.get("ties");
    assertThat(Params.defaults(ties).values()).containsExactly(Map.entry("top-k", 0.2));
    Params parsed = Params.parse(ties, Map.of("top-k", " 0.35 "));
    assertThat(parsed.value(TiesMerging.TOP_K)).isEqualTo(0.35);
    assertThat(parsed.strategy()).isEqualTo("ties");
    assertThat(Params.parse(ties, Map.of("top-k", "1")).value(TiesMerging.TOP_K)).isEqualTo(1.0);
  }

  @Test
  void unknownParameterIsRefusedWithTheValidOnes() {
    assertThatThrownBy(() -> Params.parse(MergeStrategies.get("ties"), Map.of("density", "0.2")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot configure merge strategy ties: unknown parameter 'density' (valid: top-k)");
    assertThatThrownBy(() -> Params.parse(MergeStrategies.get("median"), Map.of("trim", "0.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot configure merge strategy median: unknown parameter 'trim' (valid: none)");
  }

  @Test
  void valuesOutsideTheRangeOrNotNumbersAreRefusedWithTheRange() {
    MergeStrategy ties = MergeStrategies.get("ties");
    assertThatThrownBy(() -> Params.parse(ties, Map.of("top-k", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot configure merge strategy ties: parameter top-k must be a real in (0, 1] (0)");
    assertThatThrownBy(() -> Params.parse(ties, Map.of("top-k", "20%")))
        .hasMessage(
            "Cannot configure merge strategy ties: parameter top-k must be a real in (0, 1] (20%)");
    assertThatThrownBy(() -> Params.parse(MergeStrategies.get("dare"), Map.of("drop-rate", "1")))
        .hasMessage(
            "Cannot configure merge strategy dare: parameter drop-rate must be a real in [0, 1) (1)");
    assertThatThrownBy(
            () -> Params.parse(MergeStrategies.get("trimmed-mean"), Map.of("trim", "NaN")))
        .hasMessage(
            "Cannot configure merge strategy trimmed-mean: parameter trim must be a real in [0, 0.5) (NaN)");
  }

  @Test
  void parameterDeclarationsAreChecked() {
    assertThatThrownBy(() -> new ParamSpec("topK", 0.2, 0, false, 1, true, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot declare merge parameter: name must be kebab-case (topK)");
    assertThatThrownBy(() -> new ParamSpec("top-k", 2, 0, false, 1, true, "x"))
        .hasMessage("Cannot declare merge parameter top-k: default 2.0 is outside its range");
    assertThat(TiesMerging.TOP_K.toString())
        .startsWith("top-k (real in (0, 1], default 0.2): fraction");
  }
}
