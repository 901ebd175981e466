"""The one place that knows DuckDB from PostgreSQL.

Everything else talks to a :class:`Warehouse`: it runs SQL files from ``include/sql`` with
bound parameters, and bulk-loads a DataFrame with each engine's fast path (COPY on
PostgreSQL, an Arrow scan on DuckDB), inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats import settings

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

DIALECTS = ("duckdb", "postgresql")
COPY_CHUNK_ROWS = 200_000


def sql_file(name: str, dialect: str) -> Path:
    """``include/sql/<name>.sql``, or its ``<name>.<dialect>.sql`` variant where one exists.

    A variant replaces the common file for its engine; a variant alone applies to its engine only.
    """
    variant = settings.SQL_DIR / f"{name}.{dialect}.sql"
    return variant if variant.exists() else settings.SQL_DIR / f"{name}.sql"


def statements(path: Path) -> list[str]:
    """The SQL statements of a file, comments kept, empty ones dropped."""
    import sqlparse

    return [s.strip().rstrip(";") for s in sqlparse.split(path.read_text(encoding="utf-8")) if s.strip()]


class Warehouse:
    """A warehouse engine plus the dialect-specific ways to create, load and query it."""

    def __init__(self, url: str | None = None) -> None:
        from sqlalchemy import create_engine

        self.url = url or settings.warehouse_url()
        if self.url.startswith("duckdb:///"):
            Path(self.url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url)
        self.dialect = self.engine.dialect.name
        if self.dialect not in DIALECTS:
            raise ValueError(f"warehouse {settings.safe_url(self.url)}: expected one of {DIALECTS}")

    def __repr__(self) -> str:
        return f"Warehouse({settings.safe_url(self.url)})"

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed if the block finishes, rolled back if it raises."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Release connections (and DuckDB's file lock)."""
        self.engine.dispose()

    def run(self, conn: Connection, name: str, **params: Any) -> None:
        """Run every statement of ``include/sql/<name>.sql`` with bound parameters."""
        for statement in statements(sql_file(name, self.dialect)):
            conn.execute(_bound(statement, params), params)

    def query(self, conn: Connection, name: str, **params: Any) -> list[Any]:
        """Rows of the single query in ``include/sql/<name>.sql``."""
        (statement,) = statements(sql_file(name, self.dialect))
        return list(conn.execute(_bound(statement, params), params))

    def frame(self, sql: str, **params: Any) -> pd.DataFrame:
        """A query's result as a DataFrame (for tests, reports and analysts' helpers)."""
        import pandas as pd
        from sqlalchemy import text

        with self.engine.connect() as conn:
            result = conn.execute(text(sql), params)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def create_schema(self) -> None:
        """Create or update every schema, table and view (idempotent)."""
        with self.begin() as conn:
            for path in self._ddl_files():
                log.debug("applying %s", path.relative_to(settings.SQL_DIR))
                for statement in statements(path):
                    conn.exec_driver_sql(statement)

    def _ddl_files(self) -> list[Path]:
        """Every DDL and mart file in name order, each resolved for this engine by :func:`sql_file`."""
        files: list[Path] = []
        for folder in ("ddl", "mart"):
            names = sorted({p.name.split(".")[0] for p in (settings.SQL_DIR / folder).glob("*.sql")})
            for name in names:
                path = sql_file(f"{folder}/{name}", self.dialect)
                if path.exists():
                    files.append(path)
        return files

    def bulk_insert(self, conn: Connection, table: str, frame: pd.DataFrame) -> None:
        """Append ``frame``'s rows to ``table`` (``schema.name``; columns by name) in ``conn``'s transaction."""
        if frame.empty:
            return
        import pyarrow as pa

        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        if self.dialect == "postgresql":
            _copy_into_postgres(conn, table, arrow)
            # Fresh statistics, or the planner takes a table it last saw empty for a tiny one
            # and the load's checks turn quadratic (seen: minutes instead of a second at 1M rows).
            conn.exec_driver_sql(f"ANALYZE {_quoted(conn, table)}")
        else:
            _insert_into_duckdb(conn, table, arrow)


def _bound(statement: str, params: dict[str, Any]) -> Any:
    """A text clause whose list parameters expand (``IN :ids``), each element bound on its own."""
    from sqlalchemy import bindparam, text

    clause = text(statement)
    lists = [bindparam(name, expanding=True) for name, value in params.items()
             if isinstance(value, (list, tuple)) and f":{name}" in statement]
    return clause.bindparams(*lists) if lists else clause


def _copy_into_postgres(conn: Connection, table: str, arrow: Any) -> None:
    import pyarrow.csv as pacsv
    from psycopg import sql

    schema, name = table.split(".")
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in arrow.column_names)
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(sql.Identifier(schema, name), columns)
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for batch in arrow.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=False))
            copy.write(buffer.getvalue())


def _quoted(conn: Connection, name: str) -> str:
    """A (schema-qualified) identifier quoted by the connection's dialect."""
    quote = conn.dialect.identifier_preparer.quote
    return ".".join(quote(part) for part in name.split("."))


def _insert_into_duckdb(conn: Connection, table: str, arrow: Any) -> None:
    driver = conn.connection.driver_connection
    view = "_dxstats_bulk"
    driver.register(view, arrow)
    try:
        columns = ", ".join(_quoted(conn, c) for c in arrow.column_names)
        # Identifiers only, quoted by the dialect; values travel in the Arrow table.
        conn.exec_driver_sql(f"INSERT INTO {_quoted(conn, table)} ({columns}) SELECT {columns} FROM {view}")  # noqa: S608
    finally:
        driver.unregister(view)
