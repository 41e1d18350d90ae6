package io.medvec.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CliArgsTest {
  private static CliArgs parse(String... args) {
    return CliArgs.parse(args);
  }

  @Test
  void parsesConfigOverridesFlagsAndPositionals() {
    CliArgs args =
        parse(
            "--config",
            "conf/merge.yaml",
            "--set",
            "merge.lambda=0.5",
            "--data",
            "data/train.parquet",
            "extra",
            "--set=merge.method=ties",
            "--out=runs/1",
            "--run-id",
            "r-7");

    assertThat(args.config()).contains("conf/merge.yaml");
    assertThat(args.overrides()).containsExactly("merge.lambda=0.5", "merge.method=ties");
    assertThat(args.flags())
        .containsExactly(
            Map.entry("data", "data/train.parquet"),
            Map.entry("out", "runs/1"),
            Map.entry("run-id", "r-7"));
    assertThat(args.flag("out")).contains("runs/1");
    assertThat(args.requiredFlag("data")).isEqualTo("data/train.parquet");
    assertThat(args.positional()).containsExactly("extra");
  }

  @Test
  void emptyCommandLine() {
    CliArgs args = parse();

    assertThat(args.config()).isEmpty();
    assertThat(args.overrides()).isEmpty();
    assertThat(args.flags()).isEmpty();
    assertThat(args.positional()).isEmpty();
  }

  @Test
  void valuesMayLookLikeNegativeNumbersOrContainEquals() {
    CliArgs args = parse("--offset", "-1", "--filter=a=b", "-x");

    assertThat(args.flags()).containsEntry("offset", "-1").containsEntry("filter", "a=b");
    assertThat(args.positional()).containsExactly("-x");
  }

  @Test
  void doubleDashEndsOptions() {
    CliArgs args = parse("--out", "o", "--", "--not-an-option", "file");

    assertThat(args.flags()).containsOnlyKeys("out");
    assertThat(args.positional()).containsExactly("--not-an-option", "file");
  }

  @Test
  void overridesFeedConfigMap() {
    CliArgs args = parse("--set", "seed=3", "--set", "grid=[0.25, 0.5]");
    ConfigMap config = ConfigMap.parse("seed: 1\n", "conf/x.yaml").withOverrides(args.overrides());

    assertThat(config.integer("seed", 0, 0, 10)).isEqualTo(3);
    assertThat(config.numbers("grid", null, 0, 1)).containsExactly(0.25, 0.5);
  }

  @Test
  void optionWithoutValueIsNamed() {
    assertThatThrownBy(() -> parse("--data"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Option --data requires a value");
    assertThatThrownBy(() -> parse("--config", "--set", "a=1"))
        .hasMessage("Option --config requires a value");
    assertThatThrownBy(() -> parse("--set")).hasMessage("Option --set requires a value");
    assertThatThrownBy(() -> parse("--out=")).hasMessage("Option --out requires a value");
  }

  @Test
  void repeatedSingleOptionsAreRejected() {
    assertThatThrownBy(() -> parse("--config", "a.yaml", "--config=b.yaml"))
        .hasMessage("Option --config given more than once");
    assertThatThrownBy(() -> parse("--out", "a", "--out", "b"))
        .hasMessage("Option --out given more than once");
  }

  @Test
  void badOptionNamesAreRejected() {
    assertThatThrownBy(() -> parse("--Out", "x"))
        .hasMessage("Cannot parse option --Out: names are kebab-case, as in --run-id");
    assertThatThrownBy(() -> parse("--=x")).hasMessageContaining("Cannot parse option --=x");
  }

  @Test
  void rejectFlagsExceptListsValidOptions() {
    CliArgs args = parse("--config", "c.yaml", "--set", "a=1", "--data", "d", "--outt", "o");

    args.rejectFlagsExcept(Set.of("data", "outt")); // accepted: nothing to reject
    assertThatThrownBy(() -> args.rejectFlagsExcept(Set.of("data", "--out")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown option --outt (valid: --config, --data, --out, --set)");
  }

  @Test
  void missingRequiredFlagIsNamed() {
    assertThatThrownBy(() -> parse().requiredFlag("data"))
        .hasMessage("Missing required option --data");
  }

  @Test
  void resultIsImmutable() {
    CliArgs args = parse("--set", "a=1", "--out", "o", "p");

    assertThat(args.overrides()).isUnmodifiable();
    assertThat(args.positional()).isUnmodifiable();
    assertThat(args.flags()).isUnmodifiable();
  }
}
