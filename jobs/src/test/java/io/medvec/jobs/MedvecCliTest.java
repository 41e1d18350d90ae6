package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.TargetBusyException;
import io.medvec.core.io.WriterLease;
import io.medvec.jobs.experiment.ExperimentJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/medvec} in-process, without Spark: help and exit codes of every command, suggestions,
 * one-line errors, and that help lists exactly the config keys each command's parser reads.
 */
class MedvecCliTest {

  /** Each job command's config parser, as its entry point runs it. */
  static final Map<String, Function<ConfigMap, ?>> PARSERS =
      Map.ofEntries(
          Map.entry("demo", (Function<ConfigMap, ?>) RunPipelineJob.Config::from),
          Map.entry(RunPipelineJob.NAME, (Function<ConfigMap, ?>) RunPipelineJob.Config::from),
          Map.entry(PartitionDataJob.NAME, (Function<ConfigMap, ?>) PartitionDataJob.Config::from),
          Map.entry(PretrainModelJob.NAME, (Function<ConfigMap, ?>) PretrainModelJob.Config::from),
          Map.entry(
              FineTuneVectorsJob.NAME, (Function<ConfigMap, ?>) MedvecCliTest::bothFineTuneModes),
          Map.entry(MergeVectorsJob.NAME, (Function<ConfigMap, ?>) MergeVectorsJob.Config::from),
          Map.entry(
              EvaluateModelsJob.NAME, (Function<ConfigMap, ?>) MedvecCliTest::bothEvaluateModes),
          Map.entry(ExperimentJob.NAME, (Function<ConfigMap, ?>) ExperimentJob.Config::from),
          Map.entry(QueryMetricsJob.NAME, (Function<ConfigMap, ?>) QueryMetricsJob.Config::from),
          Map.entry(PredictJob.NAME, (Function<ConfigMap, ?>) PredictJob.Config::from),
          Map.entry(ModelCardJob.NAME, (Function<ConfigMap, ?>) ModelCardJob.Config::from));

  /** Configs that make the parsers read their conditional keys (DP, refits, auto strategy). */
  static final List<List<String>> CONDITIONAL =
      List.of(
          List.of(),
          List.of("data.augment.enabled=true"),
          List.of("finetune.dp.enabled=true", "finetune.dp.clip-norm=1", "finetune.dp.epsilon=2"),
          List.of(
              "finetune.dp.enabled=true",
              "finetune.dp.clip-norm=1",
              "finetune.dp.noise-multiplier=1.1",
              "merge.strategy=ties",
              "merge.params.top-k=0.3"),
          List.of(
              "merge.output-bias=refit",
              "merge.output-layer=refit",
              "merge.strategy=auto",
              "merge.candidates=[ties]"));

  /**
   * {@code finetune} reads the partition mode's keys, and with {@code --hospital} hospital mode's:
   * both parsers on one map (hospital mode refuses the missing hospital id after reading its keys).
   */
  static Object bothFineTuneModes(ConfigMap map) {
    Object partitionMode = FineTuneVectorsJob.Config.from(map);
    assertThatThrownBy(() -> PublishVectorJob.Config.from(map))
        .hasMessageContaining("Missing config key 'hospital.id'");
    return partitionMode;
  }

  /**
   * The keys of both modes of {@code evaluate}: the coordinator's and a site's ({@code --site}).
   */
  static Object bothEvaluateModes(ConfigMap map) {
    Object coordinator = EvaluateModelsJob.Config.from(map);
    assertThatThrownBy(() -> SiteEvaluateJob.Config.from(map))
        .hasMessageContaining("Missing config key 'site.id'");
    return coordinator;
  }

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  final Map<String, List<String>> ran = new LinkedHashMap<>();

  @AfterEach
  void clearVerbose() {
    System.clearProperty(Verbosity.PROPERTY);
  }

