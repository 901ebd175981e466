"""Wall time of the README's main job after install (goal: under a minute).

Runs ``python -m dxstats.cli run`` as ``make run`` does, in a fresh Airflow home, DuckDB warehouse and outbox
(so nothing is "unchanged" from an earlier run), and prints the wall time and the time the readers took.

    PYTHONPATH=plugins .venv/bin/python bench/main_job.py [--profile main_job.html]

``--profile PATH`` runs the job under pyinstrument (sampling every 5 ms) and writes its report to PATH:
HTML, or text if PATH ends in ``.txt``. The profiler slows the job, so the wall time of a profiled run
is not the benchmark's figure.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 60.0


def _command(profile: Path | None) -> list[str]:
    """The job's command line, under pyinstrument when a profile is asked for."""
    job = ["-m", "dxstats.cli", "run"]
    if profile is None:
        return [sys.executable, *job]
    renderer = "text" if profile.suffix == ".txt" else "html"
    return [sys.executable, "-m", "pyinstrument", "-i", "0.005", "-r", renderer, "-o", str(profile.resolve()), *job]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="profile the job with pyinstrument, report written here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="main-job-") as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DXSTATS_"))}
        env.update(PYTHONPATH=str(ROOT / "plugins"), AIRFLOW_HOME=f"{scratch}/airflow",
                   DXSTATS_DUCKDB_PATH=f"{scratch}/warehouse.duckdb", DXSTATS_OUTBOX_DIR=f"{scratch}/outbox",
                   DXSTATS_VALIDATION_DIR=f"{scratch}/validation")
        clock, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(_command(args.profile), env=env, cwd=ROOT, capture_output=True, text=True,
                              check=False)
        wall, cpu = time.perf_counter() - clock, _children_cpu() - cpu
    if done.returncode:
        print(done.stderr[-3000:], file=sys.stderr)
        return done.returncode
    log = done.stdout + done.stderr
    loads = [float(s) for s in re.findall(r"streamed, validated and loaded in one transaction in ([0-9.]+) s", log)]
    runs = len(re.findall(r"DagRun Finished", log))
    print(f"main job: {wall:.1f} s wall (goal < {GOAL_S:.0f} s: {'met' if wall < GOAL_S else 'NOT met'}), "
          f"{cpu:.1f} s CPU{' (profiled)' if args.profile else ''}")
    print(f"  {runs} DAG runs; {len(loads)} periods loaded (read, typed, validated, written) in {sum(loads):.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
