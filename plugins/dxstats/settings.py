"""Where things are and which warehouse to use.

Settings come from the environment (or, for the warehouse, an Airflow connection), never
from code, so the same DAGs run on the bundled sample and on a department's own files.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "include" / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
TIMEZONE = "Asia/Ho_Chi_Minh"
WAREHOUSE_CONN_ID = "warehouse"


def _path_setting(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def landing_dir() -> Path:
    """Root of the landing folder: files arrive at ``<landing>/<source>/<period>/`` (one province; see
    :func:`province_landing` for several)."""
    return _path_setting("DXSTATS_LANDING_DIR", PROJECT_ROOT / "data" / "sample" / "landing")


def provinces() -> list[str]:
    """The provinces this deployment ingests (``DXSTATS_PROVINCES``: GSO codes, comma-separated).

    Unset, it is the one province of the units file (a provincial department's deployment). Every
    row loaded carries its province, and a load replaces one period of one province, so a national
    deployment ingests each (province, period) as its own mapped task.
    """
    value = os.environ.get("DXSTATS_PROVINCES", "").strip()
    codes = [c.strip() for c in value.split(",") if c.strip()] if value else _provinces_of_units()
    bad = [c for c in codes if not (len(c) == 2 and c.isdigit())]
    if bad or not codes or len(set(codes)) != len(codes):
        raise ValueError(f"DXSTATS_PROVINCES={value!r}: expected distinct two-digit GSO province codes, "
                         "comma-separated (e.g. 82,83)")
    return codes


def _provinces_of_units() -> list[str]:
    """The province codes of the units file; a file of several provinces needs ``DXSTATS_PROVINCES``."""
    import csv

    with open(units_file(), encoding="utf-8-sig", newline="") as handle:
        codes = sorted({row["ma_dvhc"] for row in csv.DictReader(handle) if row["cap"] == "province"})
    if len(codes) != 1:
        raise ValueError(f"{units_file()} holds provinces {codes}: set DXSTATS_PROVINCES to those this "
                         "deployment ingests")
    return codes


def province_landing(province: str) -> Path:
    """Where a province's files land: the landing root itself for a deployment of one province, else
    ``<landing>/<province>/`` (each holding ``<source>/<period>/``)."""
    if province not in provinces():
        raise ValueError(f"province {province!r} is not one this deployment ingests (DXSTATS_PROVINCES: "
                         f"{', '.join(provinces())})")
    return landing_dir() if len(provinces()) == 1 else landing_dir() / province


def reference_dir() -> Path:
    """Folder of agency and procedure reference files."""
    return _path_setting("DXSTATS_REFERENCE_DIR", PROJECT_ROOT / "data" / "sample" / "reference")


def units_file() -> Path:
    """Administrative units (GSO codes), one row per version (``scripts/build_unit_history.py``)."""
    return _path_setting(
        "DXSTATS_UNITS_FILE", PROJECT_ROOT / "data" / "reference" / "units.csv"
    )


def outbox_dir() -> Path:
    """Where generated report files are written."""
    return _path_setting("DXSTATS_OUTBOX_DIR", PROJECT_ROOT / "var" / "outbox")


def validation_dir() -> Path:
    """Where each batch's validation page is written (linked from ``audit.batches.validation_report``)."""
    return _path_setting("DXSTATS_VALIDATION_DIR", PROJECT_ROOT / "var" / "validation")


def default_duckdb_path() -> Path:
    """The embedded warehouse file used when nothing else is configured."""
    return _path_setting("DXSTATS_DUCKDB_PATH", PROJECT_ROOT / "var" / "warehouse.duckdb")


def max_rejected_share() -> float:
    """The share of a file's rows that may be rejected before the whole period is refused (default 0.5)."""
    value = float(os.environ.get("DXSTATS_MAX_REJECTED_SHARE", "0.5"))
    if not 0 <= value <= 1:
        raise ValueError(f"DXSTATS_MAX_REJECTED_SHARE={value}: expected a share between 0 and 1")
    return value


def chunk_rows() -> int:
    """Rows the ingest holds at a time (``DXSTATS_CHUNK_ROWS``, default 200,000): memory follows this, not the file.

    A chunk of the portal's export costs about 1.8 KiB a row in flight (its text, typed frame, the
    suite's frames, the COPY's Arrow table), and a few chunks are held (one written, one checked, two
    waiting for their checks, the next read and typed), so the default peaks at 1.0-1.3 GiB even for a
    10M-row month (at 250,000 rows runs peaked at 1.17-1.43 GiB: too near the 1.5 GiB goal); larger
    chunks save only a little of the suite's fixed cost per chunk.
    """
    value = int(os.environ.get("DXSTATS_CHUNK_ROWS", "200000"))
    if value < 1:
        raise ValueError(f"DXSTATS_CHUNK_ROWS={value}: expected a positive number of rows")
    return value


def warehouse_url() -> str:
    """SQLAlchemy URL of the warehouse.

    Order: ``DXSTATS_WAREHOUSE_URL``; else the Airflow connection ``warehouse`` if one is
    defined; else the embedded DuckDB file. The URL may carry a password, so callers log
    it only through :func:`safe_url`.
    """
    explicit = os.environ.get("DXSTATS_WAREHOUSE_URL")
    if explicit:
        return explicit
    from_airflow = _url_from_airflow_connection(WAREHOUSE_CONN_ID)
    if from_airflow:
        return from_airflow
    return f"duckdb:///{default_duckdb_path()}"


def _url_from_airflow_connection(conn_id: str) -> str | None:
    """Build a SQLAlchemy URL from an Airflow connection, or None when it is not defined."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:  # the package is also used outside Airflow (benchmarks, scripts)
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return connection_to_url(conn.conn_type, conn.host, conn.port, conn.login, conn.password, conn.schema)


def connection_to_url(
    conn_type: str,
    host: str | None,
    port: int | None,
    login: str | None,
    password: str | None,
    schema: str | None,
) -> str:
    """Translate Airflow connection fields into a SQLAlchemy URL for our two engines."""
    from sqlalchemy.engine import URL

    if conn_type in ("postgres", "postgresql"):
        url = URL.create(
            "postgresql+psycopg",
            username=login or None,
            password=password or None,
            host=host or None,
            port=port or None,
            database=schema or None,
        )
        return url.render_as_string(hide_password=False)
    if conn_type == "duckdb":
        return f"duckdb:///{host or schema or default_duckdb_path()}"
    raise ValueError(
        f"Airflow connection {WAREHOUSE_CONN_ID!r} has type {conn_type!r}; expected 'postgres' or 'duckdb'"
    )


def safe_url(url: str) -> str:
    """The URL with its password masked, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
