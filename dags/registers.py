"""Airflow DAG: half-yearly ingest of the registers (DX plans and committees, directive documents, targets).

For the half-year of the run's data interval: read ``<landing>/<register>/<YYYY-Hn>/`` for each
register, validate, replace the half-year's snapshot in core, and record the batches in
``audit``. The registers are independent: one refused file does not hold up the others.
Logic lives in ``dxstats``; this file only wires it.
"""

from __future__ import annotations

from dxstats.assets import DIRECTIVES, DX_READINESS, TARGETS
from dxstats.dag_factory import ingest_dag

ingest_dag(
    "registers",
    "Half-yearly registers (plans, committees, directive documents, targets) -> core",
    __doc__,
    {
        "ke_hoach_bcd": ("dxstats.sources.registers:PLANS", DX_READINESS),
        "van_ban_chi_dao": ("dxstats.sources.registers:DIRECTIVES", DIRECTIVES),
        "chi_tieu": ("dxstats.sources.registers:TARGETS", TARGETS),
    },
    tags=("registers",),
)
