"""DAG file parse time, as ``airflow dags report`` measures it (goal: under 0.5 s a file).

Runs the real command on the project's ``dags/`` folder in a throwaway Airflow home (SQLite, migrated
first) and prints each file's parse time. The first file parsed also pays for the imports the others share.

    PYTHONPATH=plugins .venv/bin/python bench/dag_parse.py [--profile dag_parse.html]

``--profile PATH`` also parses the folder once more in a child process, as the report does
(``BundleDagBag`` on ``dags/``, Airflow itself already imported), under pyinstrument, and writes the
report to PATH: HTML, or text if PATH ends in ``.txt``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 0.5


def _profile_parse(path: Path) -> None:
    """In the child: parse ``dags/`` as ``airflow dags report`` does, under pyinstrument."""
    from airflow.dag_processing.dagbag import BundleDagBag
    from pyinstrument import Profiler

    dags = ROOT / "dags"
    profiler = Profiler(interval=0.0005)
    profiler.start()
    BundleDagBag(dags, bundle_path=dags, bundle_name="dags-folder")
    profiler.stop()
    text = path.suffix == ".txt"
    path.write_text(profiler.output_text(unicode=True, show_all=True) if text else profiler.output_html(),
                    encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="profile one parse of dags/ with pyinstrument, written here")
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_profile:
        _profile_parse(args.child_profile)
        return 0
    airflow = Path(sys.executable).with_name("airflow")
    with tempfile.TemporaryDirectory(prefix="dag-parse-") as home:
        env = {**os.environ, "AIRFLOW_HOME": home, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
               "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PYTHONPATH": str(ROOT / "plugins"),
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db"}
        subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True)
        out = subprocess.run([str(airflow), "dags", "report", "-o", "json"], env=env, check=True,
                             capture_output=True, text=True).stdout
        if args.profile:
            subprocess.run([sys.executable, __file__, "--child-profile", str(args.profile.resolve())], env=env,
                           check=True, capture_output=True)
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
