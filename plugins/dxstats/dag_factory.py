"""One shape for the ingest DAGs of periodic sources: prepare the warehouse, then one task per source.

Why a factory: the ingest DAGs (portal, registers, infrastructure, telecom) differ only in their
schedule and their sources; their DAG files say just that. Imported by DAG files, so it stays light
(``airflow.sdk`` and this package's light modules only). Airflow's DAG discovery skips a file
without the words "airflow" and "dag" in it, so such a file's docstring says "Airflow DAG".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

from dxstats.alerts import on_failure
from dxstats.assets import REFERENCE

TZ = "Asia/Ho_Chi_Minh"
HALF_YEARLY = "0 0 1 1,7 *"  # a run's data interval is one half-year, in local time
MONTHLY = "0 0 1 * *"  # ... one calendar month


def ingest_dag(dag_id: str, description: str, doc: str, sources: dict[str, tuple[str, Asset]], *,
               cron: str = HALF_YEARLY, start: tuple[int, int, int] = (2021, 7, 1), tags: tuple[str, ...] = ()) -> Any:
    """A DAG whose task ``ingest_<name>`` loads source ``"module:NAME"`` and updates its Asset."""

    @dag(
        dag_id=dag_id,
        description=description,
        schedule=CronDataIntervalTimetable(cron, timezone=TZ),
        start_date=pendulum.datetime(*start, tz=TZ),
        catchup=False,
        max_active_runs=1,
        tags=["ingest", *tags],
        default_args={
            "owner": "data-engineering",
            "retries": 2,
            "retry_delay": timedelta(minutes=5),
            "on_failure_callback": on_failure,
        },
        doc_md=doc,
        params={
            "force": Param(False, type="boolean",
                           description="Reload the period even if its files are unchanged (after a reference fix)."),
        },
    )
    def build() -> None:
        @task(outlets=[REFERENCE])
        def prepare_warehouse() -> dict[str, int]:
            from dxstats.tasks import prepare_warehouse as run

            return run()

        prepared = prepare_warehouse()
        for name, (path, asset) in sources.items():

            @task(task_id=f"ingest_{name}", outlets=[asset])
            def ingest(path: str = path, data_interval_start=None, run_id=None, params=None) -> dict:
                from dxstats.tasks import ingest_source

                return ingest_source(path, data_interval_start, run_id, force=bool(params["force"]))

            prepared >> ingest()

    return build()
