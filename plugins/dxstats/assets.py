"""The warehouse tables DAGs produce, as Airflow Assets: how downstream DAGs know when to run."""

from __future__ import annotations

from airflow.sdk import Asset

PORTAL_FILINGS = Asset(name="core.fact_filing", uri="dxstats://warehouse/core/fact_filing", group="warehouse")
REFERENCE = Asset(name="core.dim_reference", uri="dxstats://warehouse/core/dim_reference", group="warehouse")
