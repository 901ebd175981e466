"""One shape for the ingest DAGs of periodic sources: prepare the warehouse, then one task per source.

Why a factory: the ingest DAGs (portal, registers, infrastructure, telecom) differ only in their
schedule and their sources; their DAG files say just that. Imported by DAG files, so it stays light
(``airflow.sdk`` and this package's light modules only). Airflow's DAG discovery skips a file
without the words "airflow" and "dag" in it, so such a file's docstring says "Airflow DAG".
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

from dxstats.alerts import on_failure
from dxstats.assets import REFERENCE

TZ = "Asia/Ho_Chi_Minh"
HALF_YEARLY = "0 0 1 1,7 *"  # a run's data interval is one half-year, in local time
MONTHLY = "0 0 1 * *"  # ... one calendar month


def house_default_args(retries: int = 2, retry_delay: timedelta = timedelta(minutes=5)) -> dict[str, Any]:
    """Every DAG's task defaults: the team that owns it, retries for what a retry can fix, and the alert.

    ``DXSTATS_TASK_RETRY_DELAY_S`` overrides the delay (the scheduler test retries in seconds, not minutes).
    """
    override = os.environ.get("DXSTATS_TASK_RETRY_DELAY_S")
    delay = timedelta(seconds=float(override)) if override else retry_delay
    return {"owner": "data-engineering", "retries": retries, "retry_delay": delay, "on_failure_callback": on_failure}


def ingest_dag(dag_id: str, description: str, doc: str, sources: dict[str, tuple[str, Asset]], *,
               cron: str = HALF_YEARLY, start: tuple[int, int, int] = (2021, 7, 1), tags: tuple[str, ...] = (),
               extract: dict[str, str] | None = None) -> Any:
    """A DAG whose task ``ingest_<name>`` loads source ``"module:NAME"`` and updates its Asset.

    ``extract`` maps a source to ``"module:function"``, a task ``extract_<name>`` run before its ingest that
    lands the period's files itself (the portal's HTTP API); it decides from the source's configuration
    whether there is anything to pull.
    """

    @dag(
        dag_id=dag_id,
        description=description,
        schedule=CronDataIntervalTimetable(cron, timezone=TZ),
        start_date=pendulum.datetime(*start, tz=TZ),
        catchup=False,
        max_active_runs=1,
        tags=["ingest", *tags],
        default_args=house_default_args(),
        doc_md=doc,
        params={
            "force": Param(False, type="boolean",
                           description="Reload the period even if its files are unchanged (after a reference fix); "
                                       "pull it again from an API instead of resuming a finished pull."),
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
            def ingest(path: str = path, asset: Asset = asset, data_interval_start=None, run_id=None, params=None,
                       outlet_events=None) -> dict:
                from dxstats.tasks import ingest_source

                result = ingest_source(path, data_interval_start, run_id, force=bool(params["force"]))
                # the period loaded, for what the Asset triggers (the report picks its half-year from it)
                outlet_events[asset].extra = {"source": result["source"], "period": result["period"]}
                return result

            if extract and name in extract:

                @task(task_id=f"extract_{name}")
                def pull(path: str = extract[name], data_interval_start=None, params=None) -> dict:
                    from dxstats.tasks import extract_source

                    return extract_source(path, data_interval_start, force=bool(params["force"]))

                prepared >> pull() >> ingest()
            else:
                prepared >> ingest()

    return build()
