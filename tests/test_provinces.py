"""Several provinces in one deployment: each (province, period) is its own load, mapped task and slice.

A national deployment lists its provinces in ``DXSTATS_PROVINCES``; each province's files land under
``<landing>/<province>/<source>/<period>/``, and a load replaces that province's period only. These
tests use the sample's codes for the second province too (the bundled reference holds one province),
as the national benchmark's copies do: what is tested is where rows go, not what they say.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from portal_files import valid_row, valid_rows, write_csv

from dxstats import cli, settings
from dxstats.errors import BatchRejected
from dxstats.ingest import ingest
from dxstats.periods import Month
from dxstats.runner import run_month
from dxstats.settings import PROJECT_ROOT
from dxstats.sources.portal import PORTAL
from dxstats.warehouse import Warehouse

SAMPLE = PROJECT_ROOT / "data" / "sample" / "landing" / "portal"


def test_a_deployment_of_one_province_takes_it_from_the_units_file(monkeypatch, tmp_path):
    monkeypatch.delenv("DXSTATS_PROVINCES", raising=False)
    monkeypatch.setenv("DXSTATS_LANDING_DIR", str(tmp_path))
    assert settings.provinces() == ["82"]
    assert settings.province_landing("82") == tmp_path  # one province: the landing layout has no province level
    with pytest.raises(ValueError, match="'83' is not one this deployment ingests"):
        settings.province_landing("83")


def test_a_national_deployment_names_its_provinces(monkeypatch, tmp_path):
    monkeypatch.setenv("DXSTATS_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("DXSTATS_PROVINCES", " 82, 83 ")
    assert settings.provinces() == ["82", "83"]
    assert settings.province_landing("83") == tmp_path / "83"
    for bad in ("82,8", "82,82", "Tien Giang", ","):
        monkeypatch.setenv("DXSTATS_PROVINCES", bad)
        with pytest.raises(ValueError, match="expected distinct two-digit GSO province codes"):
            settings.provinces()


def test_a_run_plans_every_province_with_every_period_and_refuses_a_province_or_period_it_cannot_load(monkeypatch):
    """The one planning task's slices: the cross of the run's provinces and periods, each keyed by the mapped
    ingest's arguments; an unknown province or an impossible backfill fails the task (and the run), naming it."""
    import pendulum
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.backfill import MONTH
    from dxstats.tasks import announcement, plan_slices

    monkeypatch.setenv("DXSTATS_PROVINCES", "82,83")
    january = pendulum.datetime(2022, 1, 1, tz="Asia/Ho_Chi_Minh")
    both = plan_slices(MONTH, january, "2021-12", None)
    assert both == [{"province": p, "period": m} for p in ("82", "83") for m in ("2021-12", "2022-01")]
    assert plan_slices(MONTH, january, None, ["83"]) == [{"province": "83", "period": "2022-01"}]
    assert announcement("dxstats.sources.portal:PORTAL", both) == {
        "source": "portal", "periods": ["2021-12", "2022-01"], "provinces": ["82", "83"]}
    with pytest.raises(AirflowFailException, match="provinces 84 are not ingested by this deployment"):
        plan_slices(MONTH, january, None, ["82", "84"])
    with pytest.raises(AirflowFailException, match="after this run's own period"):
        plan_slices(MONTH, january, "2022-02", None)


def test_several_provinces_need_a_province_named_when_loading(monkeypatch, landing, warehouse):
    monkeypatch.setenv("DXSTATS_PROVINCES", "82,83")
    with pytest.raises(ValueError, match="ingests provinces 82, 83: say which one"):
        ingest(PORTAL, Month(2022, 1), "r", warehouse)


def _slices(warehouse: Warehouse) -> list[list]:
    return warehouse.frame("SELECT province_code, CAST(export_month AS VARCHAR) AS m, COUNT(*) AS n "
                           "FROM core.fact_filing GROUP BY 1, 2 ORDER BY 1, 2").values.tolist()


