"""The real Airflow scheduler runs the pipeline on the sample, and the report starts by itself on the Assets.

Not ``dag.test()``: ``airflow db migrate`` on a fresh PostgreSQL metadata database, then ``airflow
dag-processor``, ``airflow scheduler`` (LocalExecutor) and ``airflow api-server`` as subprocesses, with a
fresh PostgreSQL warehouse. Everything is driven and read through the api-server's REST API, logged in
through the simple auth manager's ``POST /auth/token``, as an engineer's tools would.

The runs: each ingest DAG once for the sample's first half of 2022 (registers and infrastructure 2022-H1,
telecom 2022-06, the portal summaries 2022-01, the portal exports 2022-01 with ``backfill_from`` 2021-12, so that
one run maps its extract and ingest over two months, to stay fast), created through
``POST /api/v2/dags/{dag_id}/dagRuns`` with the period as data interval and executed by the scheduler. The
pool ``dxstats_warehouse`` is created first, as docker-compose's init service does, with room for both months'
loads at once; when the two ran and whether they overlapped is printed, not asserted. The
``semiannual_report`` DAG is never triggered: the scheduler must start it once every Asset of
``REPORT_INPUTS`` has an event, and it must report on 2022-H1 (the period those events carry).

What the real scheduler adds, and this test checks rather than hides:

* Unpausing a ``catchup=False`` DAG makes the scheduler run its latest complete interval at once. For the
  ingest DAGs that period (this month or half-year) has no files in the sample, so that run fails at its
  ingest tasks and emits no Asset event; for the report DAG it is the last deadline's run (20 January or
  20 July), a report on the half-year before it, from whatever the warehouse holds.
* The DAGs are started one after the other (each one's runs finish before the next DAG is unpaused), so
  that each DAG's runs are checked on their own. ``prepare_warehouse`` in several DAGs at once is safe:
  the schema and the reference reload take the warehouse's maintenance lock (``Warehouse.exclusive``;
  ``tests/test_warehouse.py`` runs four at once).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from mail import free_port

from dxstats.assets import REPORT_INPUTS
from dxstats.periods import HalfYear
from dxstats.pools import WAREHOUSE_POOL
from dxstats.portal_simulator import PortalSimulator
from dxstats.settings import PROJECT_ROOT, TIMEZONE

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

T = TypeVar("T")
AIRFLOW = Path(sys.executable).with_name("airflow")
REPORT_DAG = "semiannual_report"
HALF_YEAR = "2022-H1"


@dataclass(frozen=True)
class IngestRun:
    """One run the test asks for: a DAG and its data interval (local dates, Asia/Ho_Chi_Minh)."""

    dag_id: str
    start: str
    end: str
    conf: dict[str, Any] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return f"sample__{self.start}"

    def body(self) -> dict[str, Any]:
        """The REST body: the period as logical date and data interval, as the scheduler would set them.

        ``run_after`` is the interval's end, so this run sorts before the scheduler's own run of the
        latest interval in the queue (both wait on ``max_active_runs=1``).
        """
        start, end = f"{self.start}T00:00:00+07:00", f"{self.end}T00:00:00+07:00"
        return {"dag_run_id": self.run_id, "logical_date": start, "data_interval_start": start,
                "data_interval_end": end, "run_after": end, "conf": self.conf,
                "note": "dxstats scheduler test: the sample"}


# The portal's run is January's, backfilling from December: one run whose extract and ingest are mapped over
# the two months.
PORTAL_MONTHS = ("2021-12", "2022-01")
#: run one after another. The portal's run comes last, so that it is the one the report waits for: its two
#: months are two mapped loads, and when each emitted its own Asset event the report started between
#: December's and January's (it did) and left January out. Now the run announces both at once, after both.
INGEST_RUNS = (
    IngestRun("registers", "2022-01-01", "2022-07-01"),
    IngestRun("infrastructure", "2022-01-01", "2022-07-01"),
    IngestRun("telecom", "2022-06-01", "2022-07-01"),
    IngestRun("portal_summary", "2022-01-01", "2022-02-01"),
    IngestRun("portal_filings", "2022-01-01", "2022-02-01", {"backfill_from": PORTAL_MONTHS[0]}),
)
OUR_DAGS = {run.dag_id for run in INGEST_RUNS} | {REPORT_DAG}
#: (source, period) of every load and of its Asset event (population is loaded per year)
EXPECTED_LOADS = {("ke_hoach_bcd", HALF_YEAR), ("van_ban_chi_dao", HALF_YEAR), ("chi_tieu", HALF_YEAR),
                  ("population", "2022"), ("postal", HALF_YEAR), ("household_survey", HALF_YEAR),
                  ("telecom", "2022-06"), ("portal_summary", "2022-01"), *(("portal", m) for m in PORTAL_MONTHS)}
#: what the 2022-H1 report lists as received: December belongs to the half-year before
REPORTED_LOADS = EXPECTED_LOADS - {("portal", "2021-12")}
#: the pool every warehouse-writing task names, created as docker-compose's init service creates it; room for
#: the portal's two months to load at once
POOL_SLOTS = 4
FINISHED = ("success", "failed")


# --- databases ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Databases:
    """The two fresh databases: libpq URLs for psycopg, SQLAlchemy URLs for Airflow and the pipeline."""

    metadata: str
    warehouse: str

    @staticmethod
    def sqlalchemy(url: str) -> str:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextlib.contextmanager
def fresh_databases(admin_url: str, prefix: str) -> Iterator[Databases]:
    """A new metadata database and a new warehouse, uniquely named, dropped at the end (never any other)."""
    import psycopg
    from psycopg import sql

    tag = uuid.uuid4().hex[:10]
    names = [f"{prefix}_{tag}_airflow", f"{prefix}_{tag}_warehouse"]
    base = admin_url.rsplit("/", 1)[0]
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield Databases(f"{base}/{names[0]}", f"{base}/{names[1]}")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def databases(pg_server: str) -> Iterator[Databases]:
    """Airflow's metadata database and the warehouse for one test."""
    with fresh_databases(pg_server, "dxstats_sched") as databases:
        yield databases