  int medvec(String... args) {
    Map<String, ToIntFunction<String[]>> entries = new HashMap<>();
    JobCli.COMMANDS
        .keySet()
        .forEach(
            name ->
                entries.put(
                    name,
                    a -> {
                      ran.put(name, List.of(a));
                      return 0;
                    }));
    return Medvec.run(args, new PrintWriter(out), new PrintWriter(err), entries);
  }

  @Test
  void topLevelHelpListsEveryCommandAndTheExitCodes() {
    for (String help : List.of("--help", "-h")) {
      out.getBuffer().setLength(0);
      assertThat(medvec(help)).as(help).isZero();
      assertThat(out.toString())
          .contains("Usage: medvec")
          .contains("--verbose")
          .contains("Exit codes: 0 ok, 1 runtime failure (retrying may help), 2 bad command line");
      JobCli.COMMANDS
          .keySet()
          .forEach(name -> assertThat(out.toString()).contains("  " + name + " "));
    }
    assertThat(ran).isEmpty();
  }

  @Test
  void everyCommandsHelpListsItsOptionsAndEveryConfigKeyItReadsWithDefaultAndMeaning() {
    for (JobCli.Info info : JobCli.COMMANDS.values()) {
      for (String help : List.of("--help", "-h")) {
        out.getBuffer().setLength(0);
        assertThat(medvec(info.name(), help)).as(info.name() + " " + help).isZero();
        String text = out.toString();
        assertThat(text)
            .as(info.name())
            .startsWith("Usage: medvec " + info.name())
            .contains("--verbose");
        for (ConfigGroup group : info.keys()) {
          for (ConfigKey<?> key : group.keys()) {
            assertThat(text)
                .as(info.name() + " help")
                .contains("    " + key.displayName() + ": " + key.defaultText() + "\n")
                .contains(key.doc().substring(0, Math.min(40, key.doc().length())));
          }
        }
      }
    }
    assertThat(ran).isEmpty();
  }

  @Test
  void everyKeyAParserReadsIsDeclaredInItsCommandsHelpAndEveryDeclaredKeyIsRead() {
    PARSERS.forEach(
        (name, parse) -> {
          List<ConfigGroup> declared = JobCli.COMMANDS.get(name).keys();
          Set<String> read = new TreeSet<>();
          for (List<String> overrides : CONDITIONAL) {
            ConfigMap map = ConfigMap.empty().withOverrides(overrides);
            parse.apply(map);
            read.addAll(map.usedKeys());
          }
          assertThat(read)
              .as(name + ": keys read")
              .isNotEmpty()
              .allSatisfy(
                  key ->
                      assertThat(declared.stream().anyMatch(g -> g.covers(key)))
                          .as(name + " declares " + key)
                          .isTrue());
          declared.stream()
              .flatMap(g -> g.keys().stream())
              .forEach(
                  key ->
                      assertThat(read.stream().anyMatch(key::covers))
                          .as(name + " reads " + key.name())
                          .isTrue());
        });
  }

  @Test
  void everyJobCommandHasAParserHere() {
    assertThat(PARSERS.keySet())
        .containsAll(
            JobCli.COMMANDS.values().stream()
                .filter(i -> !i.keys().isEmpty())
                .map(JobCli.Info::name)
                .toList());
  }

  @Test
  void helpCommandPrintsTheUsageOfMedvecOrOfACommand() {
    assertThat(medvec("help")).isZero();
    assertThat(out.toString()).startsWith("Usage: medvec");
    out.getBuffer().setLength(0);
    assertThat(medvec("help", "merge")).isZero();
    assertThat(out.toString())
        .startsWith("Usage: medvec merge")
        .contains("    merge.lambda: auto\n");
    assertThat(medvec("help", "merg")).isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(err.toString())
        .startsWith("medvec help: Unknown command 'merg'; did you mean 'merge'?");
    assertThat(ran).isEmpty();
  }

