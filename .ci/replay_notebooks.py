"""Runs every code cell of the notebooks with Spark replaced by recorded answers.

HdfsPipelineIT runs each notebook's spark.sql statements against the pipeline's outputs and
records each answer in jobs/target/notebook-results/NOTEBOOK/NNN.{sql,csv}. This script stubs
`pyspark.sql.SparkSession` so that spark.sql() returns those answers in order (checking that the
query is the recorded one) and executes the notebook top to bottom with matplotlib's Agg backend,
so the pandas and plotting code runs on real results. PySpark itself is not needed.

usage: /usr/bin/python3 .ci/replay_notebooks.py jobs/target/notebook-results notebooks/*.ipynb
(needs Debian's python3-nbformat, python3-pandas, python3-matplotlib)
"""
import os
import sys
import types

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402


class Answer:
    def __init__(self, frame):
        self.frame = frame

    def toPandas(self):
        return self.frame


class Reader:
    """spark.read.option(...).parquet(...)/json(...).createOrReplaceTempView(...): views are the test's."""

    def option(self, *args):
        return self

    def parquet(self, *args):
        return self

    def json(self, *args):
        return self

    def createOrReplaceTempView(self, name):
        pass


class RecordedSpark:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.read = Reader()

    def sql(self, query):
        base = os.path.join(self.directory, f"{self.count:03d}")
        with open(base + ".sql") as recorded:
            if recorded.read().strip() != query.strip():
                sys.exit(f"replay: statement {self.count} of {self.directory} is not the one the test ran")
        self.count += 1
        return Answer(pd.read_csv(base + ".csv", dtype={"run_id": str, "delivered_in": str, "first_merged_in": str}))


class Builder:
    def __init__(self, spark):
        self.spark = spark

    def master(self, *args):
        return self

    def appName(self, *args):
        return self

    def config(self, *args):
        return self

    def getOrCreate(self):
        return self.spark


def replay(results, path):
    directory = os.path.join(results, os.path.basename(path))
    spark = RecordedSpark(directory)
    pyspark = types.ModuleType("pyspark")
    pyspark_sql = types.ModuleType("pyspark.sql")
    pyspark_sql.SparkSession = types.SimpleNamespace(builder=Builder(spark))
    sys.modules["pyspark"], sys.modules["pyspark.sql"] = pyspark, pyspark_sql
    plt.close("all")
    notebook = nbformat.read(path, as_version=4)
    scope = {"__name__": "__main__"}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            exec(compile(cell.source, f"{path} cell {index}", "exec"), scope)
    recorded = len([f for f in os.listdir(directory) if f.endswith(".sql")])
    if spark.count != recorded:
        sys.exit(f"replay: {path} ran {spark.count} statements, the test recorded {recorded}")
    print(f"{path}: {spark.count} statements replayed, {len(plt.get_fignums())} figures drawn")


if len(sys.argv) < 3:
    sys.exit(__doc__)
for notebook_path in sys.argv[2:]:
    replay(sys.argv[1], notebook_path)
