"""Airflow DAG: monthly ingest of the telecom operators' coverage files, one layout per operator.

For the month of the run's data interval: read every file in ``<landing>/telecom/<YYYY-MM>/``, each
with the layout its name matches (``include/sources/telecom/*.yaml``), validate, replace the month
in ``core.fact_telecom_coverage`` and record the batches. A file no layout recognises refuses the
month. Logic lives in ``dxstats``; this file only wires it.
"""

from __future__ import annotations

from dxstats.assets import TELECOM_COVERAGE
from dxstats.dag_factory import MONTHLY, ingest_dag

ingest_dag(
    "telecom",
    "Telecom operators' coverage per commune -> core.fact_telecom_coverage",
    __doc__,
    {"telecom": ("dxstats.sources.telecom:TELECOM", TELECOM_COVERAGE)},
    cron=MONTHLY,
    start=(2021, 12, 1),
    tags=("telecom",),
)
