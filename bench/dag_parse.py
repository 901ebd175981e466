"""DAG file parse time, as ``airflow dags report`` measures it (goal: under 0.5 s a file).

Runs the real command on the project's ``dags/`` folder in a throwaway Airflow home (SQLite, migrated
first) and prints each file's parse time. The first file parsed also pays for the imports the others share.

    PYTHONPATH=plugins .venv/bin/python bench/dag_parse.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 0.5


def main() -> int:
    airflow = Path(sys.executable).with_name("airflow")
    with tempfile.TemporaryDirectory(prefix="dag-parse-") as home:
        env = {**os.environ, "AIRFLOW_HOME": home, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
               "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PYTHONPATH": str(ROOT / "plugins"),
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db"}
        subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True)
        out = subprocess.run([str(airflow), "dags", "report", "-o", "json"], env=env, check=True,
                             capture_output=True, text=True).stdout
    report = json.loads(out[out.index("[{"):])
    worst = 0.0
    print(f"{'file':<24} {'parse s':>8}  DAGs  tasks")
    for row in sorted(report, key=lambda r: r["file"]):
        h, m, s = row["duration"].split(":")
        seconds = int(h) * 3600 + int(m) * 60 + float(s)
        worst = max(worst, seconds)
        print(f"{row['file']:<24} {seconds:>8.3f}  {row['dag_num']:>4}  {row['task_num']:>5}")
    print(f"slowest file: {worst:.3f} s (goal < {GOAL_S} s): {'met' if worst < GOAL_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
