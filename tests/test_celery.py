"""The CeleryExecutor for real: the scheduler sends the mapped ingest to ``airflow celery worker`` processes.

docker-compose.yaml deploys Airflow with the CeleryExecutor and a Redis broker, which no development machine or
CI run can start. This test runs what it would: the scheduler test's Airflow (``tests/test_scheduler.py``:
fresh PostgreSQL metadata and warehouse, dag-processor, scheduler, api-server) with the executor, broker and
result backend that docker-compose sets (the same variables; the broker is the local Redis server, the result
backend the test's own metadata database), and two ``airflow celery worker`` processes of one slot each. One
``portal_filings`` run for 2022-01 with ``backfill_from`` 2021-12 maps its extract and ingest over the two months
(from the sample's files). The run must succeed, and every one of its task instances must have been executed by
one of the two workers: its Celery task id (``task_instance.external_executor_id``, set by the executor) is the
one a worker logged as executing it, and the result backend holds that id's SUCCESS.

Isolation on a shared Redis server: a database number of its own (``REDIS_DB``) and a default queue named for
this run only (``operators.default_queue``, which the executor sends to and the workers are told to serve), so
another run's workers can never take this run's tasks, nor these workers another's.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from test_scheduler import (
    AirflowStack,
    Databases,
    assert_succeeded,
    fresh_databases,
    new_stack,
    poll,
    started,
    wait_for_run,
    wait_until_ready,
)

from dxstats.settings import PROJECT_ROOT

#: the broker's database on the Redis server: not 0, which docker-compose's own Redis uses and others might
REDIS_DB = 11
#: one slot per worker, so two workers are two tasks at once (what ``--scale airflow-worker=2`` gives per slot)
WORKERS, CONCURRENCY = 2, 1
PORTAL_MONTHS = ("2021-12", "2022-01")
RUN = {"dag_run_id": "celery__2022-01", "logical_date": "2022-01-01T00:00:00+07:00",
       "data_interval_start": "2022-01-01T00:00:00+07:00", "data_interval_end": "2022-02-01T00:00:00+07:00",
       "run_after": "2022-02-01T00:00:00+07:00", "conf": {"backfill_from": PORTAL_MONTHS[0]}}
#: what a worker logs as it takes a task: the Celery task id, then the workload with the task instance
EXECUTING = re.compile(r"\[(?P<celery_id>[0-9a-f-]{36})\] Executing workload in Celery: .*?"
                       r"task_id='(?P<task_id>\w+)', dag_id='(?P<dag_id>\w+)', run_id='(?P<run_id>[^']+)'.*?"
                       r"map_index=(?P<map_index>-?\d+)")


# --- the Celery deployment --------------------------------------------------------------------------------------


def celery_settings(metadata_url: str, broker_url: str, queue: str) -> dict[str, str]:
    """The CeleryExecutor's settings, under the names docker-compose.yaml gives them, plus the run's own queue.

    The result backend is Celery's SQLAlchemy backend on the metadata database, as in docker-compose (there with
    psycopg2, here with psycopg 3, the driver installed)."""
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + Databases.sqlalchemy(metadata_url),
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
    }


def celery_workers(count: int, queue: str, concurrency: int) -> list[tuple[str, ...]]:
    """``(name, *airflow args)`` of ``count`` workers serving ``queue`` with ``concurrency`` slots each.

    No log server (``--skip-serve-logs``: they would all want the one port; the task logs are files in the
    shared AIRFLOW_HOME, which the api-server reads), and no gossip or mingle with other workers on the broker."""
    return [(f"worker-{i}", "celery", "worker", "--queues", queue, "--concurrency", str(concurrency),
             "--celery-hostname", f"{queue}-{i}@%h", "--skip-serve-logs", "--without-gossip", "--without-mingle")
            for i in range(1, count + 1)]


@contextlib.contextmanager
def own_queue(broker_url: str, prefix: str) -> Iterator[str]:
    """A queue name for one run; its keys on the broker (the queue, kombu's bindings) are deleted afterwards."""
    import redis

    queue = f"{prefix}-{uuid.uuid4().hex[:10]}"
    try:
        yield queue
    finally:
        broker = redis.Redis.from_url(broker_url)
        keys = list(broker.scan_iter(match=f"*{queue}*"))
        if keys:
            broker.delete(*keys)
        broker.close()


def executed_by_workers(stack: AirflowStack) -> dict[str, tuple[str, str, str, int]]:
    """Every task a worker logged as executing: its Celery task id -> (worker, dag id, task id, map index)."""
    found = {}
    for name in stack.processes:
        if name.startswith("worker-"):
            for match in EXECUTING.finditer(stack.log_path(name).read_text(encoding="utf-8", errors="replace")):
                found[match["celery_id"]] = (name, match["dag_id"], match["task_id"], int(match["map_index"]))
    return found


def celery_task_ids(metadata_url: str, dag_id: str, run_id: str) -> dict[str, tuple[str | None, str | None]]:
    """The run's task instances (``task_id`` or ``task_id[i]``): (Celery task id, its state in the result backend).

    Read from the metadata database: the REST API does not show ``external_executor_id``, and the result backend's
    table ``celery_taskmeta`` is Celery's, not Airflow's."""
    import psycopg

    with psycopg.connect(metadata_url) as conn:
        tis = conn.execute("SELECT task_id, map_index, external_executor_id FROM task_instance "
                           "WHERE dag_id = %s AND run_id = %s", (dag_id, run_id)).fetchall()
        results = dict(conn.execute("SELECT task_id, status FROM celery_taskmeta").fetchall())
    return {(task if index < 0 else f"{task}[{index}]"): (celery_id, results.get(celery_id))
            for task, index, celery_id in tis}


def finished_in_celery(metadata_url: str, dag_id: str, run_id: str) -> dict[str, tuple[str | None, str | None]] | None:
    """``celery_task_ids()`` once no task is pending or running any more in the result backend."""
    found = celery_task_ids(metadata_url, dag_id, run_id)
    waiting = {result for celery_id, result in found.values() if celery_id} & {None, "PENDING", "STARTED"}
    return None if waiting else found


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture
def databases(pg_server: str) -> Iterator[Databases]:
    """Airflow's metadata database (also the result backend) and the warehouse, for this test only."""
    with fresh_databases(pg_server, "dxstats_celery") as databases:
        yield databases


@pytest.fixture
def celery_stack(tmp_path: Path, databases: Databases, redis_server: str) -> Iterator[AirflowStack]:
    """The scheduler test's Airflow with the CeleryExecutor and two workers on a queue of this run's own."""
    broker = f"{redis_server}/{REDIS_DB}"
    with own_queue(broker, "dxstats-test") as queue:
        stack = new_stack(tmp_path, databases, PROJECT_ROOT / "data" / "sample" / "landing", "http://127.0.0.1:9",
                          DXSTATS_PORTAL_SOURCE="files", **celery_settings(databases.metadata, broker, queue))
        with started(stack, 4, *celery_workers(WORKERS, queue, CONCURRENCY)):
            yield stack


# --- the tests --------------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_celery_workers_run_the_mapped_ingest(celery_stack: AirflowStack, databases: Databases) -> None:
    stack = celery_stack
    with stack.diagnostics():
        with stack.timed("api-server, scheduler, dag-processor healthy; DAGs parsed"):
            wait_until_ready(stack)
        with stack.timed("portal_filings: the two months' run on the Celery workers"):
            stack.api("POST", "dags/portal_filings/dagRuns", json=RUN)
            stack.api("PATCH", "dags/portal_filings", json={"is_paused": False})
            run = wait_for_run(stack, "portal_filings", lambda r: r["dag_run_id"] == RUN["dag_run_id"],
                               "the two-month run", timeout=300)
        assert_succeeded(stack, run)

        tis = stack.task_instances("portal_filings", RUN["dag_run_id"])
        mapped = {label: ti["rendered_map_index"] for label, ti in tis.items() if ti["map_index"] >= 0}
        assert mapped == {f"{task}[{i}]": f"82 {month}" for i, month in enumerate(PORTAL_MONTHS)
                          for task in ("extract_portal", "ingest_portal")}
        queue = stack.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
        assert {ti["queue"] for ti in tis.values()} == {queue}, {label: ti["queue"] for label, ti in tis.items()}

        # every task instance went through Celery: the executor's task id, a worker's log line executing that very
        # instance, and the worker's SUCCESS in the result backend (written once the task's process has exited,
        # which can be a moment after the scheduler saw the run succeed)
        sent = poll("every task's SUCCESS in the Celery result backend",
                    lambda: finished_in_celery(databases.metadata, "portal_filings", RUN["dag_run_id"]), stack,
                    timeout=60)
        executed = executed_by_workers(stack)
        ran_on: dict[str, str] = {}
        for label, (celery_id, result) in sorted(sent.items()):
            assert celery_id, f"{label} has no Celery task id: it was not sent through the CeleryExecutor"
            assert celery_id in executed, f"{label} ({celery_id}): no worker logged executing it"
            worker, dag_id, task_id, map_index = executed[celery_id]
            assert (dag_id, task_id, map_index) == ("portal_filings", tis[label]["task_id"], tis[label]["map_index"])
            assert result == "SUCCESS", f"{label} ({celery_id}): {result} in the result backend"
            ran_on[label] = worker
        assert set(ran_on) == set(tis), (sorted(ran_on), sorted(tis))
    print("\n" + "\n".join(f"{seconds:6.1f} s  {step}" for step, seconds in stack.timings.items()))
    print("\n".join(f"{label:24} ran on {worker}" for label, worker in sorted(ran_on.items())))
    print(f"tasks per worker: {dict(Counter(ran_on.values()))}")


def test_the_celery_provider_works_with_the_pinned_celery() -> None:
    """The workers import this module first thing: provider 3.26.0 imports ``retry`` from Celery's database backend,
    which celery 5.7 removed, so with celery 5.7 every ``airflow celery worker`` exited at start (requirements.txt
    pins 5.6)."""
    import importlib

    module = importlib.import_module("airflow.providers.celery.executors.celery_executor_utils")
    assert callable(module.execute_workload)


def test_the_celery_settings_are_the_ones_docker_compose_sets() -> None:
    """The Celery test configures Airflow under the names docker-compose.yaml uses, with the same kinds of value:
    a setting renamed, added or re-pointed on one side only fails here."""
    deployed = yaml.safe_load((PROJECT_ROOT / "docker-compose.yaml").read_text(encoding="utf-8"))[
        "x-airflow-common"]["environment"]
    ours = celery_settings("postgresql://postgres@127.0.0.1:5432/dxstats_x_airflow", "redis://127.0.0.1:6379/11", "q")
    # the queue is the test's own addition: docker-compose's workers and tasks use the default one
    assert ours.pop("AIRFLOW__OPERATORS__DEFAULT_QUEUE") == "q"
    assert "AIRFLOW__OPERATORS__DEFAULT_QUEUE" not in deployed
    # the workers' slots: the test gives its workers one each (--concurrency), docker-compose sizes them from .env
    slots = deployed.pop("AIRFLOW__CELERY__WORKER_CONCURRENCY")
    assert re.fullmatch(r"\$\{AIRFLOW_WORKER_CONCURRENCY:-[1-9]\d*\}", slots)
    assert set(ours) == {"AIRFLOW__CORE__EXECUTOR", *(k for k in deployed if k.startswith("AIRFLOW__CELERY__"))}
    assert ours["AIRFLOW__CORE__EXECUTOR"] == deployed["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"

    def kinds(env: dict[str, str], metadata: str) -> tuple[str, str, bool]:
        """The broker's scheme, the result backend's, and whether the result backend is the metadata database."""
        backend = env["AIRFLOW__CELERY__RESULT_BACKEND"]
        return (env["AIRFLOW__CELERY__BROKER_URL"].split("://")[0], backend.split("://")[0].split("+")[1],
                backend.rsplit("/", 1)[1] == metadata.rsplit("/", 1)[1])

    assert kinds(ours, "postgresql://postgres@127.0.0.1:5432/dxstats_x_airflow") == ("redis", "postgresql", True)
    assert kinds(deployed, deployed["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]) == ("redis", "postgresql", True)
