"""Reads the predictions tables PredictIT left in jobs/target/predict-it/ with DuckDB (node) and
pandas: one row per image, unique ids, probabilities summing to 1, the predicted class the most
probable one, counts per predicted class equal to the job's result record."""
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd


def duckdb(table, sql):
    out = subprocess.run(
        ["node", "notebooks/duckdb/predictions.mjs", str(table), sql],
        check=True, capture_output=True, text=True).stdout
    return pd.read_csv(io.StringIO(out), sep="\t", dtype=str, keep_default_na=False)


def check(table):
    expected = json.loads((table / "expected.json").read_text())
    df = duckdb(table, "SELECT * FROM predictions")
    prob = [c for c in df.columns if c.startswith("p_")]
    assert len(df) == expected["images"], (table, len(df), expected["images"])
    assert df["image_id"].is_unique, table
    assert len(prob) == len(expected["classes"]), (prob, expected["classes"])
    sums = df[prob].astype(float).sum(axis=1)
    assert ((sums - 1).abs() < 1e-5).all(), (table, sums.describe())
    best = df[prob].astype(float).to_numpy().argmax(axis=1)
    assert (df["predicted_class"] == [expected["classes"][i] for i in best]).all(), table
    counts = df["predicted_class"].value_counts().to_dict()
    assert counts == expected["predicted"], (table, counts, expected["predicted"])
    assert (df["run_id"].astype(str) == expected["run_id"]).all(), table
    print(f"CI: DuckDB and pandas read {table}: {len(df)} rows, {len(prob)} classes by name")


for table in sorted(Path(sys.argv[1]).iterdir()):
    if table.is_dir():
        check(table)
