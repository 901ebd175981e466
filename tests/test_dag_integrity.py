"""DAG policy: the bag loads without errors and every DAG follows the house rules."""

from __future__ import annotations

import ast
import os
import re
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
        "announce_chi_tieu", "announce_ke_hoach_bcd", "announce_van_ban_chi_dao", "ingest_chi_tieu",
        "ingest_ke_hoach_bcd", "ingest_van_ban_chi_dao", "prepare_warehouse", "slices"]


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


# --- fan-out: ingest tasks mapped over the run's slices, warehouse writers in one pool -----------------------

#: tasks that never open the warehouse, so they must not hold one of its pool's slots: the run's list of
#: slices, the portal's HTTP pull (it lands files), an ingest's Asset announcement and the report's e-mail (it
#: sends files already written)
WAREHOUSE_FREE = re.compile(r"^(slices|extract_\w+|announce_\w+|email_report)$")


def ingest_dags(bag) -> dict:
    return {dag_id: dag for dag_id, dag in bag.dags.items() if "ingest" in dag.tags}


def mapped_over(task) -> set[str]:
    """The tasks whose output a task is mapped over, itself or through its mapped task group; empty if unmapped."""
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    source = task if isinstance(task, MappedOperator) else task.get_closest_mapped_task_group()
    return set() if source is None else {dep.task_id for dep in source.iter_mapped_dependencies()}


def test_every_task_that_opens_the_warehouse_runs_in_the_warehouse_pool(bag):
    from dxstats.pools import WAREHOUSE_POOL

    in_pool = set()
    for dag_id, dag in bag.dags.items():
        for task in dag.tasks:
            if WAREHOUSE_FREE.match(task.task_id):
                assert task.pool != WAREHOUSE_POOL, f"{dag_id}.{task.task_id} holds a warehouse slot it does not use"
            else:
                assert task.pool == WAREHOUSE_POOL, f"{dag_id}.{task.task_id} writes to the warehouse outside the pool"
                in_pool.add(f"{dag_id}.{task.task_id}")
    # the writers this rule is about, by name, so that a renamed task cannot make the rule vacuous
    assert {"portal_filings.prepare_warehouse", "portal_filings.ingest_portal", "infrastructure.ingest_population",
            "semiannual_report.write_report", "pipeline_health.check_freshness",
            "pipeline_health.check_dag_files"} <= in_pool


def test_ingest_tasks_are_mapped_over_the_runs_provinces_and_periods(bag):
    from dxstats.backfill import PATTERN

    dags = ingest_dags(bag)
    assert set(dags) == {"portal_filings", "portal_summary", "telecom", "registers", "infrastructure"}
    for dag_id, dag in dags.items():
        planner = dag.get_task("slices")
        assert mapped_over(planner) == set(), dag_id
        assert "prepare_warehouse" in planner.upstream_task_ids, dag_id
        ingests = [t for t in dag.tasks if t.task_id.startswith("ingest_")]
        assert ingests, dag_id
        for task in ingests:
            assert mapped_over(task) == {"slices"}, f"{dag_id}.{task.task_id} is not mapped over the run's slices"
            label = task.map_index_template or ""
            assert "period" in label, f"{dag_id}.{task.task_id} shows no period in the UI"
            assert "province" in label, f"{dag_id}.{task.task_id} shows no province in the UI"
            assert not task.outlets, f"{dag_id}.{task.task_id}: one event per slice could start the report early"
            announce = dag.get_task(task.task_id.replace("ingest_", "announce_", 1))
            assert announce.outlets, f"{dag_id}.{announce.task_id} updates no Asset"
            assert mapped_over(announce) == set(), f"{dag_id}.{announce.task_id} must announce once per run"
            assert task.task_id in announce.upstream_task_ids, f"{dag_id}.{announce.task_id} may precede the loads"
        schema = dag.params.get_param("backfill_from").schema
        assert "null" in schema["type"], dag_id
        assert schema["pattern"] == PATTERN, dag_id


def test_the_portals_extract_is_mapped_with_its_ingest_one_slice_at_a_time(bag):
    dag = bag.dags["portal_filings"]
    extract, ingest = dag.get_task("extract_portal"), dag.get_task("ingest_portal")
    assert mapped_over(extract) == {"slices"}
    assert "extract_portal" in ingest.upstream_task_ids
    # one mapped group: month i's ingest waits for month i's extract only, not for every month's
    group = ingest.get_closest_mapped_task_group()
    assert group is not None
    assert extract.get_closest_mapped_task_group() is group


def test_backfill_from_is_checked_when_the_run_is_triggered(bag):
    from airflow.sdk.definitions.param import ParamsDict
    from airflow.sdk.exceptions import ParamValidationError

    for dag_id in ("portal_filings", "registers"):
        params = ParamsDict(bag.dags[dag_id].params)
        for good in ("2022-01", "2022-H1", None):
            params["backfill_from"] = good
            params.validate()
        for bad in ("2022-1", "2022-13", "2022-H3", "H1-2022", "2022"):
            with pytest.raises(ParamValidationError, match="backfill_from"):
                params["backfill_from"] = bad  # a trigger with this conf is refused


#: Values a trigger's conf might give a param: right and wrong for each of the DAGs' params.
CONF_VALUES = (None, True, False, 0, "", "2022-01", "2022-H1", "2022-13", "82", ["82"], ["82", "8"], [82], ["vi"],
               ["vi", "en"], ["fr"], [], {"a": 1})


def test_every_dags_params_are_in_the_declared_dialect_and_judge_values_as_the_default_dialect_would(bag):
    """Each param declares draft 7 (Airflow then checks it against the smaller metaschema at each read), and no
    keyword in it means something else under jsonschema's default draft, 2020-12: a conf is accepted or refused
    the same under either."""
    import jsonschema

    from dxstats.dag_factory import PARAM_DIALECT

    seen = 0
    for dag_id, dag in bag.dags.items():
        for name, param in dag.params.items():
            schema = param.schema
            assert schema.get("$schema") == PARAM_DIALECT, f"{dag_id}.{name}: made without dag_param"
            assert jsonschema.validators.validator_for(schema) is jsonschema.Draft7Validator
            jsonschema.Draft7Validator.check_schema(schema)
            default = {k: v for k, v in schema.items() if k != "$schema"}
            jsonschema.Draft202012Validator.check_schema(default)
            for value in CONF_VALUES:
                draft7 = jsonschema.Draft7Validator(schema).is_valid(value)
                assert draft7 == jsonschema.Draft202012Validator(default).is_valid(value), (dag_id, name, value)
            seen += 1
    assert seen >= 6  # three ingest params a DAG and the report's three
