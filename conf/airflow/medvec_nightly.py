"""medvec nightly merge: every hospital fine-tunes, then merge, then evaluate.

Four DAGs (Airflow 2.9+ or 3.x, apache-airflow-providers-apache-spark), for two deployments:
one cluster simulating the sites (``medvec_bootstrap`` + ``medvec_nightly``), and a consortium in
which each hospital's own scheduler runs ``medvec_hospital`` and the coordinator's runs
``medvec_bootstrap`` + ``medvec_consortium``.

* ``medvec_bootstrap`` (manual trigger): partition + pretrain once. It prints the base model's
  fingerprint (``OUT/runs/bootstrap-DS/pretrain.json``); an operator pins it as the Airflow
  Variable ``medvec_base``. Pinning is deliberate: data vectors only add up against the base they
  were trained from, so a new base starts a new accumulation (``OUT/vectors/base=FP/``).
* ``medvec_nightly`` (daily): run id = the logical date ``{{ ds }}``; partition (seeded, so every
  night's assignment is identical), one fine-tune task per hospital in parallel (dynamic task
  mapping over the Airflow Variable ``medvec_hospitals``, read when the run starts, not when the
  scheduler parses this file), then merge (every vector committed for the base, also when a
  hospital failed or is late: it is merged next night), then evaluate.
* ``medvec_hospital`` (daily, on a hospital's own Airflow): one fine-tune of this hospital's own
  data (Variable ``medvec_local_data``) against the consortium's published base
  (``medvec_store``/base/``medvec_base``), publishing its vector to the store as hospital
  ``medvec_hospital``; its result record stays in ``medvec_local_out``. Nothing else of the
  hospital's leaves it.
* ``medvec_consortium`` (daily, the coordinator's): partition of the coordinator's own data (its
  public pool for batch-norm restoration, its validation and test sets), then merge of every
  vector that has arrived in the store for the base, then evaluate.

Idempotent reruns: every output is written to a temporary directory and renamed into place, keyed
by run id (``runs/DS/``, ``metrics/run_id=DS/``) or by base + hospital (``vectors/base=FP/hospital=hX/``),
so rerunning a date (or clearing one task) replaces exactly what it wrote before.

Deployment rules this file follows (docs/operations.md "Schedule with Airflow"):

* spark-submit runs on the Airflow worker in **client** mode, set with the operator's
  ``deploy_mode`` (which overrides a ``deploy-mode`` in the connection's extra; a ``--conf
  spark.submit.deployMode`` would not): the job's exit code is then spark-submit's, and medvec's
  non-retryable codes (2 bad config, 3 bad input, 4 incompatible vectors) fail the task at once
  instead of being retried (in cluster mode YARN/Kubernetes report every failure as 1).
* medvec's Spark settings (``conf/spark/spark-defaults.TARGET.conf``) are passed key by key as
  ``--conf``, never as ``--properties-file``: a properties file replaces the cluster's own
  ``spark-defaults.conf`` (Spark 3.5; Spark 4 only keeps it with ``--load-spark-defaults``), while
  ``--conf`` keys override the cluster's defaults one by one and leave the rest in force.
* The driver's log configuration is an absolute ``file:`` URI (a relative
  ``-Dlog4j2.configurationFile`` resolves against the worker's working directory); on YARN the
  file is shipped with ``--files`` so that the executors' relative name resolves in each
  container's working directory.

Environment of the Airflow worker: MEDVEC_HOME (this repository or its install, default
/opt/medvec, with the app jar under jobs/target/), MEDVEC_TARGET (yarn or k8s, selects
conf/spark/spark-defaults.TARGET.conf). Airflow Variables: medvec_out (output root, e.g.
hdfs:///medvec), medvec_data (the .npz), medvec_base, medvec_hospitals (JSON list, default
["h0", "h1", "h2", "h3"]); for ``medvec_consortium`` medvec_out is the consortium's store and
medvec_data the coordinator's own data; for ``medvec_hospital``: medvec_store, medvec_base,
medvec_hospital, medvec_local_data, medvec_local_out. Connection ``spark_default``: the cluster's
master (yarn, or k8s://...).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta

try:  # Airflow 3: the Task SDK
    from airflow.sdk import DAG, Variable, task
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # Airflow 2.9+
    from airflow import DAG
    from airflow.decorators import task
    from airflow.exceptions import AirflowException, AirflowFailException
    from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.utils.trigger_rule import TriggerRule

MEDVEC_HOME = os.environ.get("MEDVEC_HOME", "/opt/medvec")
TARGET = os.environ.get("MEDVEC_TARGET", "yarn")
DEFAULT_HOSPITALS = ["h0", "h1", "h2", "h3"]

APP_JAR = f"{MEDVEC_HOME}/jobs/target/medvec-jobs-0.1.0-SNAPSHOT-app.jar"
PROPERTIES = f"{MEDVEC_HOME}/conf/spark/spark-defaults.{TARGET}.conf"
LOG_CONF = f"{MEDVEC_HOME}/conf/log4j2.properties"
JOB_CONF = {
    "partition": f"{MEDVEC_HOME}/conf/partition.yaml",
    "pretrain": f"{MEDVEC_HOME}/conf/pretrain.yaml",
    "finetune": f"{MEDVEC_HOME}/conf/finetune.yaml",
    "merge": f"{MEDVEC_HOME}/conf/merge.yaml",
    "evaluate": f"{MEDVEC_HOME}/conf/evaluate.yaml",
}

# medvec's exit codes (README "Exit codes"); 1 (runtime failure) is worth a retry, these are not.
# 5 (another job is writing the same output) is retried too: the retry delay outlasts a writer lease.
NO_RETRY_EXIT_CODES = {2: "bad config", 3: "bad input", 4: "incompatible vectors"}

# Keys of the properties file the DAG sets itself: the master comes from the connection and the
# deploy mode from the operator (client, see the module doc).
OPERATOR_OWNED_KEYS = {"spark.master", "spark.submit.deployMode"}
LOG4J_OPTION = re.compile(r"-Dlog4j2\.configurationFile=\S+")


def spark_conf(properties_file: str, log_conf: str) -> dict[str, str]:
    """The target's properties as ``--conf`` pairs, with the driver's log file made absolute.

    spark-defaults syntax: one ``key value`` (or ``key=value``) per line, ``#`` comments.
    """
    conf: dict[str, str] = {}
    with open(properties_file, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = re.split(r"(\s*=\s*|\s+)", line, maxsplit=1)
            if key not in OPERATOR_OWNED_KEYS:
                conf[key] = value.strip()
    # client mode: the driver runs on this worker, so its log configuration is this worker's file
    driver_log = f"-Dlog4j2.configurationFile=file://{os.path.abspath(log_conf)}"
    options = conf.get("spark.driver.extraJavaOptions", "")
    if LOG4J_OPTION.search(options):
        conf["spark.driver.extraJavaOptions"] = LOG4J_OPTION.sub(driver_log, options)
    else:
        conf["spark.driver.extraJavaOptions"] = f"{driver_log} {options}".strip()
    return conf


class MedvecSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that fails without retries on medvec's non-retryable exit codes."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            # SparkSubmitHook: "Cannot execute: <cmd>. Error code is: <n>."
            match = re.search(r"Error code is: (\d+)", str(e))
            code = int(match.group(1)) if match else None
            if code in NO_RETRY_EXIT_CODES:
                raise AirflowFailException(
                    f"medvec exit code {code} ({NO_RETRY_EXIT_CODES[code]}): not retrying"
                ) from e
            raise


def submit_settings(task_id: str, job_class: str) -> dict:
    """What every medvec spark-submit shares: the jar, the class, client mode, conf, log files."""
    return dict(
        task_id=task_id,
        application=APP_JAR,
        java_class=f"io.medvec.jobs.{job_class}",
        deploy_mode="client",
        conf=spark_conf(PROPERTIES, LOG_CONF),
        # YARN containers get the log configuration in their working directory (the executors'
        # extraJavaOptions name it relatively); Kubernetes images carry it under /opt/medvec/conf
        files=LOG_CONF if TARGET == "yarn" else None,
        # the driver's environment (log4j2 also reads LOG4J_CONFIGURATION_FILE); executors get
        # theirs from spark.executorEnv.* in the conf
        env_vars={"LOG4J_CONFIGURATION_FILE": LOG_CONF, "OMP_NUM_THREADS": "4"},
        name=f"medvec-{task_id}-{{{{ ds }}}}",
    )


def job_args(conf_key: str, run_id: str, *args: str, out: str = "{{ var.value.medvec_out }}",
             data: str = "{{ var.value.medvec_data }}") -> list[str]:
    """A job's command line: its YAML, the run id, the output root, the data and extra flags."""
    return ["--config", JOB_CONF[conf_key], "--run-id", run_id, "--out", out, "--data", data, *args]