# --- the Airflow processes ------------------------------------------------------------------------------------


def airflow_env(home: Path, dbs: Databases, api_port: int, log_port: int, outbox: Path, landing: Path,
                portal_api: str) -> dict[str, str]:
    """The subprocesses' environment: this test's settings only, none inherited from the session.

    The pytest session has its own (SQLite) Airflow settings from conftest, so every ``AIRFLOW*`` and
    ``DXSTATS_*`` variable is dropped first. psycopg 3 is the only PostgreSQL driver installed: Airflow
    derives its async URL by swapping the driver for asyncpg (not installed), so the async URL is given too;
    SQLAlchemy's psycopg dialect serves both.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DXSTATS_", "PYTHONPATH"))}
    metadata_url = Databases.sqlalchemy(dbs.metadata)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API_AUTH__JWT_SECRET": "dxstats-scheduler-test-" + "0123456789abcdef" * 4,
        "AIRFLOW__API__SECRET_KEY": "dxstats-scheduler-test-secret-key",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(home / "bundles"),
        # the scheduler serves task logs on this port (8793 by default, maybe taken by another Airflow)
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
        "PYTHONPATH": str(PROJECT_ROOT / "plugins"),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",  # nothing written into the shared checkout
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "GX_ANALYTICS_ENABLED": "False",
        "DXSTATS_WAREHOUSE_URL": Databases.sqlalchemy(dbs.warehouse),
        "DXSTATS_LANDING_DIR": str(landing),
        "DXSTATS_OUTBOX_DIR": str(outbox),
        "DXSTATS_VALIDATION_DIR": str(outbox.parent / "validation"),
        # the portal's month is pulled from the simulator; a failed try is retried after 2 s, not 5 min
        "DXSTATS_PORTAL_SOURCE": "api",
        "AIRFLOW_CONN_PORTAL_API": json.dumps({"conn_type": "http", "host": portal_api, "login": "dxstats",
                                               "password": "sim-secret",
                                               "extra": {"page_size": 5000, "backoff": 0.01, "max_attempts": 2}}),
        "DXSTATS_TASK_RETRY_DELAY_S": "2",
    })
    return env


def log_tail(path: Path, lines: int = 30, width: int = 400) -> str:
    """The end of a log file, long lines cut: what a failure message shows."""
    if not path.exists():
        return f"({path} does not exist)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\n".join(line[:width] for line in text)


@dataclass
class AirflowStack:
    """The running Airflow: its processes, their log files, and a logged-in REST session."""

    home: Path
    env: dict[str, str]
    api_url: str
    password: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)
    timings: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Record how long a step took, for the summary the test prints."""
        clock = time.monotonic()
        try:
            yield
        finally:
            self.timings[step] = time.monotonic() - clock

    def log_path(self, name: str) -> Path:
        return self.home.parent / f"{name}.log"

    def run(self, *args: str, timeout: float = 120) -> None:
        """Run an ``airflow`` command to completion; its output goes to its log file."""
        with open(self.log_path(args[0]), "w") as log:
            done = subprocess.run([str(AIRFLOW), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout, check=False)
        assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{log_tail(self.log_path(args[0]))}"

    def start(self, name: str, *args: str) -> None:
        """Start a long-running ``airflow`` component in its own process group (so its workers stop with it)."""
        with open(self.log_path(name), "w") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen([str(AIRFLOW), *args], env=self.env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)

    def check_alive(self) -> None:
        """Fail at once, with its log, when a component has died: waiting longer would only time out."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise AssertionError(f"airflow {name} exited with {proc.returncode}:\n{log_tail(self.log_path(name))}")

    def stop(self, grace: float = 20) -> None:
        """SIGTERM each component's process group, SIGKILL what is left after ``grace`` seconds."""
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):  # workers and task processes left in the group
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def tails(self) -> str:
        """The end of every component's log, for a failure report."""
        return "\n".join(f"----- airflow {name} ({self.log_path(name)}) -----\n{log_tail(self.log_path(name))}"
                         for name in ("db", *self.processes))

    @contextlib.contextmanager
    def diagnostics(self) -> Iterator[None]:
        """On any failure inside, print the components' logs (pytest shows them with the failure)."""
        try:
            yield
        except BaseException:
            print(self.tails())
            raise

    # --- REST ---

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """One REST call on ``/api/v2``; an error status fails with the server's answer."""
        response = self.session.request(method, f"{self.api_url}/api/v2/{path}", timeout=30, **kwargs)
        assert response.ok, f"{method} /api/v2/{path}: {response.status_code} {response.text[:1000]}"
        return response.json()

    def login(self) -> None:
        """A JWT from the simple auth manager for the admin user, sent with every later call."""
        response = self.session.post(f"{self.api_url}/auth/token", timeout=30,
                                     json={"username": "admin", "password": self.password})
        assert response.status_code == 201, f"login: {response.status_code} {response.text[:500]}"
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self.api("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "run_after"})["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """A run's task instances by task id; a mapped task's instances as ``task_id[0]``, ``task_id[1]``..."""
        found = self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
        return {ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]": ti
                for ti in found["task_instances"]}

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        return self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value")[
            "value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str:
        """The end of a task's log file (LocalExecutor: under AIRFLOW_HOME/logs), exceptions included."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        if map_index >= 0:
            folder /= f"map_index={map_index}"
        path = folder / f"attempt={max(try_number, 1)}.log"
        if not path.exists():
            return f"({path} does not exist)"
        events = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                events.append(line[:400])
                continue
            events.append(f"{record.get('level', '')}: {str(record.get('event', ''))[:400]}")
            events += [f"    {e.get('exc_type')}: {str(e.get('exc_value'))[:400]}"
                       for e in record.get("error_detail", [])]
        return "\n".join(events[-15:])

    def describe_run(self, dag_id: str, run_id: str) -> str:
        """A run's tasks with their states, and the log of each task that did not succeed."""
        lines = [f"{dag_id} {run_id}:"]
        for label, ti in sorted(self.task_instances(dag_id, run_id).items()):
            lines.append(f"  {label}: {ti['state']} (try {ti['try_number']})")
            if ti["state"] not in ("success", None):
                lines.append(self.task_log(dag_id, run_id, ti["task_id"], ti["try_number"], ti["map_index"]))
        return "\n".join(lines)


