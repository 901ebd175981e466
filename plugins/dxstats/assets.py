"""The warehouse tables DAGs produce, as Airflow Assets: how downstream DAGs know when to run."""

from __future__ import annotations

from airflow.sdk import Asset

PORTAL_FILINGS = Asset(name="core.fact_filing", uri="dxstats://warehouse/core/fact_filing", group="warehouse")
REFERENCE = Asset(name="core.dim_reference", uri="dxstats://warehouse/core/dim_reference", group="warehouse")
DX_READINESS = Asset(name="core.fact_dx_readiness", uri="dxstats://warehouse/core/fact_dx_readiness",
                     group="warehouse")
DIRECTIVES = Asset(name="core.fact_directive", uri="dxstats://warehouse/core/fact_directive", group="warehouse")
TARGETS = Asset(name="core.fact_target", uri="dxstats://warehouse/core/fact_target", group="warehouse")
POPULATION = Asset(name="core.fact_population", uri="dxstats://warehouse/core/fact_population", group="warehouse")
POSTAL_POINTS = Asset(name="core.fact_postal_point", uri="dxstats://warehouse/core/fact_postal_point",
                      group="warehouse")
HOUSEHOLD_SURVEY = Asset(name="core.fact_household_survey", uri="dxstats://warehouse/core/fact_household_survey",
                         group="warehouse")
TELECOM_COVERAGE = Asset(name="core.fact_telecom_coverage", uri="dxstats://warehouse/core/fact_telecom_coverage",
                         group="warehouse")
PORTAL_SUMMARY = Asset(name="core.fact_portal_summary", uri="dxstats://warehouse/core/fact_portal_summary",
                       group="warehouse")

#: What the semiannual report reads: it runs once each of them has been updated since its last run.
REPORT_INPUTS = (PORTAL_FILINGS & PORTAL_SUMMARY & DX_READINESS & DIRECTIVES & TARGETS & POPULATION & POSTAL_POINTS
                 & HOUSEHOLD_SURVEY & TELECOM_COVERAGE)