def medvec_task(task_id: str, job_class: str, conf_key: str, run_id: str, *args: str, **kwargs) -> MedvecSubmitOperator:
    """One spark-submit of io.medvec.jobs.<job_class> with the job's YAML and the shared flags."""
    return MedvecSubmitOperator(
        **submit_settings(task_id, job_class),
        application_args=job_args(conf_key, run_id, *args),
        **kwargs,
    )


def finetune_args(hospitals: list[str], run_id: str, base: str, out: str, data: str) -> list[list[str]]:
    """One fine-tune command line per hospital (the values of the dynamic task mapping, which are
    not templated: they are resolved here). medvec checks the names themselves (docs/storage.md)."""
    if not isinstance(hospitals, list) or not hospitals or not all(isinstance(h, str) and h for h in hospitals):
        raise AirflowFailException(f"Variable medvec_hospitals must be a non-empty JSON list of names ({hospitals!r})")
    return [
        job_args("finetune", run_id, "--base", base, "--set", f"finetune.hospitals=[{h}]", out=out, data=data)
        for h in hospitals
    ]


default_args = {
    "owner": "medvec",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(hours=4),
}

with DAG(
    dag_id="medvec_bootstrap",
    description="partition + pretrain the base model once; pin its fingerprint as Variable medvec_base",
    start_date=datetime(2026, 11, 1),
    schedule=None,
    catchup=False,
    default_args=default_args,
    tags=["medvec"],
) as bootstrap:
    boot_run = "bootstrap-{{ ds }}"
    medvec_task("partition", "PartitionDataJob", "partition", boot_run) >> medvec_task(
        "pretrain", "PretrainModelJob", "pretrain", boot_run
    )