def poll(what: str, check: Callable[[], T | None], stack: AirflowStack, timeout: float, every: float = 1) -> T:
    """Wait until ``check()`` returns something; fail with ``what`` when it has not after ``timeout`` seconds.

    Polls instead of sleeping a fixed time, so the test is as fast as the scheduler; stops early when a
    component died.
    """
    deadline = time.monotonic() + timeout
    while True:
        stack.check_alive()
        found = check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@pytest.fixture
def portal() -> Iterator[PortalSimulator]:
    """The portal's export API, serving the sample's months; its first four answers for page 1 are HTTP 500.

    The two months' extracts ask for page 1 at about the same time, each twice per try: four failures cannot
    all be absorbed by the client's own second attempt, so at least one extract's first try fails and the
    scheduler's retry succeeds (in practice both fail once)."""
    faults = [{"kind": "server_error", "status": 500, "pages": [1], "times": 4}]
    with PortalSimulator(faults=faults).start() as simulator:
        yield simulator


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A writable landing folder with the sample's files the runs read (the portal comes over HTTP)."""
    sample, folder = PROJECT_ROOT / "data" / "sample" / "landing", tmp_path / "landing"
    for part in ("ke_hoach_bcd/2022-H1", "van_ban_chi_dao/2022-H1", "chi_tieu/2022-H1", "population/2022",
                 "postal/2022-H1", "household_survey/2022-H1", "telecom/2022-06", "portal_summary/2022-01"):
        shutil.copytree(sample / part, folder / part)
    return folder


