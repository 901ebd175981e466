"""Wall time of the README's main job after install (goal: under a minute).

Runs ``python -m dxstats.cli run`` as ``make run`` does, in a fresh Airflow home, DuckDB warehouse and outbox
(so nothing is "unchanged" from an earlier run), and prints the wall time and the time the readers took.

    PYTHONPATH=plugins .venv/bin/python bench/main_job.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 60.0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="main-job-") as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DXSTATS_"))}
        env.update(PYTHONPATH=str(ROOT / "plugins"), AIRFLOW_HOME=f"{scratch}/airflow",
                   DXSTATS_DUCKDB_PATH=f"{scratch}/warehouse.duckdb", DXSTATS_OUTBOX_DIR=f"{scratch}/outbox",
                   DXSTATS_VALIDATION_DIR=f"{scratch}/validation")
        clock = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dxstats.cli", "run"], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - clock
    if done.returncode:
        print(done.stderr[-3000:], file=sys.stderr)
        return done.returncode
    reads = [float(s) for s in re.findall(r"rows; read ([0-9.]+) s", done.stdout + done.stderr)]
    runs = len(re.findall(r"DagRun Finished", done.stdout + done.stderr))
    print(f"main job: {wall:.1f} s wall (goal < {GOAL_S:.0f} s: {'met' if wall < GOAL_S else 'NOT met'})")
    print(f"  {runs} DAG runs; files read: {len(reads)}, {sum(reads):.1f} s reading")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
