"""Half-yearly ingest of the province's registers: DX plans and committees, directive documents, targets.

For the half-year of the run's data interval: read ``<landing>/<register>/<YYYY-Hn>/`` for each
register, validate, replace the half-year's snapshot in core, and record the batches in
``audit``. The registers are independent: one refused file does not hold up the others.
Logic lives in ``dxstats``; this file only wires it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from dxstats.alerts import on_failure
from dxstats.assets import REFERENCE, REGISTER_ASSETS

TZ = "Asia/Ho_Chi_Minh"


@dag(
    dag_id="registers",
    description="Half-yearly registers (plans, committees, directive documents, targets) -> core",
    # Each run covers one half-year (its data interval) and starts when the half-year ends.
    schedule=CronDataIntervalTimetable("0 0 1 1,7 *", timezone=TZ),
    start_date=pendulum.datetime(2021, 7, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    tags=["ingest", "registers"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": on_failure,
    },
    doc_md=__doc__,
    params={
        "force": Param(False, type="boolean",
                       description="Reload the half-year even if its files are unchanged (after a reference fix)."),
    },
)
def registers() -> None:
    @task(outlets=[REFERENCE])
    def prepare_warehouse() -> dict[str, int]:
        from dxstats.tasks import prepare_warehouse as run

        return run()

    prepared = prepare_warehouse()
    for name, asset in REGISTER_ASSETS.items():

        @task(task_id=f"ingest_{name}", outlets=[asset])
        def ingest(name: str = name, data_interval_start=None, run_id=None, params=None) -> dict:
            from dxstats.tasks import ingest_register

            return ingest_register(name, data_interval_start, run_id, force=bool(params["force"]))

        prepared >> ingest()


registers()
