"""Airflow DAG: the semiannual digital-transformation report that leadership receives.

Runs for a half-year once every ingest DAG has updated its table since the last report (Airflow
Assets) and, failing that, on its deadline, 20 January and 20 July at 08:00 (a trigger timetable whose
data interval starts with the half-year), so a missing source delays nothing silently: the report
then says which inputs are missing or late. It reports on the half-year its triggering Asset events
loaded (their ``extra`` names the periods), else on the last half-year that ended before the run; param
``half_year`` picks another. Writes the XLSX, PDF and CSV files to
``<outbox>/<half-year>/report/`` (a rerun replaces them; ``manifest.json`` keeps their checksums) and
e-mails them through the ``smtp_report`` connection to ``DXSTATS_REPORT_RECIPIENTS``. Logic lives in
``dxstats.report``; this file only wires it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from dateutil.relativedelta import relativedelta

from dxstats.assets import REPORT_INPUTS
from dxstats.dag_factory import TZ, dag_param, house_default_args
from dxstats.pools import WAREHOUSE_POOL

DEADLINE = "0 8 20 1,7 *"
# the data interval runs back from the deadline to the half-year's first day
SINCE_HALF_YEAR_START = relativedelta(months=6, days=19, hours=8)


@dag(
    dag_id="semiannual_report",
    description="The half-year's report (XLSX, PDF, CSV) -> outbox and e-mail",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(DEADLINE, timezone=TZ, interval=SINCE_HALF_YEAR_START),
        assets=REPORT_INPUTS,
    ),
    start_date=pendulum.datetime(2022, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    tags=["report"],
    default_args=house_default_args(),
    doc_md=__doc__,
    params={
        "half_year": dag_param(None, "YYYY-H1 or YYYY-H2; empty: the last half-year that ended before the run",
                               type=["null", "string"], pattern=r"^\d{4}-H[12]$"),
        "languages": dag_param(["vi"], "report languages (Vietnamese by default; add en for English)",
                               type="array", items={"enum": ["vi", "en"]}),
        "resend": dag_param(False, "e-mail even if these exact files were already sent", type="boolean"),
    },
)
def semiannual_report() -> None:
    @task(pool=WAREHOUSE_POOL)  # it applies the DDL and reads the marts: one DuckDB process at a time
    def write_report(dag_run=None, params=None, triggering_asset_events=None) -> str:
        from dxstats.report.run import half_year_to_report, produce

        # an ingest run's one event names every period it loaded (an older event named one, as "period")
        periods = [str(period) for events in (triggering_asset_events or {}).values() for event in events
                   for period in (event.extra or {}).get("periods", [(event.extra or {}).get("period", "")])]
        half = half_year_to_report(dag_run.run_after, params["half_year"], periods)
        produce(half, tuple(params["languages"]))
        return str(half)

    @task
    def email_report(half_year: str, params=None) -> str:
        from dxstats.periods import HalfYear
        from dxstats.report.run import deliver

        return deliver(HalfYear.parse(half_year), force=bool(params["resend"]))

    email_report(write_report())


semiannual_report()
