"""Where the warehouse comes from: the environment, an Airflow connection, or the embedded file."""

from __future__ import annotations

import pytest

from dxstats import settings
from dxstats.periods import HalfYear, Month


def test_explicit_url_wins(monkeypatch):
    monkeypatch.setenv("DXSTATS_WAREHOUSE_URL", "duckdb:////tmp/x.duckdb")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://etl:pw@db:5432/warehouse")
    assert settings.warehouse_url() == "duckdb:////tmp/x.duckdb"


def test_airflow_connection_becomes_a_psycopg_url_and_its_password_is_masked(monkeypatch):
    monkeypatch.delenv("DXSTATS_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://etl:s%40cret@db.example:5433/warehouse")
    url = settings.warehouse_url()
    assert url == "postgresql+psycopg://etl:s%40cret@db.example:5433/warehouse"
    assert "s%40cret" not in settings.safe_url(url)
    assert "***" in settings.safe_url(url)


def test_embedded_duckdb_when_nothing_is_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("DXSTATS_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE", raising=False)
    monkeypatch.setenv("DXSTATS_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert settings.warehouse_url() == f"duckdb:///{tmp_path / 'w.duckdb'}"


def test_unsupported_connection_type_is_a_clear_error():
    with pytest.raises(ValueError, match="expected 'postgres' or 'duckdb'"):
        settings.connection_to_url("mysql", "db", 3306, "u", "p", "w")


def test_periods():
    assert [str(m) for m in HalfYear.parse("2022-H2").months][::5] == ["2022-07", "2022-12"]
    assert str(Month.parse("2022-12").end) == "2023-01-01"
    assert Month.parse("2022-06").half_year == HalfYear(2022, 1)
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        Month.parse("2022-13")
    with pytest.raises(ValueError, match="expected YYYY-H1 or YYYY-H2"):
        HalfYear.parse("2022-H3")
