"""The daily health checks of the ``pipeline_health`` DAG: DAG files that do not import, overdue sources.

Each problem is alerted once (:mod:`dxstats.alerts`): the key of every alert sent is kept in
``audit.alerts``, and a check skips a problem whose key is there. A file fixed and broken again, or the
next period overdue, is a new key and a new alert.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path

from dxstats import alerts, settings
from dxstats.warehouse import Warehouse

log = logging.getLogger(__name__)


def check_dag_files(warehouse: Warehouse, dag_folder: Path | None = None) -> list[alerts.Alert]:
    """Parse the DAG folder as the dag-processor does; alert on each file that fails to import."""
    from airflow.dag_processing.dagbag import DagBag

    folder = dag_folder or settings.PROJECT_ROOT / "dags"
    bag = DagBag(dag_folder=str(folder))
    raised = []
    for path, error in sorted(bag.import_errors.items()):
        digest = hashlib.sha256(str(error).encode()).hexdigest()[:16]
        alert = alerts.import_error_alert(path, str(error))
        if _once(warehouse, f"dag_import_error:{path}:{digest}", alert):
            raised.append(alert)
    log.info("DAG files in %s: %d import errors, %d newly alerted", folder, len(bag.import_errors), len(raised))
    return raised


def check_freshness(warehouse: Warehouse, landing: Path | None = None) -> list[alerts.Alert]:
    """Alert on each source and province whose due period has not been loaded (``audit.freshness``).

    The view knows the provinces that loaded a source; those of ``DXSTATS_PROVINCES`` that never did are
    missing here too, so a national deployment hears of the one province whose files never came.
    """
    provinces = settings.provinces()
    with warehouse.begin() as conn:
        rows = warehouse.query(conn, "operations/freshness")
    overdue = [r for r in _per_province(rows, provinces) if r[-1] != "fresh"]
    raised = []
    for source, province, cadence, expected_start, latest_start, _status in overdue:
        expected, latest = _period(cadence, expected_start), _period(cadence, latest_start)
        named = province if len(provinces) > 1 else None  # one province: alerts and their keys do not name it
        root = (landing or settings.landing_dir()) / (named or "")
        alert = alerts.source_late_alert(source, cadence, expected, latest, root / source / expected, named)
        if _once(warehouse, ":".join(["source_late", source, expected, *([named] if named else [])]), alert):
            raised.append(alert)
    log.info("sources: %d overdue (by province), %d newly alerted", len(overdue), len(raised))
    return raised


def _per_province(rows: list, provinces: list[str]) -> list[tuple]:
    """One row per (source, province of the deployment): the view's, or missing where that province has none."""
    by_source: dict[str, dict[str | None, tuple]] = {}
    for source, province, cadence, expected_start, latest_start, status in rows:
        by_source.setdefault(source, {})[province] = (cadence, expected_start, latest_start, status)
    result = []
    for source, known in by_source.items():
        cadence, expected_start = next(iter(known.values()))[:2]
        for province in provinces:
            _, _, latest_start, status = known.get(province, (cadence, expected_start, None, "missing"))
            result.append((source, province, cadence, expected_start, latest_start, status))
    return result


def _period(cadence: str, start: str | None) -> str | None:
    """A period's first day (``2022-07-01``) as its name (``2022-07``, ``2022-H2``, ``2022``)."""
    if not start:
        return None
    year, month = start[:4], int(start[5:7])
    return {"month": f"{year}-{month:02d}", "half_year": f"{year}-H{1 if month <= 6 else 2}"}.get(cadence, year)


def _once(warehouse: Warehouse, key: str, alert: alerts.Alert) -> bool:
    """Send ``alert`` unless its key was already sent; record it. Whether it was sent now."""
    with warehouse.begin() as conn:
        (already,) = warehouse.query(conn, "operations/alert_sent", alert_key=key)[0]
        if already:
            return False
        warehouse.run(conn, "operations/record_alert", alert_key=key, kind=alert.kind, subject=alert.subject[:500],
                      sent_at=datetime.now())
    alerts.send(alert)
    return True
