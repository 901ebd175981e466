"""Wall time of one six-month backfill run of ``portal_filings`` (2022-01 to 2022-06 of the sample) under the real
scheduler with the LocalExecutor on PostgreSQL, at ``core.parallelism`` 1 and then 2.

What it shows: whether mapping the ingest over months buys throughput when the executor has more than one
slot. Each parallelism gets a fresh Airflow (metadata database, scheduler, dag-processor, api-server: the
scheduler test's machinery, ``tests/test_scheduler.py``) and a fresh PostgreSQL warehouse; the portal's months
are read from the sample's files (``DXSTATS_PORTAL_SOURCE=files``). The pool ``dxstats_warehouse`` has 8 slots,
so the executor's parallelism is the limit. Prints the run's wall time (start to end, from the REST API) and
each mapped instance's start and duration. Not a test: run it by hand on a quiet machine.

``--provinces N`` makes it a national deployment of N provinces (``DXSTATS_PROVINCES`` 82, 83, ...), each
with a copy of the sample's months in its own landing folder: the run then maps over N x 6 (province, month).

    PYTHONPATH=plugins .venv/bin/python bench/fanout.py [--parallelism 1 2] [--provinces 1]
        [--admin-url postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "plugins")]

MONTHS = ("2022-01", "2022-06")  # backfill_from, and the run's own month
RUN = {"dag_run_id": "bench__2022-06", "logical_date": "2022-06-01T00:00:00+07:00",
       "data_interval_start": "2022-06-01T00:00:00+07:00", "data_interval_end": "2022-07-01T00:00:00+07:00",
       "run_after": "2022-07-01T00:00:00+07:00", "conf": {"backfill_from": MONTHS[0]}}


def province_landing(scratch: Path, provinces: list[str]) -> Path:
    """A landing folder with the sample's six portal months for each province (``<landing>/<province>/portal/``)."""
    import shutil

    from dxstats.settings import PROJECT_ROOT

    sample = PROJECT_ROOT / "data" / "sample" / "landing" / "portal"
    landing = scratch / "landing"
    for province in provinces:
        for month in sorted(p.name for p in sample.iterdir() if MONTHS[0] <= p.name <= MONTHS[1]):
            shutil.copytree(sample / month, landing / province / "portal" / month)
    return landing


def one_backfill(admin_url: str, parallelism: int, provinces: int = 1) -> dict[str, Any]:
    """Start an Airflow with this parallelism, run the six-month backfill (of each province), return its timings."""
    from mail import free_port
    from test_scheduler import AirflowStack, airflow_env, fresh_databases, wait_for_run, wait_until_ready, when

    from dxstats.pools import WAREHOUSE_POOL
    from dxstats.settings import PROJECT_ROOT

    databases = fresh_databases(admin_url, "dxstats_bench")
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as scratch, databases as dbs:
        home = Path(scratch) / "airflow"
        home.mkdir()
        api_port, log_port, password = free_port(), free_port(), secrets.token_urlsafe(16)
        (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": password}))
        codes = [str(82 + i) for i in range(provinces)]
        landing = (province_landing(Path(scratch), codes) if provinces > 1
                   else PROJECT_ROOT / "data" / "sample" / "landing")
        env = airflow_env(home, dbs, api_port, log_port, Path(scratch) / "outbox", landing, "http://127.0.0.1:9")
        env.update(AIRFLOW__CORE__PARALLELISM=str(parallelism), DXSTATS_PORTAL_SOURCE="files",
                   DXSTATS_PROVINCES=",".join(codes))
        stack = AirflowStack(home, env, f"http://127.0.0.1:{api_port}", password)
        stack.session.trust_env = False
        try:
            stack.run("db", "migrate")
            stack.run("pools", "set", WAREHOUSE_POOL, "8", "bench")
            for name, *args in (("dag-processor",), ("scheduler",),
                                ("api-server", "--host", "127.0.0.1", "--port", str(api_port))):
                stack.start(name, name, *args)
            wait_until_ready(stack)
            stack.api("POST", "dags/portal_filings/dagRuns", json=RUN)
            stack.api("PATCH", "dags/portal_filings", json={"is_paused": False})
            run = wait_for_run(stack, "portal_filings", lambda r: r["dag_run_id"] == RUN["dag_run_id"],
                               "the six-month backfill", timeout=900)
            tis = stack.task_instances("portal_filings", RUN["dag_run_id"])
        finally:
            stack.stop()
    start = when(run["start_date"])
    spans = {label: ((when(ti["start_date"]) - start).total_seconds(),
                     (when(ti["end_date"]) - when(ti["start_date"])).total_seconds(), ti["state"])
             for label, ti in tis.items() if ti["start_date"] and ti["end_date"]}
    return {"state": run["state"], "wall": (when(run["end_date"]) - start).total_seconds(), "tasks": spans}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--provinces", type=int, default=1, help="provinces, each with the sample's months")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL login that may create and drop databases")
    args = parser.parse_args()
    for parallelism in args.parallelism:
        clock = time.perf_counter()
        result = one_backfill(args.admin_url, parallelism, args.provinces)
        print(f"\nparallelism {parallelism}: run {result['state']} in {result['wall']:.1f} s "
              f"(bench {time.perf_counter() - clock:.0f} s with start-up)")
        for label, (offset, seconds, state) in sorted(result["tasks"].items(), key=lambda item: item[1][0]):
            print(f"  +{offset:6.1f} s  {seconds:6.1f} s  {state:8} {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