def new_stack(folder: Path, dbs: Databases, landing: Path, portal_api: str, **settings: str) -> AirflowStack:
    """An Airflow home under ``folder`` with this test's environment (plus ``settings``), not started yet.

    The api-server and the log server get free ports; the admin's password is chosen here."""
    home = folder / "airflow"
    home.mkdir()
    api_port, log_port = free_port(), free_port()
    password = secrets.token_urlsafe(16)
    # the simple auth manager keeps the passwords it generates in this file and uses one already there
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": password}))
    env = airflow_env(home, dbs, api_port, log_port, folder / "outbox", landing, portal_api)
    env.update(settings)
    stack = AirflowStack(home, env, f"http://127.0.0.1:{api_port}", password)
    stack.session.trust_env = False  # no proxy for 127.0.0.1
    return stack


@contextlib.contextmanager
def started(stack: AirflowStack, pool_slots: int, *more: tuple[str, ...]) -> Iterator[AirflowStack]:
    """Migrated metadata and the warehouse pool, then the dag-processor, the scheduler, the api-server and
    ``more`` components (``(name, *airflow args)``); every one stopped at the end, whatever happened."""
    try:
        with stack.timed("airflow db migrate"):
            stack.run("db", "migrate")
        # as docker-compose's init service does: without it no warehouse-writing task would ever be scheduled
        stack.run("pools", "set", WAREHOUSE_POOL, str(pool_slots), "dxstats scheduler test")
        stack.start("dag-processor", "dag-processor")
        stack.start("scheduler", "scheduler")
        stack.start("api-server", "api-server", "--host", "127.0.0.1", "--port", stack.api_url.rsplit(":", 1)[1])
        for name, *args in more:
            stack.start(name, *args)
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def airflow_stack(tmp_path: Path, databases: Databases, landing: Path,
                  portal: PortalSimulator) -> Iterator[AirflowStack]:
    """Migrated metadata, then the dag-processor, the scheduler and the api-server; stopped afterwards."""
    with started(new_stack(tmp_path, databases, landing, portal.base_url), POOL_SLOTS) as stack:
        yield stack


