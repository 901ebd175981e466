"""Airflow DAG: monthly ingest of the one-stop portal's filing exports into the warehouse.

For the month of the run's data interval: when ``DXSTATS_PORTAL_SOURCE=api``, pull the month from the
portal's HTTP export API into ``<landing>/portal/<YYYY-MM>/`` (connection ``portal_api``; a retry
resumes at the first page not landed); then read the month's files, validate, load into
``core.fact_filing``, and record the batches in ``audit``. Trigger with
``{"force": true}`` to reload a month whose files are unchanged (after a reference fix).
Logic lives in ``dxstats``; this file only wires it.
"""

from __future__ import annotations

from dxstats.assets import PORTAL_FILINGS
from dxstats.dag_factory import MONTHLY, ingest_dag

ingest_dag(
    "portal_filings",
    "Monthly filing exports of the one-stop portal -> core.fact_filing",
    __doc__,
    {"portal": ("dxstats.sources.portal:PORTAL", PORTAL_FILINGS)},
    extract={"portal": "dxstats.portal_api:extract_month"},
    cron=MONTHLY,
    start=(2021, 7, 1),
    tags=("portal",),
)
