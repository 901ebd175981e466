"""Airflow DAG: half-yearly ingest of per-commune sources (population, postal points, household survey).

For the half-year of the run's data interval: the population file of its year
(``<landing>/population/<YYYY>/``; the year's second run finds it unchanged), and the postal
register and household survey of the half-year (``<landing>/<source>/<YYYY-Hn>/``). Logic lives
in ``dxstats``; this file only wires it.
"""

from __future__ import annotations

from dxstats.assets import HOUSEHOLD_SURVEY, POPULATION, POSTAL_POINTS
from dxstats.dag_factory import ingest_dag

ingest_dag(
    "infrastructure",
    "Population, postal service points and the household ICT survey -> core",
    __doc__,
    {
        "population": ("dxstats.sources.infrastructure:POPULATION", POPULATION),
        "postal": ("dxstats.sources.infrastructure:POSTAL", POSTAL_POINTS),
        "household_survey": ("dxstats.sources.infrastructure:HOUSEHOLD_SURVEY", HOUSEHOLD_SURVEY),
    },
    tags=("infrastructure",),
)