# --- steps ----------------------------------------------------------------------------------------------------


def when(timestamp: str) -> datetime:
    """One of the API's timestamps (ISO 8601, UTC as "Z")."""
    return datetime.fromisoformat(timestamp)


def wait_until_ready(stack: AirflowStack) -> None:
    """The api-server answers, the scheduler and dag-processor report healthy, and our DAGs are parsed."""

    def healthy() -> bool | None:
        try:
            health = requests.get(f"{stack.api_url}/api/v2/monitor/health", timeout=5,
                                  proxies={"http": "", "https": ""}).json()
        except (requests.ConnectionError, requests.Timeout, ValueError):
            return None
        states = {part: (health.get(part) or {}).get("status") for part in ("metadatabase", "scheduler",
                                                                          "dag_processor")}
        return True if set(states.values()) == {"healthy"} else None

    poll("the api-server, the scheduler and the dag-processor to be healthy", healthy, stack, timeout=120)
    stack.login()

    def parsed() -> dict[str, dict[str, Any]] | None:
        dags = {d["dag_id"]: d for d in stack.api("GET", "dags", params={"limit": 100})["dags"]}
        return dags if OUR_DAGS <= dags.keys() else None

    dags = poll(f"the DAGs {sorted(OUR_DAGS)} to be parsed", parsed, stack, timeout=120)
    errors = stack.api("GET", "importErrors", params={"limit": 100})["import_errors"]
    ours = [e for e in errors if Path(e["filename"]).stem in OUR_DAGS]
    assert not ours, f"import errors in the project's DAG files: {ours}"
    assert all(dags[d]["is_paused"] for d in OUR_DAGS), "DAGs must start paused so the test decides what runs"


def unpause(stack: AirflowStack, dag_id: str) -> dict[str, Any] | None:
    """Unpause a DAG; the run the scheduler will then create itself (its latest due interval), if any."""
    dag = stack.api("GET", f"dags/{dag_id}")
    stack.api("PATCH", f"dags/{dag_id}", json={"is_paused": False})
    due = dag["next_dagrun_run_after"]
    return dag if due and when(due) <= datetime.now(UTC) else None


def wait_for_run(stack: AirflowStack, dag_id: str, match: Callable[[dict[str, Any]], bool], what: str,
                 timeout: float) -> dict[str, Any]:
    """The first run of the DAG matching ``match``, once it has finished."""

    def finished() -> dict[str, Any] | None:
        runs = [r for r in stack.runs(dag_id) if match(r)]
        return runs[0] if runs and runs[0]["state"] in FINISHED else None

    return poll(f"{what} of {dag_id} to finish", finished, stack, timeout=timeout)


def assert_succeeded(stack: AirflowStack, run: dict[str, Any]) -> None:
    """The run and every one of its tasks succeeded, else the failed tasks' logs."""
    states = {t: ti["state"] for t, ti in stack.task_instances(run["dag_id"], run["dag_run_id"]).items()}
    assert (run["state"], set(states.values())) == ("success", {"success"}), \
        stack.describe_run(run["dag_id"], run["dag_run_id"])