def test_a_load_replaces_its_own_province_s_period_only(monkeypatch, landing, warehouse):
    """Two provinces' January and one's February: reloading or refusing one province's January leaves the rest."""
    from dxstats.reference import load_reference

    monkeypatch.setenv("DXSTATS_PROVINCES", "82,83")
    load_reference(warehouse)
    files = {("82", "2022-01"): valid_rows(5), ("83", "2022-01"): valid_rows(3),
             ("82", "2022-02"): valid_rows(4, "2022-02", start=50)}
    for (province, month), rows in files.items():
        write_csv(landing / province / "portal" / month / "export.csv", rows)
    for province, month in files:
        result = ingest(PORTAL, Month.parse(month), "first", warehouse, province=province)
        assert (result.province, result.rows_loaded) == (province, len(files[province, month]))
    assert _slices(warehouse) == [["82", "2022-01-01", 5], ["82", "2022-02-01", 4], ["83", "2022-01-01", 3]]

    # 82's February filing 50 sent again in January: in 83 it is another filing (each portal numbers its own)...
    again = [*valid_rows(2), valid_row(50, ma_ho_so="T-202202-000050")]
    write_csv(landing / "83" / "portal" / "2022-01" / "export.csv", again)
    reloaded = ingest(PORTAL, Month(2022, 1), "second", warehouse, province="83")
    assert (reloaded.rows_loaded, reloaded.rows_rejected) == (3, 0)
    # ...but in 82 it was already loaded for another month, and is rejected
    write_csv(landing / "82" / "portal" / "2022-01" / "export.csv", again)
    reloaded = ingest(PORTAL, Month(2022, 1), "third", warehouse, province="82")
    assert (reloaded.rows_loaded, reloaded.rows_rejected) == (2, 1)
    assert _slices(warehouse) == [["82", "2022-01-01", 2], ["82", "2022-02-01", 4], ["83", "2022-01-01", 3]]

    # files unchanged is per province: 83's February has never been loaded, 82's January is unchanged
    assert ingest(PORTAL, Month(2022, 1), "again", warehouse, province="82").status == "unchanged"
    with pytest.raises(BatchRejected, match="no portal files for 2022-02"):
        ingest(PORTAL, Month(2022, 2), "again", warehouse, province="83")

    # a refused reload of one province's month changes nothing, there or elsewhere
    broken = landing / "82" / "portal" / "2022-02" / "export.csv"
    broken.write_text("not,the,portal's,header\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(BatchRejected, match="was not loaded"):
        ingest(PORTAL, Month(2022, 2), "broken", warehouse, province="82")
    assert _slices(warehouse) == [["82", "2022-01-01", 2], ["82", "2022-02-01", 4], ["83", "2022-01-01", 3]]

    batches = warehouse.frame("SELECT province_code, period, status, run_id FROM audit.batches "
                              "ORDER BY run_id, province_code, period").values.tolist()
    assert batches == [["82", "2022-02", "rejected", "broken"],
                       ["82", "2022-01", "superseded", "first"], ["82", "2022-02", "loaded", "first"],
                       ["83", "2022-01", "superseded", "first"],
                       ["83", "2022-01", "loaded", "second"], ["82", "2022-01", "loaded", "third"]]


def _sample_month(landing: Path, province: str, month: str, rows: int | None = None) -> int:
    """The sample's export of ``month`` under the province's landing folder, whole or its first ``rows``."""
    target = landing / province / "portal" / month
    target.mkdir(parents=True)
    source = SAMPLE / month / f"dvc_filings_{month}.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    if rows is None:
        shutil.copy(source, target / source.name)
        return len(lines) - 1
    (target / source.name).write_text("".join(lines[:rows + 1]), encoding="utf-8-sig")
    return rows


@pytest.mark.slow
def test_one_run_maps_the_portal_over_provinces_and_months(airflow_db, warehouse_url, landing, monkeypatch):
    """``portal_filings`` for January, backfilling December, in a deployment of two provinces: four mapped
    instances per task, each labelled with its province and month, each loading its own slice; then a run
    restricted to one province (``rerun --province``, the run's param ``provinces``) reloads that one only, and an
    unknown province fails the run."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    monkeypatch.setenv("DXSTATS_PROVINCES", "82,83")
    expected = {(p, m): _sample_month(landing, p, m, None if p == "82" else 500)
                for p in ("82", "83") for m in ("2021-12", "2022-01")}

    run = run_month("portal_filings", Month(2022, 1), {"backfill_from": "2021-12"})
    assert str(run.state) == "success"
    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(TaskInstance.run_id == run.run_id,
                                                         TaskInstance.task_id == "ingest_portal")).all()
        labels = sorted((ti.rendered_map_index, str(ti.state)) for ti in tis)
    assert labels == [(f"{p} {m}", "success") for p, m in sorted(expected)]
    warehouse = Warehouse(warehouse_url)
    try:
        assert _slices(warehouse) == [[p, f"{m}-01", n] for (p, m), n in sorted(expected.items())]
        loaded = warehouse.frame("SELECT province_code, period, rows_read FROM audit.batches "
                                 "WHERE status = 'loaded' ORDER BY 1, 2").values.tolist()
        assert loaded == [[p, m, n] for (p, m), n in sorted(expected.items())]

        shutil.rmtree(landing / "83" / "portal" / "2022-01")
        _sample_month(landing, "83", "2022-01", 100)
        # an engineer reloads one province's month, as the runbook says
        assert cli.main(["rerun", "portal_filings", "2022-01", "--province", "83"]) == 0
        assert _slices(warehouse) == [["82", "2021-12-01", expected["82", "2021-12"]],
                                      ["82", "2022-01-01", expected["82", "2022-01"]],
                                      ["83", "2021-12-01", 500], ["83", "2022-01-01", 100]]
    finally:
        warehouse.close()
    assert str(run_month("portal_filings", Month(2022, 1), {"provinces": ["84"]}).state) == "failed"


def _load_province_after_barrier(url: str, landing: str, province: str, barrier, results) -> None:
    """One worker's load of January for ``province``; it keys its slice only once both have staged."""
    import os

    os.environ["DXSTATS_PROVINCES"] = "82,83"
    key = Warehouse.key_staged

    def wait_then_key(self, *args, **kwargs):
        barrier.wait()
        key(self, *args, **kwargs)

    Warehouse.key_staged = wait_then_key
    result = ingest(PORTAL, Month(2022, 1), f"run-{province}", Warehouse(url), Path(landing) / province,
                    province=province)
    results[province] = (result.rows_loaded, result.rows_rejected)


@pytest.mark.postgres
def test_two_provinces_load_the_same_new_month_at_once(pg_url, landing):
    """Two worker processes load January of 82 and of 83, a month the warehouse has never seen: both make sure
    the month's partition exists, stage side by side, and swap their own province's leaf in.

    Each file has a row the suite rejects, so both loads write to ``audit.rejected_rows`` before they meet
    at the barrier: a load that analysed that shared table in its transaction would hold a lock the other's
    write waits for until commit, and neither would reach the barrier (seen: each load's rejections queued
    behind the other province's whole load)."""
    import multiprocessing

    from dxstats.reference import load_reference

    warehouse = Warehouse(pg_url)
    warehouse.create_schema()
    load_reference(warehouse)
    for province, n in (("82", 6), ("83", 4)):
        write_csv(landing / province / "portal" / "2022-01" / "x.csv", [*valid_rows(n), valid_row(99, kenh="9")])
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager:
        barrier, results = manager.Barrier(2, timeout=120), manager.dict()
        workers = [spawn.Process(target=_load_province_after_barrier,
                                 args=(pg_url, str(landing), p, barrier, results)) for p in ("82", "83")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(300)
        loaded_rows = dict(results)

    assert [w.exitcode for w in workers] == [0, 0]
    assert loaded_rows == {"82": (6, 1), "83": (4, 1)}
    assert _slices(warehouse) == [["82", "2022-01-01", 6], ["83", "2022-01-01", 4]]
    leaves = warehouse.frame("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                             "WHERE i.inhparent = 'core.fact_filing_2022_01'::regclass AND c.relkind = 'r' "
                             "ORDER BY 1")["relname"].tolist()
    assert leaves == ["fact_filing_2022_01_82", "fact_filing_2022_01_83"]
    warehouse.close()


@pytest.mark.postgres
def test_readers_see_the_old_slice_while_a_reload_checks_its_keys(pg_url, landing, monkeypatch):
    """A reload checks its staged keys against the other months (seconds, on a large table) before it swaps the
    slice in: meanwhile an analyst's query of the month is answered from the old slice, not made to wait."""
    import psycopg
    from sqlalchemy.engine import make_url

    from dxstats.ingest import ingest_portal_month
    from dxstats.reference import load_reference

    warehouse = Warehouse(pg_url)
    warehouse.create_schema()
    load_reference(warehouse)
    write_csv(landing / "portal" / "2022-01" / "x.csv", valid_rows(3))
    ingest_portal_month(Month(2022, 1), "first", warehouse, landing)
    write_csv(landing / "portal" / "2022-01" / "x.csv", valid_rows(5))
    seen = []
    check = Warehouse.reject_found

    def read_while_checking(self, *args, **kwargs):
        url = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as reader:
            reader.execute("SET lock_timeout = '3s'")  # a reader held by the load fails here instead of waiting
            seen.append(reader.execute("SELECT COUNT(*) FROM core.fact_filing "
                                       "WHERE export_month = DATE '2022-01-01'").fetchone()[0])
        check(self, *args, **kwargs)

    monkeypatch.setattr(Warehouse, "reject_found", read_while_checking)
    assert ingest_portal_month(Month(2022, 1), "second", warehouse, landing).rows_loaded == 5
    assert seen == [3]
    assert _slices(warehouse) == [["82", "2022-01-01", 5]]
    warehouse.close()


def test_a_warehouse_built_before_provinces_is_refused_with_what_to_do(warehouse_url):
    """The DDL creates missing tables only: an old fact table without ``province_code`` is named, nothing changes."""
    warehouse = Warehouse(warehouse_url)
    try:
        with warehouse.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA core")
            conn.exec_driver_sql("CREATE TABLE core.fact_directive (snapshot_half DATE, document_number VARCHAR(60))")
        with pytest.raises(RuntimeError, match=r"core tables fact_directive predate the province column.*rebuild"):
            warehouse.create_schema()
        tables = warehouse.frame("SELECT table_schema, table_name FROM information_schema.tables "
                                 "WHERE table_schema IN ('core', 'audit', 'mart')")
        assert tables.values.tolist() == [["core", "fact_directive"]]
    finally:
        warehouse.close()
