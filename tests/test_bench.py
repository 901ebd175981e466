"""The quick benchmark scripts still run and print their figures, at a size too small to time anything.

The benchmarks are run by hand and their figures recorded in ``bench/RESULTS.md``; nothing asserts a time.
What can rot between those runs is the scripts themselves (they call the ingest, the suite and Airflow's
CLI as the pipeline does): each is run here as a reader would run it, on a few thousand rows, and its
output checked for the figures it exists to print. The longer ones (``main_job.py``: the main job, which
``test_main_job.py`` runs; ``fanout.py`` and ``national_report.py``: a scheduler or 34 provinces) are not.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from dxstats.settings import PROJECT_ROOT

BENCH = PROJECT_ROOT / "bench"


def bench(script: str, *args: str) -> str:
    """Run ``bench/<script>`` with the project's interpreter; its output (it must exit 0)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "plugins")}
    done = subprocess.run([sys.executable, str(BENCH / script), *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture
def bench_pg(pg_server: str) -> Iterator[str]:
    """The admin URL; the database the script makes for itself (``dxstats_bench``) is dropped afterwards."""
    yield pg_server
    import psycopg

    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS dxstats_bench WITH (FORCE)")


def test_a_child_process_reports_its_own_peak_memory_not_its_large_parents():
    """The scripts time each side in a child process started by one that may be large (it generated the data,
    or built a DuckDB warehouse in-process): the child's figure must be its own, which ``ru_maxrss`` is not."""
    import resource

    ballast = bytearray(256 * 2**20)  # this process's peak is now at least 256 MiB, touched page by page
    ballast[::4096] = b"x" * (len(ballast) // 4096)
    probe = ("import resource, sys; sys.path.insert(0, sys.argv[1]); from peak_memory import peak_mib; "
             "print(peak_mib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", probe, str(BENCH)], capture_output=True, text=True, check=True)
    own, carried = map(float, done.stdout.split())
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del ballast
    assert parent >= 256
    assert 1 < own < 100, f"the child's own peak is a bare interpreter's ({own:.0f} MiB; ru_maxrss says {carried:.0f})"


def test_validate_call_times_each_case_on_the_suites():
    out = bench("validate_call.py", "--rows", "2000", "--repeat", "1", "--chunks", "2")
    for case in ("portal_summary 16 rows, cold", "portal 2,000 rows, cold", "portal 2,000 rows, warm",
                 "portal in 2 chunks of 1,000, in turn"):
        assert re.search(re.escape(case) + r" +\d+ calls: CPU median [\d.]+ s .*0 rejections", out), case


def test_dag_parse_reports_every_dag_file():
    out = bench("dag_parse.py")
    for path in sorted((PROJECT_ROOT / "dags").glob("*.py")):
        assert re.search(rf"^{re.escape(path.name)} +[\d.]+ +1 +\d+$", out, re.MULTILINE), path.name
    assert re.search(r"slowest file: [\d.]+ s \(goal < 0\.5 s\)", out)


@pytest.mark.postgres
def test_ingest_against_copy_loads_every_generated_row_and_prints_both_sides(bench_pg, tmp_path):
    out = bench("ingest_vs_copy.py", "--rows", "2000", "--pg", bench_pg, "--data", str(tmp_path), "--utilisation",
                "--repeat", "2")
    for table in ("an unlogged table", "a logged table"):
        assert re.search(rf"COPY into {table}.*: 2,000 rows in [\d.]+ s .* CPU [\d.]+ s in the client", out), table
    assert re.search(r"dxstats ingest .*: 2,000 rows in [\d.]+ s .*\(2,000 loaded, 0 rejected\)", out)
    assert re.search(r"ingest / COPY throughput: [\d.]+ \(goal >= 0\.5, against the unlogged table\); "
                     r"against the logged table [\d.]+", out)
    assert re.search(r"cores busy every 0\.1 s of the ingest \(of \d+\):( [\d.]+)*\n", out)
    assert re.search(r"time with at least half a core idle: [\d.]+ s of [\d.]+ s", out)
    assert re.findall(r"^-- run (\d) of 2$", out, re.MULTILINE) == ["1", "2"]
    assert len(re.findall(r"^dxstats ingest .*\(2,000 loaded, 0 rejected\)", out, re.MULTILINE)) == 2  # fresh each time
    ratios = [float(r) for r in re.findall(r"^ingest / COPY throughput: ([\d.]+)", out, re.MULTILINE)]
    summary = re.search(r"ingest / COPY over 2 runs: ([\d.]+)-([\d.]+), median ([\d.]+); "
                        r"at or above the goal \(0\.5\) in (\d) of 2", out)
    assert summary, out
    assert (float(summary[1]), float(summary[2])) == (min(ratios), max(ratios))
    assert int(summary[4]) == sum(r >= 0.5 for r in ratios)
    assert (tmp_path / "rows_2000" / "landing" / "portal" / "2022-01" / "bench_2022-01.csv").is_file()  # kept
