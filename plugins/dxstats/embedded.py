"""The embedded set-up: a project-local Airflow home with SQLite metadata, for one machine.

Only defaults: anything already in the environment (another AIRFLOW_HOME, a PostgreSQL
metadata database) wins, so the same commands run against a real deployment's settings.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dxstats.settings import PROJECT_ROOT

#: Allocations (less deallocations) between collections of the youngest generation; CPython's default is 700.
YOUNG_COLLECTION_THRESHOLD = 7000


def airflow_defaults() -> dict[str, str]:
    """Environment defaults that make ``airflow`` use this checkout's DAGs and a local home."""
    home = Path(os.environ.get("AIRFLOW_HOME", PROJECT_ROOT / "var" / "airflow")).resolve()  # SQLite needs it absolute
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "GX_ANALYTICS_ENABLED": "False",
    }


def use_embedded_airflow() -> None:
    """Apply the defaults to this process; call before anything imports airflow."""
    for key, value in airflow_defaults().items():
        os.environ.setdefault(key, value)
    Path(os.environ["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)


def migrate_metadata(meanwhile: Callable[[], object] | None = None) -> None:
    """Create or upgrade Airflow's metadata database (idempotent), and the warehouse pool in it.

    ``dag.test()`` ignores pools, but ``airflow standalone`` on the same home schedules for real, and a task
    naming a pool that does not exist is never scheduled: so the pool is created here too, sized for the
    warehouse this set-up uses (one slot for the DuckDB file). ``meanwhile`` runs in this process while
    ``airflow db migrate`` runs in its own, on the other core (the main job imports Great Expectations and
    starts Airflow's execution API then, :func:`start_execution_api`).
    """
    _write_airflow_config()
    airflow = Path(sys.executable).with_name("airflow")
    with subprocess.Popen([str(airflow), "db", "migrate"], stdout=subprocess.DEVNULL) as migration:
        if meanwhile is not None:
            meanwhile()
    if migration.returncode:
        raise subprocess.CalledProcessError(migration.returncode, migration.args)
    from dxstats.pools import ensure_warehouse_pool, warehouse_pool_slots
    from dxstats.settings import warehouse_url

    ensure_warehouse_pool(warehouse_pool_slots(warehouse_url()))


def _write_airflow_config() -> None:
    """Write the home's ``airflow.cfg`` if it has none, as Airflow's command line would.

    The CLI writes it at its start with a generated Fernet key, and this process reads it when it first
    imports Airflow. Written here first, before the migration's CLI starts, so that this process can import
    Airflow while the migration runs and still read the whole file, the key the CLI will use included.
    """
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()


def start_execution_api() -> None:
    """Start Airflow's in-process execution API, which ``dag.test()`` otherwise starts at its first task.

    Its first request builds the API's routes for every one of its versions (Cadwyn): 7-10 s of one core on
    the slower machines, the largest single wait of the main job. Done while the metadata database migrates in
    another process, it overlaps the migration's end (2-2.5 s on a slow machine, ``bench/RESULTS.md``), and the
    first task's time in the log is the task's own. ``dag.test()`` gets the same API: Airflow keeps one a process.
    """
    import httpx
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    with httpx.Client(transport=in_process_api_server().transport, base_url="http://in-process.invalid") as client:
        client.get("/health").raise_for_status()  # answered without the metadata database


@contextmanager
def collecting_less() -> Iterator[None]:
    """Within the block, CPython's cyclic garbage collector leaves alone what exists at its start and collects
    the young generation a tenth as often; both as before after it.

    The embedded job runs every DAG in one process, where Airflow, its execution API, GX and pandas make a few
    million objects that live until the end: each full collection walked them all again, 13 times a job, and
    the young generation was collected 3,500 times (about 6 s of the job, ``bench/RESULTS.md``). What is
    garbage at the start is collected first, so nothing that holds a file or a lock is kept by the freeze.
    """
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
