"""Monthly ingest of the one-stop portal's filing exports into the warehouse.

For the month of the run's data interval: read ``<landing>/portal/<YYYY-MM>/``, validate,
load into ``core.fact_filing``, and record the batches in ``audit``. Logic lives in
``dxstats``; this file only wires it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from dxstats.alerts import on_failure
from dxstats.assets import PORTAL_FILINGS, REFERENCE

TZ = "Asia/Ho_Chi_Minh"


@dag(
    dag_id="portal_filings",
    description="Monthly filing exports of the one-stop portal -> core.fact_filing",
    # Each run covers one calendar month (its data interval) and starts when the month ends.
    schedule=CronDataIntervalTimetable("0 0 1 * *", timezone=TZ),
    start_date=pendulum.datetime(2022, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    tags=["ingest", "portal"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": on_failure,
    },
    doc_md=__doc__,
    params={
        "force": Param(False, type="boolean",
                       description="Reload the month even if its files are unchanged (after a reference fix)."),
    },
)
def portal_filings() -> None:
    @task(outlets=[REFERENCE])
    def prepare_warehouse() -> dict[str, int]:
        from dxstats.tasks import prepare_warehouse as run

        return run()

    @task(outlets=[PORTAL_FILINGS])
    def ingest(data_interval_start=None, run_id=None, params=None) -> dict:
        from dxstats.tasks import ingest_source

        return ingest_source("dxstats.sources.portal:PORTAL", data_interval_start, run_id,
                             force=bool(params["force"]))

    prepare_warehouse() >> ingest()


portal_filings()