  @Test
  void finetuneWithHospitalOrPublishRunsHospitalModeWithItsShorthands() {
    assertThat(PublishVectorJob.requested(new String[] {"--base", "S/base/F", "--hospital", "a"}))
        .isTrue();
    assertThat(PublishVectorJob.requested(new String[] {"--publish=S"})).isTrue();
    assertThat(PublishVectorJob.requested(new String[] {"--set", "finetune.hospitals=[h2]"}))
        .isFalse();
    String[] args = {
      "--base",
      "store/base/F",
      "--hospital",
      "ward-7",
      "--publish",
      "hdfs:///a",
      "--score-base",
      "--data",
      "mine.npz"
    };
    JobCli.Parsed parsed =
        JobCli.parse(FineTuneVectorsJob.NAME, args, new PrintWriter(out)).orElseThrow();
    PublishVectorJob.Config c =
        JobMain.parseConfig(
            parsed.cli(),
            FineTuneVectorsJob.NAME,
            PublishVectorJob.FLAG_KEYS,
            PublishVectorJob.Config::from);
    assertThat(c.hospital()).isEqualTo("ward-7");
    assertThat(c.base()).isEqualTo("store/base/F");
    assertThat(c.publish()).isEqualTo("hdfs:///a");
    assertThat(c.scoreBase()).isTrue();
    assertThat(c.common().dataPath()).isEqualTo("mine.npz");
  }

  @Test
  void evaluateWithSiteRunsSiteModeWithItsShorthands() {
    assertThat(SiteEvaluateJob.requested(new String[] {"--site", "ward-7"})).isTrue();
    assertThat(SiteEvaluateJob.requested(new String[] {"--set", "site.id=ward-7"})).isTrue();
    assertThat(SiteEvaluateJob.requested(new String[] {"--run-id", "r1", "--data", "x.npz"}))
        .isFalse();
    String[] args = {
      "--site", "ward-7", "--publish", "hdfs:///store", "--run", "2026-11-27", "--data", "mine.npz"
    };
    JobCli.Parsed parsed =
        JobCli.parse(EvaluateModelsJob.NAME, args, new PrintWriter(out)).orElseThrow();
    SiteEvaluateJob.Config c =
        JobMain.parseConfig(
            parsed.cli(),
            EvaluateModelsJob.NAME,
            SiteEvaluateJob.FLAG_KEYS,
            SiteEvaluateJob.Config::from);
    assertThat(c.site()).isEqualTo("ward-7");
    assertThat(c.publish()).isEqualTo("hdfs:///store");
    assertThat(c.common().runId()).isEqualTo("2026-11-27");
    assertThat(c.splits()).containsExactly(io.medvec.core.data.Split.TEST);
    assertThat(c.common().dataPath()).isEqualTo("mine.npz");
  }

  @Test
  void everyCommandHasAnEntryPoint() {
    assertThat(Medvec.ENTRY_POINTS.keySet())
        .containsExactlyInAnyOrderElementsOf(JobCli.COMMANDS.keySet());
  }

  @Test
  void anUnknownCommandSuggestsTheNearestInOneLine() {
    assertThat(medvec("demoo")).isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(err.toString().lines().toList())
        .singleElement()
        .asString()
        .startsWith("medvec: Unknown command 'demoo'; did you mean 'demo'?")
        .endsWith("exit 2: bad command line or configuration)");
    assertThat(ran).isEmpty();
  }

  @Test
  void anUnknownOptionSuggestsTheNearestInOneLine() {
    assertThat(medvec("demo", "--outt", "x")).isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(err.toString().lines().toList())
        .singleElement()
        .asString()
        .startsWith("medvec demo: Unknown option '--outt'; did you mean '--out'?");
    assertThat(medvec("merge", "--set")).isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(err.toString()).contains("--set");
    assertThat(ran).isEmpty();
  }

  @Test
  void noCommandPrintsUsageAndExitsTwo() {
    assertThat(medvec()).isEqualTo(ExitCode.BAD_CONFIG.code());
    assertThat(err.toString()).contains("Usage: medvec");
  }

