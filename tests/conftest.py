"""Shared fixtures: real warehouses (DuckDB file, PostgreSQL database) and a local Airflow home.

Every warehouse test runs on both engines from one parametrised fixture. PostgreSQL tests
use the server on 127.0.0.1:5432, the Celery test also the Redis server on 127.0.0.1:6379;
they skip only outside CI. Under CI=true a missing server fails them, so a green run always
means they ran.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its settings at import: point it at a throwaway home before anything imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="dxstats-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
os.environ.pop("DXSTATS_WAREHOUSE_URL", None)
os.environ["DXSTATS_VALIDATION_DIR"] = tempfile.mkdtemp(prefix="dxstats-validation-")  # batch pages, not in var/

from dxstats.embedded import use_embedded_airflow  # noqa: E402

use_embedded_airflow()

PG_ADMIN_URL = os.environ.get("DXSTATS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
#: the Redis server the Celery test uses as its broker (a database number of its own is added to it)
REDIS_URL = os.environ.get("DXSTATS_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def _pg_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc)


def _redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        return None
    except redis.RedisError as exc:
        return str(exc)


def _required(service: str, problem: str | None) -> None:
    """Fail under CI when a server the test needs is down, skip elsewhere."""
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{service} is required under CI=true and is not reachable: {problem}")
        pytest.skip(f"{service} not reachable: {problem}")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL admin URL; fails under CI when the server is down, skips elsewhere."""
    _required("PostgreSQL", _pg_reachable())
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The Redis server's URL (no database number); fails under CI when it is down, skips elsewhere."""
    _required("Redis", _redis_reachable())
    return REDIS_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = f"dxstats_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(pg_server).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of an empty warehouse of each kind, also set as DXSTATS_WAREHOUSE_URL."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    else:
        url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("DXSTATS_WAREHOUSE_URL", url)
    return url


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator:
    """A warehouse with its schema created and the sample's reference dimensions loaded."""
    from dxstats.reference import load_reference
    from dxstats.warehouse import Warehouse

    wh = Warehouse(warehouse_url)
    wh.create_schema()
    load_reference(wh)
    yield wh
    wh.close()


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty landing folder, set as DXSTATS_LANDING_DIR."""
    root = tmp_path / "landing"
    root.mkdir()
    monkeypatch.setenv("DXSTATS_LANDING_DIR", str(root))
    return root


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The session's Airflow metadata database (SQLite), migrated once."""
    from dxstats.embedded import migrate_metadata

    migrate_metadata()
    return _AIRFLOW_HOME


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A real SMTP server on a free local port, named by the ``smtp_report`` connection; yields its mailbox."""
    from aiosmtpd.controller import Controller
    from mail import Mailbox, free_port, set_connection

    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    set_connection(monkeypatch, port)
    try:
        yield mailbox
    finally:
        controller.stop()