with DAG(
    dag_id="medvec_nightly",
    description="fine-tune every hospital in parallel, merge their data vectors, evaluate",
    start_date=datetime(2026, 11, 1),
    schedule="0 2 * * *",
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["medvec"],
) as nightly:
    run_id = "{{ ds }}"
    base = ("--base", "{{ var.value.medvec_base }}")

    @task(retries=0)
    def hospital_commands(ds=None) -> list[list[str]]:
        """The hospitals of this run, read from the Variable when the run starts."""
        hospitals = Variable.get("medvec_hospitals", None, deserialize_json=True)  # 2nd arg: default (both APIs)
        return finetune_args(
            DEFAULT_HOSPITALS if hospitals is None else hospitals,
            ds,
            Variable.get("medvec_base"),
            Variable.get("medvec_out"),
            Variable.get("medvec_data"),
        )

    partition = medvec_task("partition", "PartitionDataJob", "partition", run_id)
    commands = hospital_commands()
    # one mapped task instance per hospital, all in parallel
    finetunes = MedvecSubmitOperator.partial(**submit_settings("finetune", "FineTuneVectorsJob")).expand(
        application_args=commands
    )
    # ALL_DONE: a hospital that fails tonight does not block the others; the merge takes every
    # vector committed for the base (that hospital's previous one, if any) and its manifest lists
    # exactly which vectors, from which runs, it merged.
    merge = medvec_task("merge", "MergeVectorsJob", "merge", run_id, *base, trigger_rule=TriggerRule.ALL_DONE)
    evaluate = medvec_task("evaluate", "EvaluateModelsJob", "evaluate", run_id, *base)

    partition >> commands >> finetunes >> merge >> evaluate


with DAG(
    dag_id="medvec_hospital",
    description="this hospital's fine-tune on its own data against the consortium's base; publishes one vector",
    start_date=datetime(2026, 11, 1),
    schedule="0 20 * * *",
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["medvec"],
) as hospital:
    # only the published base and the store are the consortium's; data and out are the hospital's
    MedvecSubmitOperator(
        **submit_settings("finetune", "PublishVectorJob"),
        application_args=job_args(
            "finetune",
            "{{ ds }}",
            "--base",
            "{{ var.value.medvec_store }}/base/{{ var.value.medvec_base }}",
            "--hospital",
            "{{ var.value.medvec_hospital }}",
            "--publish",
            "{{ var.value.medvec_store }}",
            out="{{ var.value.medvec_local_out }}",
            data="{{ var.value.medvec_local_data }}",
        ),
    )

with DAG(
    dag_id="medvec_consortium",
    description="merge every vector the hospitals have published for the base, evaluate on the coordinator's data",
    start_date=datetime(2026, 11, 1),
    schedule="0 2 * * *",
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["medvec"],
) as consortium:
    run_id = "{{ ds }}"
    base = ("--base", "{{ var.value.medvec_base }}")
    # the coordinator's own data: public pool (restoration), validation (lambda), test
    (
        medvec_task("partition", "PartitionDataJob", "partition", run_id)
        >> medvec_task("merge", "MergeVectorsJob", "merge", run_id, *base)
        >> medvec_task("evaluate", "EvaluateModelsJob", "evaluate", run_id, *base)
    )