  @Test
  void aCommandGetsItsArgumentsAndGlobalVerboseIsPassedOn() {
    assertThat(medvec("merge", "--out", "x", "--set", "merge.lambda=0.5")).isZero();
    assertThat(ran).containsEntry("merge", List.of("--out", "x", "--set", "merge.lambda=0.5"));
    assertThat(Verbosity.requested()).isFalse();

    assertThat(medvec("--verbose", "sql", "--limit", "5", "SELECT 1")).isZero();
    assertThat(ran).containsEntry("sql", List.of("--limit", "5", "SELECT 1"));
    assertThat(Verbosity.requested()).isTrue();
  }

  @Test
  void theSparkSubmitMainsKeepTheirArguments() {
    JobCli.Parsed job =
        JobCli.parse(
                MergeVectorsJob.NAME,
                new String[] {
                  "--config",
                  "c.yaml",
                  "--set",
                  "a=1",
                  "--set=b=2",
                  "--data",
                  "d.npz",
                  "--out=o",
                  "--run-id",
                  "r",
                  "--base",
                  "f"
                },
                new PrintWriter(out))
            .orElseThrow();
    assertThat(job.cli().config()).contains("c.yaml");
    assertThat(job.cli().overrides()).containsExactly("a=1", "b=2");
    assertThat(job.cli().flags())
        .containsExactly(
            Map.entry("data", "d.npz"),
            Map.entry("out", "o"),
            Map.entry("run-id", "r"),
            Map.entry("base", "f"));

    JobCli.Parsed sql =
        JobCli.parse(
                QueryMetricsJob.NAME,
                new String[] {"--out", "o", "--limit", "5", "SELECT", "1"},
                new PrintWriter(out))
            .orElseThrow();
    assertThat(sql.cli().positional()).containsExactly("SELECT", "1");
    assertThat(sql.cli().flags()).containsExactly(Map.entry("out", "o"), Map.entry("limit", "5"));

    JobCli.Parsed download =
        JobCli.parse("download", new String[] {"--to", "d"}, new PrintWriter(out)).orElseThrow();
    assertThat(download.cli().flags())
        .containsExactly(Map.entry("dataset", "pneumoniamnist"), Map.entry("to", "d"));
  }

  @Test
  void aConfigErrorIsOneLineNamingTheKeyTheSuggestionAndTheExitCode() {
    List<String> lines =
        stderrOf(
            () ->
                assertThat(
                        JobMain.execute(
                            new String[] {"--set", "merge.lamda=1"},
                            "demo",
                            RunPipelineJob.Config::from,
                            (spark, config) -> {
                              throw new AssertionError("must not run");
                            }))
                    .isEqualTo(ExitCode.BAD_CONFIG.code()));
    // the test log configuration shows INFO lines (FastPath's, if log4j starts here)
    lines.removeIf(l -> l.matches("\\d\\d:\\d\\d:\\d\\d INFO .*"));
    assertThat(lines)
        .singleElement()
        .asString()
        .startsWith(
            "medvec demo: Unknown config key 'merge.lamda' (in --set merge.lamda=1; did you mean"
                + " 'merge.lambda'?)")
        .endsWith("(exit 2: bad command line or configuration)")
        .doesNotContain("valid keys: [");
  }

  @Test
  void aLeaseRenewalAboveHalfTheTtlIsRefused() {
    List<String> lines =
        stderrOf(
            () ->
                assertThat(
                        JobMain.execute(
                            new String[] {
                              "--set",
                              "store.lease.ttl-seconds=30",
                              "--set",
                              "store.lease.renew-seconds=20"
                            },
                            MergeVectorsJob.NAME,
                            MergeVectorsJob.Config::from,
                            (spark, config) -> {
                              throw new AssertionError("must not run");
                            }))
                    .isEqualTo(ExitCode.BAD_CONFIG.code()));
    lines.removeIf(l -> l.matches("\\d\\d:\\d\\d:\\d\\d INFO .*"));
    assertThat(lines)
        .singleElement()
        .asString()
        .isEqualTo(
            "medvec merge: Invalid config key 'store.lease.renew-seconds': at most half of"
                + " store.lease.ttl-seconds, so that one late renewal does not lose the lease"
                + " (20 > 30 / 2) (exit 2: bad command line or configuration)");
  }

