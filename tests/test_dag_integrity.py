"""DAG policy: the bag loads without errors and every DAG follows the house rules."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dxstats.settings import PROJECT_ROOT

DAG_FILES = sorted((PROJECT_ROOT / "dags").glob("*.py"))
HEAVY = {"pandas", "great_expectations", "duckdb", "psycopg", "sqlalchemy", "pyarrow", "openpyxl", "requests"}
#: Airflow itself brings SQLAlchemy and requests; what a DAG file must not add is the data stack.
HEAVY_TRANSITIVE = {"pandas", "great_expectations", "duckdb", "psycopg", "pyarrow", "openpyxl"}


@pytest.fixture(scope="module")
def bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_bag_is_not_empty_and_imports_cleanly(bag):
    assert bag.import_errors == {}
    assert "portal_filings" in bag.dags
    assert len(bag.dags) == len(DAG_FILES)


def test_every_dag_has_owner_tags_retries_and_failure_callback(bag):
    for dag_id, dag in bag.dags.items():
        assert dag.tags, dag_id
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), f"{dag_id}.{task.task_id} has no owner"
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.on_failure_callback, f"{dag_id}.{task.task_id} has no failure callback"


def test_portal_dag_covers_calendar_months_in_local_time(bag):
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable

    timetable = coerce_to_core_timetable(bag.dags["portal_filings"].timetable)
    interval = timetable.infer_manual_data_interval(run_after=pendulum.datetime(2022, 2, 10, tz="UTC"))
    start = interval.start.in_timezone("Asia/Ho_Chi_Minh")
    end = interval.end.in_timezone("Asia/Ho_Chi_Minh")
    assert (start.month, start.day, start.hour, end.month, end.day) == (1, 1, 0, 2, 1)


def test_registers_dag_covers_half_years_in_local_time(bag):
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable

    timetable = coerce_to_core_timetable(bag.dags["registers"].timetable)
    interval = timetable.infer_manual_data_interval(run_after=pendulum.datetime(2022, 7, 10, tz="UTC"))
    start = interval.start.in_timezone("Asia/Ho_Chi_Minh")
    end = interval.end.in_timezone("Asia/Ho_Chi_Minh")
    assert (start.year, start.month, start.day, start.hour, end.month, end.day) == (2022, 1, 1, 0, 7, 1)
    assert sorted(bag.dags["registers"].task_ids) == [
        "ingest_chi_tieu", "ingest_ke_hoach_bcd", "ingest_van_ban_chi_dao", "prepare_warehouse"]


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_import_at_dag_top_level(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in HEAVY, f"{path.name} imports {name} at top level"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_parsing_a_dag_file_loads_no_heavy_module(path: Path):
    """Import the DAG file in a fresh interpreter and look at what got loaded, transitively."""
    probe = (
        "import runpy, sys; runpy.run_path(sys.argv[1]); "
        f"print(','.join(sorted(m for m in {sorted(HEAVY_TRANSITIVE)!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "plugins")})
    assert out.stdout.strip().splitlines()[-1:] in ([""], []), f"{path.name} loads {out.stdout.strip()}"
