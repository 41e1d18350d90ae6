package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Airflow DAG is Python that CI only compiles (Airflow is not installed), so this reads it as
 * text: every job class and every file under conf/ it names must exist, and the nightly contract
 * (run id from the logical date, one fine-tune per hospital, pinned base) must be in it.
 */
class AirflowDagTest {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path DAG = REPO.resolve("conf/airflow/medvec_nightly.py");
  static String dag;

  @BeforeAll
  static void read() throws Exception {
    dag = Files.readString(DAG);
  }

  static List<String> all(String regex) {
    Matcher m = Pattern.compile(regex).matcher(dag);
    return m.results().map(r -> r.group(1)).distinct().toList();
  }

  @Test
  void everyJobClassItSubmitsExists() throws Exception {
    List<String> jobs = all("\"(\\w+Job)\"");
    assertThat(jobs)
        .containsExactlyInAnyOrder(
            "PartitionDataJob",
            "PretrainModelJob",
            "FineTuneVectorsJob",
            "MergeVectorsJob",
            "EvaluateModelsJob");
    for (String job : jobs) {
      Class<?> type = Class.forName("io.medvec.jobs." + job);
      assertThat(type.getMethod("main", String[].class)).as(job).isNotNull();
    }
    assertThat(dag).contains("java_class=f\"io.medvec.jobs.{job_class}\"");
  }

  @Test
  void everyConfFileItNamesExists() {
    List<String> files = all("\\{MEDVEC_HOME}/(conf/[\\w./-]+\\.(?:yaml|conf|properties|sh))\"");
    assertThat(files)
        .contains(
            "conf/log4j2.properties",
            "conf/finetune.yaml",
            "conf/merge.yaml",
            "conf/evaluate.yaml",
            "conf/partition.yaml",
            "conf/pretrain.yaml");
    assertThat(files).allSatisfy(f -> assertThat(REPO.resolve(f)).as(f).isRegularFile());
    // the properties file is chosen per target: every target's template must exist
    assertThat(dag).contains("{MEDVEC_HOME}/conf/spark/spark-defaults.{TARGET}.conf");
    for (String target : List.of("yarn", "k8s")) {
      assertThat(REPO.resolve("conf/spark/spark-defaults." + target + ".conf")).isRegularFile();
    }
    assertThat(dag).contains("{MEDVEC_HOME}/jobs/target/medvec-jobs-0.1.0-SNAPSHOT-app.jar");
  }

  @Test
  void nightlyRunIsTheLogicalDateWithOneFineTunePerHospitalOnAPinnedBase() {
    assertThat(dag)
        .contains("run_id = \"{{ ds }}\"")
        .contains("\"--run-id\", run_id")
        .contains("f\"finetune.hospitals=[{h}]\"")
        .contains("for h in HOSPITALS")
        .contains("\"--base\", \"{{ var.value.medvec_base }}\"")
        .contains("\"retries\": 2")
        .contains("partition >> finetunes >> merge >> evaluate")
        .contains("trigger_rule=TriggerRule.ALL_DONE");
  }

  @Test
  void nonRetryableExitCodesMatchTheJobs() {
    assertThat(dag)
        .contains(
            "NO_RETRY_EXIT_CODES = {2: \"bad config\", 3: \"bad input\", 4: \"incompatible vectors\"}");
    assertThat(ExitCode.BAD_CONFIG.code()).isEqualTo(2);
    assertThat(ExitCode.BAD_INPUT.code()).isEqualTo(3);
    assertThat(ExitCode.INCOMPATIBLE_VECTORS.code()).isEqualTo(4);
  }
}
