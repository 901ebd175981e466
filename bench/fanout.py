"""Wall time of one six-month backfill run of ``portal_filings`` (2022-01 to 2022-06 of the sample) under the real
scheduler with the LocalExecutor on PostgreSQL, at ``core.parallelism`` 1 and then 2; or with the CeleryExecutor
and 1, then 2 ``airflow celery worker`` processes (``--executor celery --workers 1 2``).

What it shows: whether mapping the ingest over months buys throughput when the executor has more than one
slot. Each parallelism gets a fresh Airflow (metadata database, scheduler, dag-processor, api-server: the
scheduler test's machinery, ``tests/test_scheduler.py``) and a fresh PostgreSQL warehouse; the portal's months
are read from the sample's files (``DXSTATS_PORTAL_SOURCE=files``). The pool ``dxstats_warehouse`` has 8 slots,
so the executor's parallelism is the limit. Prints the run's wall time (start to end, from the REST API) and
each mapped instance's start and duration. Not a test: run it by hand on a quiet machine.

``--executor celery``: the executor, broker and result backend as docker-compose.yaml sets them and the Celery
test runs them (``tests/test_celery.py``: the local Redis server, the metadata database, a queue of each setting's
own), ``core.parallelism`` 8, and ``--workers`` worker processes of ``--concurrency`` slots each (default 1), so the
workers' slots are the limit: what ``docker compose up --scale airflow-worker=N`` changes. Each task's line then
names the worker that executed it.

``--provinces N`` makes it a national deployment of N provinces (``DXSTATS_PROVINCES`` 82, 83, ...), each
with a copy of the sample's months in its own landing folder: the run then maps over N x 6 (province, month).

    PYTHONPATH=plugins .venv/bin/python bench/fanout.py [--parallelism 1 2] [--provinces 1]
        [--executor celery [--workers 1 2] [--concurrency 1] [--redis-url redis://...]] [--admin-url postgresql://...]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
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


#: Airflow's settings for one run of the comparison, from its metadata database's URL
Settings = Callable[[str], dict[str, str]]


def one_backfill(admin_url: str, settings: Settings, provinces: int = 1,
                 workers: list[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Start an Airflow with ``settings(metadata database URL)`` (and these Celery workers), run the six-month
    backfill (of each province), return its timings."""
    from test_scheduler import fresh_databases, new_stack, started, wait_for_run, wait_until_ready, when

    from dxstats.settings import PROJECT_ROOT

    databases = fresh_databases(admin_url, "dxstats_bench")
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as scratch, databases as dbs:
        codes = [str(82 + i) for i in range(provinces)]
        landing = (province_landing(Path(scratch), codes) if provinces > 1
                   else PROJECT_ROOT / "data" / "sample" / "landing")
        stack = new_stack(Path(scratch), dbs, landing, "http://127.0.0.1:9", DXSTATS_PORTAL_SOURCE="files",
                          DXSTATS_PROVINCES=",".join(codes),
                          **settings(dbs.metadata))
        with started(stack, 8, *(workers or ())):
            wait_until_ready(stack)
            stack.api("POST", "dags/portal_filings/dagRuns", json=RUN)
            stack.api("PATCH", "dags/portal_filings", json={"is_paused": False})
            run = wait_for_run(stack, "portal_filings", lambda r: r["dag_run_id"] == RUN["dag_run_id"],
                               "the six-month backfill", timeout=900)
            tis = stack.task_instances("portal_filings", RUN["dag_run_id"])
            ran_on = celery_workers_of(stack, dbs.metadata) if workers else {}
    start = when(run["start_date"])
    spans = {label: ((when(ti["start_date"]) - start).total_seconds(),
                     (when(ti["end_date"]) - when(ti["start_date"])).total_seconds(), ti["state"],
                     ran_on.get(label, ""))
             for label, ti in tis.items() if ti["start_date"] and ti["end_date"]}
    return {"state": run["state"], "wall": (when(run["end_date"]) - start).total_seconds(), "tasks": spans}


def celery_workers_of(stack: Any, metadata_url: str) -> dict[str, str]:
    """Which worker executed each task instance of the run (by its Celery task id in the worker's log)."""
    from test_celery import celery_task_ids, executed_by_workers

    executed = executed_by_workers(stack)
    return {label: executed.get(celery_id, ("?",))[0]
            for label, (celery_id, _) in celery_task_ids(metadata_url, "portal_filings", RUN["dag_run_id"]).items()}



def settings_to_compare(args: argparse.Namespace,
                        cleanup: contextlib.ExitStack) -> list[tuple[str, Settings, list[tuple[str, ...]]]]:
    """(label, Airflow settings from the metadata database's URL, Celery workers) of each setting, in order; the
    Celery queues' keys on the broker are deleted when ``cleanup`` closes."""
    if args.executor == "local":
        return [(f"parallelism {n}", lambda _metadata, n=n: {"AIRFLOW__CORE__PARALLELISM": str(n)}, [])
                for n in args.parallelism]
    from test_celery import REDIS_DB, celery_settings, celery_workers, own_queue

    broker = f"{args.redis_url}/{REDIS_DB}"

    def celery(metadata: str, queue: str) -> dict[str, str]:
        # the scheduler may send as many tasks as the pool allows: the workers' slots are the limit
        return {**celery_settings(metadata, broker, queue), "AIRFLOW__CORE__PARALLELISM": "8"}

    queues = {count: cleanup.enter_context(own_queue(broker, "dxstats-bench")) for count in args.workers}
    return [(f"{count} Celery worker(s) x {args.concurrency} slot(s)",
             lambda metadata, queue=queues[count]: celery(metadata, queue),
             celery_workers(count, queues[count], args.concurrency)) for count in args.workers]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executor", choices=("local", "celery"), default="local")
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2], help="LocalExecutor: core.parallelism")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="CeleryExecutor: how many `airflow celery worker` processes")
    parser.add_argument("--concurrency", type=int, default=1, help="CeleryExecutor: each worker's slots")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379", help="CeleryExecutor: the broker's server")
    parser.add_argument("--provinces", type=int, default=1, help="provinces, each with the sample's months")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL login that may create and drop databases")
    args = parser.parse_args()
    with contextlib.ExitStack() as cleanup:
        for name, settings, workers in settings_to_compare(args, cleanup):
            clock = time.perf_counter()
            result = one_backfill(args.admin_url, settings, args.provinces, workers)
            print(f"\n{name}: run {result['state']} in {result['wall']:.1f} s "
                  f"(bench {time.perf_counter() - clock:.0f} s with start-up)")
            for label, (offset, seconds, state, worker) in sorted(result["tasks"].items(),
                                                                  key=lambda item: item[1][0]):
                print(f"  +{offset:6.1f} s  {seconds:6.1f} s  {state:8} {label:24} {worker}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
