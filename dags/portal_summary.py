"""Airflow DAG: monthly ingest of filing counts from agencies outside the shared portal (police, tax, social insurance).

For the month of the run's data interval: read ``<landing>/portal_summary/<YYYY-MM>/``, validate
(parts never exceed totals), replace the month in ``core.fact_portal_summary`` and record the
batches. Where an agency's filings are also in the portal's exports for the month, the exports
count and the two are compared in ``audit.portal_summary_reconciliation``. Logic lives in
``dxstats``; this file only wires it.
"""

from __future__ import annotations

from dxstats.assets import PORTAL_SUMMARY
from dxstats.dag_factory import MONTHLY, ingest_dag

ingest_dag(
    "portal_summary",
    "Monthly filing counts per agency from systems outside the portal -> core.fact_portal_summary",
    __doc__,
    {"portal_summary": ("dxstats.sources.portal_summary:PORTAL_SUMMARY", PORTAL_SUMMARY)},
    cron=MONTHLY,
    start=(2021, 7, 1),
    tags=("portal",),
)
