"""Airflow DAG: daily health checks that alert the engineers once per problem.

Every morning: parse the DAG folder and alert on a file that no longer imports; compare each source
with its schedule (``audit.freshness``) and alert on a period that is due and has not been loaded.
Alerts go by e-mail (``DXSTATS_ALERT_RECIPIENTS`` through the SMTP connection) and to an optional
webhook (``DXSTATS_ALERT_WEBHOOK_URL``); ``audit.alerts`` keeps what was sent. Logic lives in
``dxstats.health``; this file only wires it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task

from dxstats.dag_factory import TZ, house_default_args
from dxstats.pools import WAREHOUSE_POOL


@dag(
    dag_id="pipeline_health",
    description="Daily: DAG files that do not import, sources behind their schedule -> one alert each",
    schedule=CronTriggerTimetable("0 7 * * *", timezone=TZ),
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    tags=["operations"],
    default_args=house_default_args(retries=1, retry_delay=timedelta(minutes=10)),
    doc_md=__doc__,
)
def pipeline_health() -> None:
    @task(pool=WAREHOUSE_POOL)  # both checks write what they sent to audit.alerts
    def check_dag_files() -> int:
        from dxstats.tasks import health_check

        return health_check("dag_files")

    @task(pool=WAREHOUSE_POOL)
    def check_freshness() -> int:
        from dxstats.tasks import health_check

        return health_check("freshness")

    check_dag_files()
    check_freshness()


pipeline_health()
