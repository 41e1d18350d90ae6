package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.jobs.experiment.ExperimentJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every YAML file under conf/ parses into its job's config with no unknown key. */
public class ConfFilesTest {

  static final Map<String, Function<ConfigMap, ?>> PARSERS =
      Map.of(
          "demo", RunPipelineJob.Config::from,
          "pipeline", RunPipelineJob.Config::from,
          "partition", PartitionDataJob.Config::from,
          "pretrain", PretrainModelJob.Config::from,
          "finetune", FineTuneVectorsJob.Config::from,
          "merge", MergeVectorsJob.Config::from,
          "evaluate", EvaluateModelsJob.Config::from,
          "experiment", ExperimentJob.Config::from,
          "sql", QueryMetricsJob.Config::from,
          "predict", PredictJob.Config::from);

  public static Path conf() {
    return Path.of("..", "conf").toAbsolutePath().normalize();
  }

  @Test
  void everyConfFileIsValidForItsJob() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(conf())) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files)
        .extracting(ConfFilesTest::job)
        .containsOnlyElementsOf(PARSERS.keySet())
        .containsAll(PARSERS.keySet());
    for (Path file : files) {
      ConfigMap map = ConfigMap.load(file);
      PARSERS.get(job(file)).apply(map);
      map.rejectUnknown();
    }
  }

  /** conf/JOB.yaml, or conf/experiment-NAME.yaml for the experiment job. */
  static String job(Path file) {
    String name = file.getFileName().toString().replace(".yaml", "");
    return name.startsWith("experiment-") ? "experiment" : name;
  }

  @Test
  void demoIsPneumoniaWithFourHospitals() {
    ConfigMap map = ConfigMap.load(conf().resolve("demo.yaml"));
    RunPipelineJob.Config config = RunPipelineJob.Config.from(map);
    assertThat(config.partition().spec().hospitals()).isEqualTo(4);
    assertThat(config.partition().spec().mode()).isEqualTo(PartitionMode.IID);
    assertThat(config.merge().bnStats()).isEqualTo(BnStatsMode.RESTORE);
    assertThat(config.merge().lambda()).isNull();
    assertThat(config.partition().common().out()).isEqualTo("medvec-demo");
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    ConfigMap base = ConfigMap.load(conf().resolve("merge.yaml"));
    assertThatThrownBy(
            () -> MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.lambda=-1"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.lambda")
        .hasMessageContaining("-1");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.output-layer=tune"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.output-layer")
        .hasMessageContaining("tune");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(List.of("merge.output-layer-pull=[0]"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.output-layer-pull");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(
                        List.of("merge.output-layer=refit", "merge.output-layer-pull=[]"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.output-layer-pull")
        .hasMessageContaining("must not be empty");
    // a setting of a part that is kept would be ignored: refused instead
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(List.of("merge.output-layer-pull=[1.0]"))))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid config key 'merge.output-layer-pull': only used with merge.output-layer=refit (it is keep)");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(List.of("merge.output-bias-smoothing=2"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("only used with merge.output-bias=refit");
    assertThatThrownBy(
            () -> MergeVectorsJob.Config.from(base.withOverrides(List.of("vectors.scope=global"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vectors.scope")
        .hasMessageContaining("global");
    assertThatThrownBy(
            () -> MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.bn-stats=magic"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.bn-stats")
        .hasMessageContaining("magic");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.output-bias=tune"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.output-bias")
        .hasMessageContaining("tune");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(List.of("merge.output-bias-smoothing=0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.output-bias-smoothing");
    assertThat(MergeVectorsJob.Config.from(base).outputBias())
        .isEqualTo(MergeVectorsJob.Refit.KEEP);
    assertThat(MergeVectorsJob.Config.from(base).pulls()).containsExactly((Double) null);
    assertThat(
            MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.output-layer=refit")))
                .pulls())
        .containsExactly(0.1, 1.0);
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.candidates=[ties]"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.candidates")
        .hasMessageContaining("merge.strategy=auto");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(
                        List.of("merge.strategy=auto", "merge.candidates=[ties, magic]"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("magic")
        .hasMessageContaining("trimmed-mean");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(List.of("merge.strategy=auto", "merge.params.top-k=0.5"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.params");
    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    base.withOverrides(List.of("merge.strategy=auto", "merge.candidates=[]"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.candidates");
    assertThat(
            MergeVectorsJob.Config.from(base.withOverrides(List.of("merge.strategy=auto")))
                .candidates())
        .containsExactly(
            "task-arithmetic", "dare", "median", "ties", "trimmed-mean", "weighted-sum");
    ConfigMap auto =
        base.withOverrides(List.of("merge.strategy=auto", "merge.candidates=[ties, median]"));
    assertThat(MergeVectorsJob.Config.from(auto).candidates()).containsExactly("ties", "median");
    auto.rejectUnknown();
    ConfigMap typo = base.withOverrides(List.of("merge.candidate=[ties]"));
    MergeVectorsJob.Config.from(typo);
    assertThatThrownBy(typo::rejectUnknown)
        .hasMessageContaining("merge.candidate'")
        .hasMessageContaining("merge.candidates");
    ConfigMap partition = ConfigMap.load(conf().resolve("partition.yaml"));
    assertThatThrownBy(
            () ->
                PartitionDataJob.Config.from(
                    partition.withOverrides(List.of("partition.hospitals=0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("partition.hospitals");
    assertThatThrownBy(
            () ->
                PartitionDataJob.Config.from(partition.withOverrides(List.of("partition.alpha=0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("partition.alpha");
    assertThatThrownBy(
            () -> PartitionDataJob.Config.from(partition.withOverrides(List.of("run-id=a b"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("run-id");
  }

  @Test
  void exitCodesClassifyFailures() {
    assertThat(ExitCode.of(new ConfigException("x"))).isEqualTo(ExitCode.BAD_CONFIG);
    assertThat(ExitCode.of(new RuntimeException(new IllegalArgumentException("bad npz"))))
        .isEqualTo(ExitCode.BAD_INPUT);
    assertThat(ExitCode.of(new IllegalStateException("boom"))).isEqualTo(ExitCode.RUNTIME_FAILURE);
    assertThat(ExitCode.values()).extracting(ExitCode::code).doesNotHaveDuplicates();
  }

  @Test
  void mainRejectsUnknownKeysBeforeStartingSpark() {
    int code =
        JobMain.execute(
            new String[] {
              "--config", conf().resolve("merge.yaml").toString(), "--set", "merge.lamda=1"
            },
            "merge",
            MergeVectorsJob.Config::from,
            (spark, config) -> {
              throw new AssertionError("must not run");
            });
    assertThat(code).isEqualTo(ExitCode.BAD_CONFIG.code());
  }
}
