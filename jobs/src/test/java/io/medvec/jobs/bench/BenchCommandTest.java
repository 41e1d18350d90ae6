package io.medvec.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medvec.core.config.ConfigException;
import io.medvec.core.io.Json;
import io.medvec.jobs.SparkTests;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Option parsing and the figure format of {@code bin/medvec bench}; no timings are asserted. */
class BenchCommandTest {

  @Test
  void medianIsTheMiddleRunOrTheMeanOfTheTwoMiddleOnes() {
    assertThat(BenchFigure.median(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
    assertThat(BenchFigure.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThatThrownBy(() -> BenchFigure.median(List.of())).hasMessageContaining("no runs");
  }

  @Test
  void figuresAreWrittenAsNameValueUnitRatio() throws Exception {
    List<BenchFigure> figures =
        List.of(
            BenchFigure.of("train.dl4j.threads=2", 300, "img/s").against(400),
            BenchFigure.of("spark.session-startup", 9.5, "s"));
    JsonNode json = new ObjectMapper().readTree(Json.write(figures));
    assertThat(json.get(0).get("name").asText()).isEqualTo("train.dl4j.threads=2");
    assertThat(json.get(0).get("value").asDouble()).isEqualTo(300.0);
    assertThat(json.get(0).get("unit").asText()).isEqualTo("img/s");
    assertThat(json.get(0).get("ratio").asDouble()).isEqualTo(0.75);
    assertThat(json.get(1).has("ratio")).isTrue();
    assertThat(json.get(1).get("ratio").isNull()).isTrue();
  }

  @Test
  void optionsDefaultToAllGroupsAndRejectUnknownOnes() {
    String data = SparkTests.sharedData().resolve("pneumoniamnist.npz").toString();
    BenchOptions all = BenchOptions.parse(new String[] {"--data", data});
    assertThat(all.groups())
        .containsExactly("train", "infer", "merge", "spark", "decode", "predict");
    assertThat(all.threads()).containsExactly(1, 2);
    assertThat(all.full()).isFalse();
    assertThat(all.warmup()).as("merge and spark").isEqualTo(1);
    assertThat(all.modelWarmup())
        .as("train and infer: past the JIT's warm-up")
        .isEqualTo(BenchOptions.MODEL_WARMUP);
    BenchOptions two = BenchOptions.parse(new String[] {"--data", data, "--warmup", "2"});
    assertThat(List.of(two.warmup(), two.modelWarmup())).containsExactly(2, 2);
    assertThat(BenchOptions.parse(new String[] {"merge", "--size", "full", "--runs", "3"}).runs())
        .isEqualTo(3);
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"trian", "--data", data}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown group 'trian'")
        .hasMessageContaining("merge");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"merge", "--size", "huge"}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("quick or full");
  }

  @Test
  void mergeEngineSizesComeFromTheFlagsAndNameTheFigures() {
    BenchOptions sizes =
        BenchOptions.parse(
            new String[] {"merge-engines", "--merge-k", "16, 256,1000", "--merge-p", "1e6,2.5e7"});
    assertThat(sizes.mergeK()).containsExactly(16, 256, 1000);
    assertThat(sizes.mergeP()).containsExactly(1_000_000L, 25_000_000L);
    assertThat(BenchOptions.parse(new String[] {"merge"}).mergeK()).containsExactly(16);
    assertThat(SparkMergeBench.sizeName(1_000_000)).isEqualTo("1e6");
    assertThat(SparkMergeBench.sizeName(25_000_000)).isEqualTo("2.5e7");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"merge", "--merge-k", "0"}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--merge-k and --merge-p need values >= 1")
        .hasMessageContaining("[0]");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"merge", "--merge-p", "big"}))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--merge-p must be a list of numbers (big)");
  }
}
