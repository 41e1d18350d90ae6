"""Executes conf/airflow/medvec_nightly.py under minimal stand-ins for the Airflow modules it imports
and prints, as JSON, what it built: DAGs, tasks with their operator arguments, dependencies, the
dynamic task mapping, and what MedvecSubmitOperator.execute does for each spark-submit exit code.

Airflow itself is not installable here (not on Debian), so these stand-ins record calls and check
the signatures the DAG relies on: SparkSubmitOperator's keyword arguments (the provider's names),
``Variable.get(key, default, deserialize_json=...)``, ``@task``, ``.partial().expand()``, ``>>``.
AirflowDagTest (jobs) runs this with /usr/bin/python3 and checks the JSON.

usage: airflow_dag_probe.py DAG_FILE MEDVEC_HOME TARGET LAYOUT   (LAYOUT: sdk | airflow2)
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types

dag_file, medvec_home, target, layout = sys.argv[1:5]

# SparkSubmitOperator's keyword arguments (apache-airflow-providers-apache-spark, operators/spark_submit.py)
SPARK_SUBMIT_ARGS = {
    "application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path", "jars",
    "java_class", "packages", "exclude_packages", "repositories", "total_executor_cores",
    "executor_cores", "executor_memory", "driver_memory", "keytab", "principal", "proxy_user", "name",
    "num_executors", "status_poll_interval", "application_args", "env_vars", "verbose", "spark_binary",
    "properties_file", "yarn_queue", "deploy_mode", "use_krb5ccache",
}
BASE_OPERATOR_ARGS = {"task_id", "trigger_rule", "retries", "retry_delay", "execution_timeout", "pool"}

DAGS: dict[str, dict] = {}
CURRENT: list[dict] = []
VARIABLES: dict[str, str] = {}


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    pass


class Node:
    """Anything with an id in a DAG: an operator, a mapped operator or a @task call."""

    def __init__(self, task_id: str, record: dict):
        self.task_id = task_id
        self.record = record
        self.record["upstream"] = []
        if not CURRENT:
            raise RuntimeError(f"task {task_id} created outside a DAG context")
        tasks = CURRENT[-1]["tasks"]
        if task_id in tasks:
            raise RuntimeError(f"duplicate task id {task_id}")
        tasks[task_id] = record

    def __rshift__(self, other):
        for o in other if isinstance(other, list) else [other]:
            o.record["upstream"].append(self.task_id)
        return other

    def __rrshift__(self, other):
        for o in other if isinstance(other, list) else [other]:
            self.record["upstream"].append(o.task_id)
        return self


def jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Node):
        return {"xcom_from": value.task_id}
    return repr(value)


def check_kwargs(kwargs: dict, where: str):
    unknown = set(kwargs) - SPARK_SUBMIT_ARGS - BASE_OPERATOR_ARGS
    if unknown:
        raise TypeError(f"{where}: SparkSubmitOperator has no argument(s) {sorted(unknown)}")


class SparkSubmitOperator(Node):
    # what the stand-in's execute does: raise like SparkSubmitHook for this exit code, or succeed
    exit_code = 0

    def __init__(self, **kwargs):
        check_kwargs(kwargs, kwargs.get("task_id", "?"))
        self.kwargs = kwargs
        super().__init__(kwargs["task_id"], {"operator": type(self).__name__, "kwargs": jsonable(kwargs)})

    def execute(self, context):
        if SparkSubmitOperator.exit_code:
            raise AirflowException(f"Cannot execute: spark-submit --class X app.jar. Error code is: {SparkSubmitOperator.exit_code}.")
        return None

    @classmethod
    def partial(cls, **kwargs):
        check_kwargs(kwargs, kwargs.get("task_id", "?"))
        return Partial(cls, kwargs)


class Partial:
    def __init__(self, cls, kwargs):
        self.cls, self.kwargs = cls, kwargs

    def expand(self, **mapped):
        check_kwargs(mapped, self.kwargs["task_id"])
        return Node(self.kwargs["task_id"], {
            "operator": self.cls.__name__, "kwargs": jsonable(self.kwargs), "expand": jsonable(mapped),
        })


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.record = {"dag_id": dag_id, "args": jsonable(kwargs), "tasks": {}}
        DAGS[dag_id] = self.record

    def __enter__(self):
        CURRENT.append(self.record)
        return self

    def __exit__(self, *exc):
        CURRENT.pop()
        return False


CALLABLES: dict[str, object] = {}


def task(fn=None, **task_kwargs):
    def wrap(f):
        def call(*args, **kwargs):
            CALLABLES[f.__name__] = f
            return Node(f.__name__, {"operator": "@task", "kwargs": jsonable(task_kwargs)})
        return call
    return wrap(fn) if fn is not None else wrap


class Variable:
    @staticmethod
    def get(key, default=None, deserialize_json=False):
        if key not in VARIABLES:
            return default
        return json.loads(VARIABLES[key]) if deserialize_json else VARIABLES[key]


class TriggerRule:
    ALL_SUCCESS = "all_success"
    ALL_DONE = "all_done"


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


module("airflow")
module("airflow.providers")
module("airflow.providers.apache")
module("airflow.providers.apache.spark")
module("airflow.providers.apache.spark.operators")
module("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=SparkSubmitOperator)
module("airflow.utils")
module("airflow.utils.trigger_rule", TriggerRule=TriggerRule)
if layout == "sdk":  # Airflow 3
    module("airflow.sdk", DAG=DAG, Variable=Variable, task=task)
    module("airflow.sdk.exceptions", AirflowException=AirflowException, AirflowFailException=AirflowFailException)
elif layout == "airflow2":  # airflow.sdk absent
    sys.modules["airflow"].DAG = DAG
    module("airflow.decorators", task=task)
    module("airflow.exceptions", AirflowException=AirflowException, AirflowFailException=AirflowFailException)
    module("airflow.models", Variable=Variable)
else:
    raise SystemExit(f"unknown layout {layout}")

os.environ["MEDVEC_HOME"] = medvec_home
os.environ["MEDVEC_TARGET"] = target
spec = importlib.util.spec_from_file_location("medvec_nightly", dag_file)
dag_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag_module)

# what a failed spark-submit with each exit code becomes
exit_codes = {}
op_type = dag_module.MedvecSubmitOperator
probe_dag = DAG("_probe")
with probe_dag:
    probe = op_type(task_id="probe", application="app.jar")
for code in range(0, 10):
    SparkSubmitOperator.exit_code = code
    try:
        probe.execute({})
        exit_codes[str(code)] = "success"
    except AirflowFailException as e:
        exit_codes[str(code)] = "fail-without-retry: " + str(e)
    except AirflowException:
        exit_codes[str(code)] = "retry"
del DAGS["_probe"]

# the dynamic task mapping's values, from the Variables, as the run would compute them
mapping = {}
for name, hospitals in {"default": None, "two": '["site-a", "site-b"]', "empty": "[]"}.items():
    VARIABLES.clear()
    VARIABLES.update(medvec_base="FP123", medvec_out="hdfs:///medvec", medvec_data="hdfs:///data/p.npz")
    if hospitals is not None:
        VARIABLES["medvec_hospitals"] = hospitals
    try:
        mapping[name] = CALLABLES["hospital_commands"](ds="2026-12-01")
    except AirflowFailException as e:
        mapping[name] = "refused: " + str(e)

print(json.dumps({"layout": layout, "dags": DAGS, "exit_codes": exit_codes, "mapping": mapping}, indent=1))
