"""The bodies of DAG tasks: plain functions that turn package results into Airflow's terms.

A refused input is not going to fix itself on retry, so it fails the task without retries
(AirflowFailException); anything else (a database that is down) fails normally and retries.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


def prepare_warehouse() -> dict[str, int]:
    """Create or update the warehouse schema and reload the reference dimensions."""
    from dxstats.reference import load_reference
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse()
    try:
        log.info("warehouse: %r", warehouse)
        warehouse.create_schema()
        return dict(load_reference(warehouse).__dict__)
    finally:
        warehouse.close()


def ingest_source(path: str, data_interval_start: datetime, run_id: str, force: bool = False,
                  province: str | None = None) -> dict[str, Any]:
    """Ingest the source ``"module:NAME"`` for the period (its cadence) the run's data interval starts in, for
    ``province`` (may be left out in a deployment of one province)."""
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.errors import BatchRejected
    from dxstats.ingest import ingest
    from dxstats.sources import source_at
    from dxstats.warehouse import Warehouse

    source = source_at(path)
    period = source.period_of(data_interval_start)
    warehouse = Warehouse()
    try:
        result = ingest(source, period, run_id, warehouse, province=province, force=force)
        if result.status == "loaded" and result.rows_rejected:
            _alert_on_rejections(warehouse, result)
        return result.as_dict()
    except BatchRejected as exc:
        raise AirflowFailException(str(exc)) from exc
    finally:
        warehouse.close()


def plan_periods(cadence: str, data_interval_start: datetime, backfill_from: str | None) -> list[str]:
    """The periods this run's ingest tasks map over; a ``backfill_from`` that cannot work fails the run at once."""
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.backfill import BackfillError, periods_to_load

    try:
        periods = periods_to_load(cadence, data_interval_start, backfill_from)
    except BackfillError as exc:
        raise AirflowFailException(str(exc)) from exc
    log.info("this run loads %d period(s): %s", len(periods), ", ".join(periods))
    return periods


def plan_provinces(requested: list[str] | None) -> list[str]:
    """The provinces this run's ingest tasks map over: the deployment's (``DXSTATS_PROVINCES``), or the ones the
    run's ``provinces`` param asks for (to reload one province); a province the deployment lacks fails the run."""
    from airflow.sdk.exceptions import AirflowFailException

    from dxstats import settings

    known = settings.provinces()
    unknown = sorted(set(requested or ()) - set(known))
    if unknown:
        raise AirflowFailException(f"provinces {', '.join(unknown)} are not ingested by this deployment "
                                   f"(DXSTATS_PROVINCES: {', '.join(known)})")
    provinces = [p for p in known if p in requested] if requested else known
    log.info("this run loads %d province(s): %s", len(provinces), ", ".join(provinces))
    return provinces


def plan_slices(cadence: str, data_interval_start: datetime, backfill_from: str | None,
                provinces: list[str] | None) -> list[dict[str, str]]:
    """The run's slices, one ``{"province", "period"}`` per mapped ingest (every province with every period), from
    :func:`plan_provinces` and :func:`plan_periods`; either refusing fails the run before anything loads.

    One planning task a run rather than one per axis: each task instance costs the embedded job a handful of
    execution-API calls, and each mapped ingest reads one XCom instead of two (``bench/RESULTS.md``).
    """
    wanted, periods = plan_provinces(provinces), plan_periods(cadence, data_interval_start, backfill_from)
    return [{"province": province, "period": period} for province in wanted for period in periods]


def ingest_period(path: str, period: str, run_id: str, *, province: str, cadence: str,
                  backfill_from: str | None = None, force: bool = False) -> dict[str, Any]:
    """One mapped instance: ingest the source for the DAG period ``period`` (``YYYY-MM`` or ``YYYY-Hn``) of
    ``province``.

    Skipped when an earlier period of the same run already loads this source's period (a yearly source in
    a half-yearly backfill), so one year is never loaded twice at once.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from dxstats.backfill import loaded_earlier_in_run, period_start
    from dxstats.sources import source_at

    earlier = loaded_earlier_in_run(source_at(path).period_of, period, backfill_from, cadence)
    if earlier:
        raise AirflowSkipException(f"{path} for {period}: the same period is loaded by this run's {earlier}")
    return ingest_source(path, period_start(period), run_id, force=force, province=province)


def announcement(path: str, slices: list[dict[str, str]]) -> dict[str, Any]:
    """What an ingest run's one Asset event says it loaded, from the run's ``slices`` (:func:`plan_slices`): the
    source, its own periods (a yearly source loads one year for two half-years) and the provinces."""
    from dxstats.backfill import period_start
    from dxstats.sources import source_at

    source = source_at(path)
    periods = {str(source.period_of(period_start(s["period"]))) for s in slices}
    return {"source": source.name, "periods": sorted(periods), "provinces": sorted({s["province"] for s in slices})}


def extract_period(path: str, period: str, province: str, force: bool = False) -> dict[str, Any]:
    """One mapped instance of an extract: land the month ``period`` of ``province`` before its ingest reads it."""
    from dxstats.backfill import period_start

    return extract_source(path, period_start(period), force=force, province=province)


def _alert_on_rejections(warehouse: Any, result: Any) -> None:
    """Alert when a loaded batch lost more rows than allowed, with the most frequent reasons."""
    from dxstats import alerts, settings

    with warehouse.begin() as conn:
        reasons = [(r[0], int(r[1])) for r in warehouse.query(conn, "operations/rejections_for_period",
                                                             source=result.source, period=result.period,
                                                             province=result.province)]
    named = result.province if len(settings.provinces()) > 1 else None  # one province: alerts do not name it
    alert = alerts.rejected_rows_alert(result.source, result.period, result.files, result.rows_read,
                                       result.rows_rejected, reasons, province=named)
    if alert:
        alerts.send(alert)


def extract_source(path: str, data_interval_start: datetime, force: bool = False,
                   province: str | None = None) -> dict[str, Any]:
    """Run the extract ``"module:function"`` for the month the run's data interval starts in, for ``province``
    (may be left out in a deployment of one province; ``force``: pull the month again rather than resume).

    A refusal that a retry cannot fix (the portal rejects the credentials) fails at once; anything else
    (the portal down, a broken page) fails the try, and Airflow's retry resumes from the landed pages.
    """
    import importlib

    from airflow.sdk.exceptions import AirflowFailException

    from dxstats.errors import RetryWouldNotHelp
    from dxstats.periods import Month

    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)(Month.of(data_interval_start), province=province,
                                                              fresh=force)
    except RetryWouldNotHelp as exc:
        raise AirflowFailException(str(exc)) from exc


def health_check(check: str) -> int:
    """Run one of the daily checks (``dag_files`` or ``freshness``); the number of new alerts."""
    from dxstats import health
    from dxstats.warehouse import Warehouse

    warehouse = Warehouse()
    try:
        warehouse.create_schema()
        run = {"dag_files": health.check_dag_files, "freshness": health.check_freshness}[check]
        return len(run(warehouse))
    finally:
        warehouse.close()