def run_ingest(stack: AirflowStack, ingest: IngestRun) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Create the sample's run (queued while the DAG is paused), unpause, and wait for every run to finish.

    Returns the scheduler's own run of the latest interval, which unpausing a ``catchup=False`` DAG creates,
    with the DAG as it was before (its ``next_dagrun_*`` fields say which interval that is).
    """
    with stack.timed(f"{ingest.dag_id}: the sample's run ({ingest.start})"):
        created = stack.api("POST", f"dags/{ingest.dag_id}/dagRuns", json=ingest.body())
        assert (created["run_type"], created["state"]) == ("manual", "queued"), created
        due = unpause(stack, ingest.dag_id)
        ours = wait_for_run(stack, ingest.dag_id, lambda r: r["dag_run_id"] == ingest.run_id,
                            f"the {ingest.start} run", timeout=240)
        assert_succeeded(stack, ours)
    if due is None:
        return None
    with stack.timed(f"{ingest.dag_id}: the scheduler's run of the latest interval"):
        latest = wait_for_run(stack, ingest.dag_id, lambda r: r["run_type"] == "scheduled",
                              f"the scheduler's own run for {due['next_dagrun_logical_date']}", timeout=120)
    return latest, due


def check_latest_interval_run(stack: AirflowStack, run: dict[str, Any], due: dict[str, Any]) -> None:
    """The scheduler's run of the latest interval: the sample has no files for it (and the portal no filings), so
    its ingest fails, saying so."""
    assert when(run["logical_date"]) == when(due["next_dagrun_logical_date"]), (run, due)
    states = {t: ti["state"] for t, ti in stack.task_instances(run["dag_id"], run["dag_run_id"]).items()}
    ingest_states = {s for t, s in states.items() if t.startswith("ingest_")}
    assert (run["state"], ingest_states, states["prepare_warehouse"]) == ("failed", {"failed"}, "success"), \
        stack.describe_run(run["dag_id"], run["dag_run_id"])
    first_ingest = stack.task_instances(run["dag_id"], run["dag_run_id"])[
        next(t for t in sorted(states) if t.startswith("ingest_"))]
    failed_log = stack.task_log(run["dag_id"], run["dag_run_id"], first_ingest["task_id"], 1,
                                first_ingest["map_index"])
    assert re.search(r"no \w+ files for|has a header but no data rows", failed_log), failed_log


def mapped_timings(tis: dict[str, dict[str, Any]]) -> dict[str, float]:
    """When each mapped instance ran, in seconds from the first one's start, and whether the ingests overlapped:
    what the summary prints (reported, not asserted: on a busy machine the scheduler may well run them apart)."""
    spans = {label: (when(ti["start_date"]), when(ti["end_date"])) for label, ti in tis.items()
             if ti["map_index"] >= 0 and ti["start_date"] and ti["end_date"]}
    if not spans:
        return {}
    origin = min(start for start, _ in spans.values())
    timings = {}
    for label, (start, end) in sorted(spans.items()):
        timings[f"portal {label}: started at +{(start - origin).total_seconds():.1f} s, ran"] = \
            (end - start).total_seconds()
    ingests = [span for label, span in spans.items() if label.startswith("ingest_")]
    overlap = min(end for _, end in ingests) - max(start for start, _ in ingests)
    timings["portal: the two months' ingests ran together for"] = max(overlap.total_seconds(), 0.0)
    return timings


def data_interval(run: dict[str, Any]) -> tuple[datetime, datetime]:
    """A run's (or a run request's) data interval as instants: the API answers in UTC, the test asks in +07:00."""
    return when(run["data_interval_start"]), when(run["data_interval_end"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_report_files(outbox: Path) -> None:
    """The published 2022-H1 report: XLSX, PDF, CSVs, and a manifest whose checksums match the files."""
    folder = outbox / HALF_YEAR / "report"
    names = {p.name for p in folder.iterdir()}
    for name in (f"bao_cao_cds_{HALF_YEAR}.xlsx", f"bao_cao_cds_{HALF_YEAR}.pdf", "manifest.json"):
        assert name in names, f"{name} not in {folder}: {sorted(names)}"
    assert any(n.endswith(".csv") for n in names), sorted(names)
    assert (folder / f"bao_cao_cds_{HALF_YEAR}.pdf").read_bytes()[:5] == b"%PDF-"
    assert (folder / f"bao_cao_cds_{HALF_YEAR}.xlsx").read_bytes()[:2] == b"PK"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["half_year"], manifest["sent"]) == (HALF_YEAR, [])
    assert {f["name"] for f in manifest["files"]} == names - {"manifest.json"}
    for entry in manifest["files"]:
        assert sha256(folder / entry["name"]) == entry["sha256"], entry["name"]
    # the report's table of inputs: what was received for the half-year (Vietnamese headers: the default language)
    with open(folder / f"bao_cao_cds_{HALF_YEAR}_inputs.csv", encoding="utf-8-sig", newline="") as f:
        inputs = list(csv.DictReader(f))
    received = {(row["Nguồn dữ liệu"], row["Kỳ"]): int(row["Dòng nạp"]) for row in inputs if int(row["Số tệp"])}
    assert set(received) == REPORTED_LOADS, inputs
    assert received[("portal", "2022-01")] == 31_240


def check_warehouse(url: str) -> None:
    """What the runs loaded: January's filings, the half-year's registers, and the institutional mart."""
    import psycopg

    with psycopg.connect(url) as conn:
        def one(query: str) -> tuple:
            row = conn.execute(query).fetchone()
            assert row is not None, query
            return row

        by_month = dict(conn.execute("SELECT to_char(export_month, 'YYYY-MM'), COUNT(*) FROM core.fact_filing "
                                     "GROUP BY 1").fetchall())
        loaded_rows = dict(conn.execute("SELECT period, rows_loaded FROM audit.batches "
                                        "WHERE source = 'portal' AND status = 'loaded'").fetchall())
        assert by_month == {m: loaded_rows[m] for m in PORTAL_MONTHS}, (by_month, loaded_rows)
        assert by_month["2022-01"] == 31_240
        assert by_month["2021-12"] > 10_000, by_month
        assert one("SELECT COUNT(*) FROM core.fact_dx_readiness WHERE snapshot_half = DATE '2022-01-01'") == (205,)
        assert one("SELECT numerator, denominator FROM mart.institutional_indicators WHERE half_year = '2022-H1' "
                   "AND indicator = 'units_with_dx_committee' AND scope = 'xa'") == (163, 172)
        batches = set(conn.execute("SELECT DISTINCT source, period, status FROM audit.batches").fetchall())
        loaded = {(source, period) for source, period, status in batches if status == "loaded"}
        assert loaded == EXPECTED_LOADS
        # the portal's latest month, pulled empty by the scheduler's own run, is refused and recorded as such
        assert {(s, p, st) for s, p, st in batches if st != "loaded"} <= {
            ("portal", p, "rejected") for _s, p, _st in batches if p > "2026"}


# --- the test -------------------------------------------------------------------------------------------------


def test_the_scheduler_runs_the_ingest_dags_and_the_assets_start_the_report(
        airflow_stack: AirflowStack, databases: Databases, tmp_path: Path, portal: PortalSimulator) -> None:
    stack, outbox = airflow_stack, tmp_path / "outbox"
    with stack.diagnostics():
        with stack.timed("api-server, scheduler, dag-processor healthy; DAGs parsed"):
            wait_until_ready(stack)

        # The report DAG first: it must be unpaused for the ingest DAGs' Asset events to queue a run of it.
        # Unpausing it lets the scheduler run its last deadline at once; that run reads the warehouse (and
        # applies the DDL), so it must be over before any ingest DAG runs (see the module docstring).
        with stack.timed("report: the last deadline's run"):
            deadline_due = unpause(stack, REPORT_DAG)
            if deadline_due is not None:
                deadline_run = wait_for_run(stack, REPORT_DAG, lambda r: r["run_type"] == "scheduled",
                                            "the last deadline's run", timeout=120)
                assert_succeeded(stack, deadline_run)

        latest_runs = {}
        for ingest in INGEST_RUNS:
            latest = run_ingest(stack, ingest)
            if latest is not None:
                latest_runs[ingest.dag_id] = latest

        with stack.timed("report: waiting for the Asset-triggered run"):
            report = wait_for_run(stack, REPORT_DAG, lambda r: r["run_type"] == "asset_triggered",
                                  "the Asset-triggered report (the scheduler must start it by itself)", timeout=180)

        # --- what an engineer sees through the REST API ---
        for ingest in INGEST_RUNS:
            runs = {r["dag_run_id"]: r for r in stack.runs(ingest.dag_id)}
            assert_succeeded(stack, runs[ingest.run_id])
            assert data_interval(runs[ingest.run_id]) == data_interval(ingest.body()), runs[ingest.run_id]
            others = set(runs) - {ingest.run_id}
            if ingest.dag_id in latest_runs:
                latest, due = latest_runs[ingest.dag_id]
                check_latest_interval_run(stack, runs[latest["dag_run_id"]], due)
                others -= {latest["dag_run_id"]}
            assert not others, f"unexpected runs of {ingest.dag_id}: {others}"

        report_runs = stack.runs(REPORT_DAG)
        for run in report_runs:
            assert_succeeded(stack, run)
        assert [r["run_type"] for r in report_runs].count("asset_triggered") == 1, report_runs
        assert {r["run_type"] for r in report_runs} <= {"asset_triggered", "scheduled"}, report_runs
        run_id = report["dag_run_id"]
        assert stack.xcom(REPORT_DAG, run_id, "write_report") == HALF_YEAR
        assert stack.xcom(REPORT_DAG, run_id, "email_report") == "not configured"

        events = stack.api("GET", f"dags/{REPORT_DAG}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]
        assert {e["name"] for e in events} == {asset.name for asset in REPORT_INPUTS.objects}, events
        assert {(e["source_dag_id"], e["source_run_id"]) for e in events} <= {(i.dag_id, i.run_id) for i in INGEST_RUNS}
        # the report starts once every input has an event; the portal's run came last, and announced both months
        consumed = {(e["extra"]["source"], period) for e in events for period in e["extra"]["periods"]}
        assert consumed == EXPECTED_LOADS, consumed
        last_event = max(when(e["timestamp"]) for e in events)
        assert when(report["queued_at"]) >= last_event, "the report was queued before its last input was loaded"

        # --- what the runs produced ---
        check_warehouse(databases.warehouse)
        check_report_files(outbox)

        # --- one run, two months: extract and ingest mapped over both, each instance labelled with its month ---
        portal_run = next(i.run_id for i in INGEST_RUNS if i.dag_id == "portal_filings")
        portal_tis = stack.task_instances("portal_filings", portal_run)
        mapped = {label: (ti["rendered_map_index"], ti["state"], ti["pool"]) for label, ti in portal_tis.items()
                  if ti["map_index"] >= 0}
        assert mapped == {f"{task}[{i}]": (f"82 {month}", "success", pool) for i, month in enumerate(PORTAL_MONTHS)
                          for task, pool in (("extract_portal", "default_pool"), ("ingest_portal", WAREHOUSE_POOL))}
        assert stack.api("GET", f"pools/{WAREHOUSE_POOL}")["slots"] == POOL_SLOTS
        stack.timings.update(mapped_timings(portal_tis))

        # --- a retry for real: the portal answered 500 four times, more than the client's own second attempts
        # absorb, so an extract_portal instance's first try failed and the scheduler retried it ---
        extracts = [ti for label, ti in portal_tis.items() if label.startswith("extract_portal[")]
        assert max(ti["try_number"] for ti in extracts) >= 2, extracts
        statuses = [r["status"] for r in portal.requests if r["path"].endswith("/filings")]
        assert (statuses[0], statuses.count(500), statuses[-1]) == (500, 4, 200), statuses
        deadline_halves = {str(HalfYear.of(when(r["run_after"])).previous)
                           for r in report_runs if r["run_type"] == "scheduled"}
        assert {p.name for p in outbox.iterdir()} == {HALF_YEAR} | deadline_halves

    queued, ended = when(report["queued_at"]), when(report["end_date"])
    stack.timings["report: queued after the last Asset event"] = (queued - last_event).total_seconds()
    stack.timings["report: its run, queued to finished"] = (ended - queued).total_seconds()
    print("\n" + "\n".join(f"{seconds:6.1f} s  {step}" for step, seconds in stack.timings.items()))
