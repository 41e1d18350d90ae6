package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Airflow DAG, executed by Python under stand-ins for the Airflow modules it imports (Airflow
 * is not installable here): {@code src/test/python/airflow_dag_probe.py} records every DAG, task,
 * operator argument (checked against SparkSubmitOperator's signature), dependency and the dynamic
 * task mapping's values, and what a failed spark-submit with each exit code becomes. Run for both
 * import layouts (Airflow 3's {@code airflow.sdk}, Airflow 2) and both targets.
 */
class AirflowDagTest {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path DAG = REPO.resolve("conf/airflow/medvec_nightly.py");
  static final Path PROBE = REPO.resolve("jobs/src/test/python/airflow_dag_probe.py");
  static final String HOME = REPO.toString();

  static JsonNode probe(String target, String layout) throws IOException, InterruptedException {
    List<String> command =
        List.of("/usr/bin/python3", PROBE.toString(), DAG.toString(), HOME, target, layout);
    Path out = Files.createTempFile("dag-probe", ".json");
    Path err = Files.createTempFile("dag-probe", ".err");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
      assertThat(p.exitValue())
          .as("probe exit; stderr: %s", Files.readString(err, StandardCharsets.UTF_8))
          .isZero();
      return new ObjectMapper().readTree(out.toFile());
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** A path the DAG names under MEDVEC_HOME, as a file of this repository. */
  static Path inRepo(String path) {
    assertThat(path).startsWith(HOME + "/");
    return REPO.resolve(path.substring(HOME.length() + 1));
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  @ParameterizedTest(name = "{0} on {1}")
  @CsvSource({"yarn, sdk", "yarn, airflow2", "k8s, sdk", "k8s, airflow2"})
  void everySubmitRunsAJobOfTheAppJarInClientModeWithTheTargetsSettings(
      String target, String layout) throws Exception {
    JsonNode dags = probe(target, layout).get("dags");
    assertThat(dags.fieldNames())
        .toIterable()
        .containsExactly(
            "medvec_bootstrap", "medvec_nightly", "medvec_hospital", "medvec_consortium");
    List<String> classes = new ArrayList<>();
    for (JsonNode dag : dags) {
      for (JsonNode task : dag.get("tasks")) {
        if (!task.get("operator").asText().equals("MedvecSubmitOperator")) {
          continue;
        }
        JsonNode kw = task.get("kwargs");
        String id = kw.get("task_id").asText();
        String javaClass = kw.get("java_class").asText();
        classes.add(javaClass);
        Class<?> type = Class.forName(javaClass);
        assertThat(type.getMethod("main", String[].class)).as(id).isNotNull();
        assertThat(inRepo(kw.get("application").asText()).getFileName().toString())
            .isEqualTo("medvec-jobs-0.1.0-SNAPSHOT-app.jar");
        // client mode through the operator (overrides the connection's extra), not through conf
        assertThat(kw.get("deploy_mode").asText()).as(id).isEqualTo("client");
        assertThat(kw.has("properties_file")).as(id + ": no --properties-file").isFalse();
        JsonNode conf = kw.get("conf");
        assertThat(conf.has("spark.submit.deployMode")).as(id).isFalse();
        assertThat(conf.has("spark.master")).as(id + ": the master is the connection's").isFalse();
        // every other key of the target's spark-defaults template is passed
        assertThat(conf.get("spark.executor.memory").asText()).isNotBlank();
        assertThat(conf.get("spark.driver.extraJavaOptions").asText())
            .as(id + ": the driver's log configuration is absolute")
            .contains("-Dlog4j2.configurationFile=file://" + HOME + "/conf/log4j2.properties")
            .doesNotContain("configurationFile=log4j2.properties");
        if (target.equals("yarn")) {
          assertThat(kw.get("files").asText()).isEqualTo(HOME + "/conf/log4j2.properties");
        }
        // a mapped task's command lines are the mapping's values (checked below)
        if (kw.has("application_args")) {
          List<String> args = strings(kw.get("application_args"));
          Path jobConf = inRepo(args.get(args.indexOf("--config") + 1));
          assertThat(jobConf).as(id).isRegularFile();
          assertThat(args).contains("--run-id", "--out", "--data");
        }
      }
    }
    assertThat(classes)
        .contains(
            "io.medvec.jobs.PartitionDataJob",
            "io.medvec.jobs.PretrainModelJob",
            "io.medvec.jobs.FineTuneVectorsJob",
            "io.medvec.jobs.PublishVectorJob",
            "io.medvec.jobs.MergeVectorsJob",
            "io.medvec.jobs.EvaluateModelsJob");
    assertThat(inRepo(HOME + "/conf/spark/spark-defaults." + target + ".conf")).isRegularFile();
    assertThat(inRepo(HOME + "/conf/log4j2.properties")).isRegularFile();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"sdk", "airflow2"})
  void aHospitalsDagFineTunesItsOwnDataAndTheCoordinatorsMergesWhatArrived(String layout)
      throws Exception {
    JsonNode dags = probe("yarn", layout).get("dags");
    JsonNode hospital = dags.get("medvec_hospital").get("tasks");
    assertThat(hospital.fieldNames()).toIterable().containsExactly("finetune");
    JsonNode kw = hospital.get("finetune").get("kwargs");
    assertThat(kw.get("java_class").asText()).isEqualTo("io.medvec.jobs.PublishVectorJob");
    List<String> args = strings(kw.get("application_args"));
    assertThat(args)
        .containsSequence("--hospital", "{{ var.value.medvec_hospital }}")
        .containsSequence("--base", "{{ var.value.medvec_store }}/base/{{ var.value.medvec_base }}")
        .containsSequence("--publish", "{{ var.value.medvec_store }}")
        .containsSequence("--data", "{{ var.value.medvec_local_data }}")
        .containsSequence("--out", "{{ var.value.medvec_local_out }}");
    assertThat(String.join(" ", args))
        .as("a hospital's DAG names no coordinator data or output")
        .doesNotContain("medvec_data", "medvec_out");
    JsonNode consortium = dags.get("medvec_consortium").get("tasks");
    assertThat(consortium.fieldNames())
        .toIterable()
        .containsExactly("partition", "merge", "evaluate");
    assertThat(strings(consortium.get("merge").get("upstream"))).containsExactly("partition");
    assertThat(strings(consortium.get("evaluate").get("upstream"))).containsExactly("merge");
    assertThat(strings(consortium.get("merge").get("kwargs").get("application_args")))
        .containsSequence("--base", "{{ var.value.medvec_base }}")
        .containsSequence("--out", "{{ var.value.medvec_out }}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"sdk", "airflow2"})
  void nightlyFineTunesOneMappedTaskPerHospitalThenMergesWhatArrivedThenEvaluates(String layout)
      throws Exception {
    JsonNode report = probe("yarn", layout);
    JsonNode tasks = report.get("dags").get("medvec_nightly").get("tasks");
    assertThat(tasks.fieldNames())
        .toIterable()
        .containsExactly("partition", "hospital_commands", "finetune", "merge", "evaluate");
    assertThat(strings(tasks.get("hospital_commands").get("upstream")))
        .containsExactly("partition");
    JsonNode finetune = tasks.get("finetune");
    assertThat(finetune.get("expand").get("application_args").get("xcom_from").asText())
        .isEqualTo("hospital_commands");
    assertThat(strings(finetune.get("upstream"))).containsExactly("hospital_commands");
    assertThat(strings(tasks.get("merge").get("upstream"))).containsExactly("finetune");
    assertThat(tasks.get("merge").get("kwargs").get("trigger_rule").asText()).isEqualTo("all_done");
    assertThat(strings(tasks.get("evaluate").get("upstream"))).containsExactly("merge");
    for (String id : List.of("partition", "merge", "evaluate")) {
      assertThat(strings(tasks.get(id).get("kwargs").get("application_args")))
          .containsSequence("--run-id", "{{ ds }}");
    }
    assertThat(strings(tasks.get("merge").get("kwargs").get("application_args")))
        .containsSequence("--base", "{{ var.value.medvec_base }}");
    assertThat(
            report
                .get("dags")
                .get("medvec_nightly")
                .get("args")
                .get("default_args")
                .get("retries")
                .asInt())
        .isEqualTo(2);

    // the mapping's values: resolved from the Variables when the run starts (mapped values are
    // not templated), one command line per hospital, the run's logical date and pinned base
    JsonNode mapping = report.get("mapping");
    JsonNode two = mapping.get("two");
    assertThat(two).hasSize(2);
    for (int i = 0; i < 2; i++) {
      List<String> args = strings(two.get(i));
      assertThat(args)
          .containsSequence("--run-id", "2026-12-01")
          .containsSequence("--base", "FP123")
          .containsSequence("--out", "hdfs:///medvec")
          .containsSequence("--data", "hdfs:///data/p.npz")
          .containsSequence("--set", "finetune.hospitals=[" + (i == 0 ? "site-a" : "site-b") + "]");
      assertThat(String.join(" ", args)).doesNotContain("{{");
    }
    assertThat(mapping.get("default")).hasSize(4);
    assertThat(mapping.get("empty").asText()).startsWith("refused: Variable medvec_hospitals");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"sdk", "airflow2"})
  void nonRetryableExitCodesFailTheTaskAtOnceAndTheOthersAreRetried(String layout)
      throws Exception {
    JsonNode codes = probe("yarn", layout).get("exit_codes");
    assertThat(codes.get("0").asText()).isEqualTo("success");
    // the DAG retries exactly the codes a retry may mend (runtime failure, busy target)
    for (ExitCode code : ExitCode.values()) {
      if (code == ExitCode.SUCCESS) {
        continue;
      }
      String outcome = codes.get(String.valueOf(code.code())).asText();
      if (!code.retryMayHelp()) {
        assertThat(outcome).as(code.name()).startsWith("fail-without-retry: medvec exit code");
      } else {
        assertThat(outcome).as(code.name()).isEqualTo("retry");
      }
    }
    assertThat(codes.get("1").asText()).isEqualTo("retry");
    assertThat(ExitCode.BAD_CONFIG.code()).isEqualTo(2);
    assertThat(ExitCode.BAD_INPUT.code()).isEqualTo(3);
    assertThat(ExitCode.INCOMPATIBLE_VECTORS.code()).isEqualTo(4);
  }
}
