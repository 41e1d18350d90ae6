"""medvec nightly merge: every hospital fine-tunes in parallel, then merge, then evaluate.

Two DAGs (Airflow 2.x, apache-airflow-providers-apache-spark):

* ``medvec_bootstrap`` (manual trigger): partition + pretrain once. It prints the base model's
  fingerprint (``OUT/runs/bootstrap-DS/pretrain.json``); an operator pins it as the Airflow
  Variable ``medvec_base``. Pinning is deliberate: data vectors only add up against the base they
  were trained from, so a new base starts a new accumulation (``OUT/vectors/base=FP/``).
* ``medvec_nightly`` (daily): run id = the logical date ``{{ ds }}``; partition (seeded, so every
  night's assignment is identical), one fine-tune task per hospital in parallel
  (``--set finetune.hospitals=[hX]``), then merge (every vector committed for the base, also when a
  hospital failed or is late: it is merged next night), then evaluate.

Idempotent reruns: every output is written to a temporary directory and renamed into place, keyed
by run id (``runs/DS/``, ``metrics/run_id=DS/``) or by base + hospital (``vectors/base=FP/hospital=hX/``),
so rerunning a date (or clearing one task) replaces exactly what it wrote before.

spark-submit runs on the Airflow worker in client mode: the job's exit code is spark-submit's, and
medvec's non-retryable codes (2 bad config, 3 bad input, 4 incompatible vectors) fail the task at
once instead of being retried (in cluster mode YARN/Kubernetes report every failure as 1).

Environment of the Airflow worker: MEDVEC_HOME (this repository or its install, default
/opt/medvec, with the app jar under jobs/target/), MEDVEC_TARGET (yarn or k8s, selects
conf/spark/spark-defaults.TARGET.conf), MEDVEC_HOSPITALS (default h0,h1,h2,h3). Airflow
Variables: medvec_out (output root, e.g. hdfs:///medvec), medvec_data (the .npz), medvec_base.
Connection ``spark_default``: the cluster's master (yarn, or k8s://...).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.utils.trigger_rule import TriggerRule

MEDVEC_HOME = os.environ.get("MEDVEC_HOME", "/opt/medvec")
TARGET = os.environ.get("MEDVEC_TARGET", "yarn")
HOSPITALS = [h.strip() for h in os.environ.get("MEDVEC_HOSPITALS", "h0,h1,h2,h3").split(",") if h.strip()]

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

# medvec's exit codes (docs/operations.md "Exit codes"); 1 (runtime failure) is worth a retry, these are not.
# 5 (another job is writing the same output) is retried too: the retry delay outlasts a writer lease.
NO_RETRY_EXIT_CODES = {2: "bad config", 3: "bad input", 4: "incompatible vectors"}


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


def medvec_task(task_id: str, job_class: str, conf_key: str, run_id: str, *args: str, **kwargs) -> MedvecSubmitOperator:
    """One spark-submit of io.medvec.jobs.<job_class> with the job's YAML and the shared flags."""
    return MedvecSubmitOperator(
        task_id=task_id,
        application=APP_JAR,
        java_class=f"io.medvec.jobs.{job_class}",
        properties_file=PROPERTIES,
        # client mode: the driver runs here and its exit code is the task's (see module doc)
        conf={"spark.submit.deployMode": "client"},
        # the driver's environment (log4j2 reads LOG4J_CONFIGURATION_FILE); executors get theirs
        # from the properties file (spark.executorEnv.*)
        env_vars={"LOG4J_CONFIGURATION_FILE": LOG_CONF, "OMP_NUM_THREADS": "4"},
        name=f"medvec-{task_id}-{{{{ ds }}}}",
        application_args=[
            "--config", JOB_CONF[conf_key],
            "--run-id", run_id,
            "--out", "{{ var.value.medvec_out }}",
            "--data", "{{ var.value.medvec_data }}",
            *args,
        ],
        **kwargs,
    )


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

    partition = medvec_task("partition", "PartitionDataJob", "partition", run_id)
    finetunes = [
        medvec_task(
            f"finetune_{h}", "FineTuneVectorsJob", "finetune", run_id, *base, "--set", f"finetune.hospitals=[{h}]"
        )
        for h in HOSPITALS
    ]
    # ALL_DONE: a hospital that fails tonight does not block the others; the merge takes every
    # vector committed for the base (that hospital's previous one, if any) and its manifest lists
    # exactly which vectors, from which runs, it merged.
    merge = medvec_task("merge", "MergeVectorsJob", "merge", run_id, *base, trigger_rule=TriggerRule.ALL_DONE)
    evaluate = medvec_task("evaluate", "EvaluateModelsJob", "evaluate", run_id, *base)

    partition >> finetunes >> merge >> evaluate