  @Test
  void aTargetBusyFailureInsideASparkTaskExitsFiveWithTheHolderInOneLine() {
    TargetBusyException busy =
        assertThrowsBusy(
            () -> {
              java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("medvec-busy-");
              org.apache.hadoop.fs.Path target =
                  new org.apache.hadoop.fs.Path(dir.resolve("merged").toUri());
              org.apache.hadoop.conf.Configuration conf =
                  new org.apache.hadoop.conf.Configuration();
              try (WriterLease held = WriterLease.acquire(conf, target)) {
                WriterLease.acquire(conf, target).close();
              }
            });
    // as Spark reports a task's failure: wrapped in a checked exception
    Exception wrapped = new Exception("Job aborted due to stage failure", busy);
    List<String> lines =
        stderrOf(
            () ->
                assertThat(
                        JobMain.execute(
                            new String[] {},
                            MergeVectorsJob.NAME,
                            MergeVectorsJob.Config::from,
                            (spark, config) -> sneakyThrow(wrapped)))
                    .isEqualTo(ExitCode.TARGET_BUSY.code()));
    lines.removeIf(l -> l.matches("\\d\\d:\\d\\d:\\d\\d INFO .*"));
    assertThat(lines)
        .singleElement()
        .asString()
        .isEqualTo(
            "medvec merge: "
                + busy.getMessage()
                + " (exit 5: target is being written by another job; retry after it ends)");
    assertThat(JobMain.logsStackTrace(ExitCode.TARGET_BUSY, false)).isFalse();
  }

  private static TargetBusyException assertThrowsBusy(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable body) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(body);
    assertThat(t).isInstanceOf(TargetBusyException.class).hasMessageContaining("another job");
    return (TargetBusyException) t;
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> Object sneakyThrow(Exception e) throws E {
    throw (E) e;
  }

  @Test
  void aJobsOwnHelpExitsZeroWithoutParsingConfig() {
    List<String> lines =
        stderrOf(
            () ->
                assertThat(
                        JobMain.execute(
                            new String[] {"--help"},
                            MergeVectorsJob.NAME,
                            MergeVectorsJob.Config::from,
                            (spark, config) -> {
                              throw new AssertionError("must not run");
                            }))
                    .isZero());
    assertThat(lines).isEmpty();
  }

  @Test
  void stackTracesAreLoggedForRuntimeFailuresAndOnlyWithVerboseForUserErrors() {
    assertThat(JobMain.logsStackTrace(ExitCode.RUNTIME_FAILURE, false)).isTrue();
    for (ExitCode user :
        List.of(
            ExitCode.BAD_CONFIG,
            ExitCode.BAD_INPUT,
            ExitCode.INCOMPATIBLE_VECTORS,
            ExitCode.TARGET_BUSY)) {
      assertThat(JobMain.logsStackTrace(user, false)).as(user.name()).isFalse();
      assertThat(JobMain.logsStackTrace(user, true)).as(user.name()).isTrue();
    }
    assertThat(JobMain.oneLine("Cannot run query: [X]\n  line 1\n  ^^^\n"))
        .isEqualTo("Cannot run query: [X] line 1 ^^^");
  }

  /** What {@code body} prints on System.err, as lines. */
  static List<String> stderrOf(Runnable body) {
    PrintStream saved = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(saved);
    }
    return new ArrayList<>(bytes.toString(StandardCharsets.UTF_8).lines().toList());
  }
}
