"""The one place that knows DuckDB from PostgreSQL.

Everything else talks to a :class:`Warehouse`: it runs SQL files from ``include/sql`` with
bound parameters, and bulk-loads a DataFrame with each engine's fast path (COPY on
PostgreSQL, an Arrow scan on DuckDB), inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats import settings

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection, Engine

    from dxstats.slices import Slice

log = logging.getLogger(__name__)

DIALECTS = ("duckdb", "postgresql")
COPY_CHUNK_ROWS = 200_000


def sql_file(name: str, dialect: str) -> Path:
    """``include/sql/<name>.sql``, or its ``<name>.<dialect>.sql`` variant where one exists.

    A variant replaces the common file for its engine; a variant alone applies to its engine only.
    A clause that only one engine has (PostgreSQL's partitioning) is written in the common file
    as a ``/*postgresql: …*/`` comment instead (:func:`statements`), so that a table is declared once.
    """
    variant = settings.SQL_DIR / f"{name}.{dialect}.sql"
    return variant if variant.exists() else settings.SQL_DIR / f"{name}.sql"


#: a clause for one engine in a common file, ``/*postgresql: PARTITION BY LIST (month)*/``: SQL to that engine,
#: a comment to the others
_ENGINE_CLAUSE = re.compile(r"/\*(" + "|".join(DIALECTS) + r"):(.*?)\*/", re.DOTALL)


def for_engine(text: str, dialect: str) -> str:
    """SQL text with its engine clauses (``/*<dialect>: …*/``) made SQL for ``dialect``, the others' left out."""
    return _ENGINE_CLAUSE.sub(lambda m: m.group(2).strip() if m.group(1) == dialect else "", text)


def statements(path: Path, dialect: str) -> list[str]:
    """The SQL statements of a file for ``dialect``, comments kept, and its engine clauses made SQL
    (:func:`for_engine`): a statement only one engine has leaves only its comments on the others, and a
    statement of nothing but comments is dropped."""
    return list(_split(path.read_text(encoding="utf-8"), dialect))


@functools.lru_cache(maxsize=512)
def _split(text: str, dialect: str) -> tuple[str, ...]:
    """:func:`statements` of a file's text, worked out once per text and engine: sqlparse takes a few
    milliseconds a file, and loads run the same few files for every period (the main job ~260 times, about
    a second). Keyed by the text itself, so an edited file is split again."""
    import sqlparse

    text = for_engine(text, dialect)
    return tuple(s.strip().rstrip(";").rstrip() for s in sqlparse.split(text) if _has_code(s))


def _has_code(statement: str) -> bool:
    """Whether a statement is more than comments, blanks and semicolons. Read from sqlparse's tokens: having
    sqlparse format the statement without its comments parsed it again, three quarters of the time to split
    the project's files (0.8 s a process and engine on a slow machine, and a task is a process)."""
    from sqlparse import lexer
    from sqlparse import tokens as T

    return any(not (kind in T.Whitespace or kind in T.Comment or (kind is T.Punctuation and value == ";"))
               for kind, value in lexer.tokenize(statement))


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

    def _statements(self, name: str) -> list[str]:
        """The statements of ``include/sql/<name>.sql`` as this engine runs them (its variant, its clauses)."""
        return statements(sql_file(name, self.dialect), self.dialect)

    def run(self, conn: Connection, name: str, **params: Any) -> None:
        """Run every statement of ``include/sql/<name>.sql`` with bound parameters."""
        for statement in self._statements(name):
            conn.execute(_bound(statement, params), params)

    def query(self, conn: Connection, name: str, **params: Any) -> list[Any]:
        """Rows of the single query in ``include/sql/<name>.sql``."""
        (statement,) = self._statements(name)
        return list(conn.execute(_bound(statement, params), params))

    def frame(self, sql: str, **params: Any) -> pd.DataFrame:
        """A query's result as a DataFrame (for tests, reports and analysts' helpers); a list parameter expands
        (``IN :codes``).

        On PostgreSQL the query runs without JIT compilation (``SET LOCAL jit = off``, its own transaction only,
        so a connection pooler's other clients never see it). PostgreSQL compiles a query whose estimated cost
        passes ``jit_above_cost``, in the leader and each parallel worker; the marts are many expressions over
        plans it costs high, and compiling cost more than it saved: a national half-year's report queries took
        51 s with it and 37 s without, the institutional indicators 1.7 s and 0.09 s (``bench/RESULTS.md``,
        machine P). Loads are left as they are: the 1M-row ingest took the same time either way.
        """
        import pandas as pd

        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("SET LOCAL jit = off")
            result = conn.execute(_bound(sql, params), params)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def exclusive(self, conn: Connection, what: str = "maintenance") -> None:
        """Hold the warehouse's lock named ``what`` until ``conn``'s transaction ends (PostgreSQL).

        On 1 January and 1 July every ingest DAG starts at once, and each first applies the schema and
        reloads the reference dimensions: two of those at the same time would insert the same rows twice
        (``maintenance``). Loads of different months run in parallel, but each one's last check, "is a
        key already loaded for another month", must see the others' commits (the table's name).
        DuckDB has one writer at a time anyway.
        """
        if self.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _lock_key(what)})

    def create_schema(self, *, force: bool = False) -> None:
        """Create or update every schema, table and view (idempotent); nothing to do when the DDL has not
        changed since it was last applied here, unless ``force``."""
        files = self._ddl_files()
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()
        with self.begin() as conn:
            self.exclusive(conn)
            if not force and self.applied(conn, "schema") == digest:
                return
            _refuse_tables_without_province(conn)
            self._drop_views(conn)
            for path in files:
                log.debug("applying %s", path.relative_to(settings.SQL_DIR))
                for statement in statements(path, self.dialect):
                    # Straight to the driver, without parameters: a "%" in DDL text is not a placeholder.
                    conn.connection.driver_connection.execute(statement)
            self.record_applied(conn, "schema", digest)

    def applied(self, conn: Connection, what: str) -> str | None:
        """The digest ``what`` (``schema``, ``reference``) was last applied with, if any."""
        exists = conn.exec_driver_sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'audit' "
                                      "AND table_name = 'applied_versions'").scalar()
        if not exists:
            return None
        from sqlalchemy import text

        return conn.execute(text("SELECT digest FROM audit.applied_versions WHERE what = :what"),
                            {"what": what}).scalar()

    def record_applied(self, conn: Connection, what: str, digest: str) -> None:
        from sqlalchemy import text

        conn.execute(text("DELETE FROM audit.applied_versions WHERE what = :what"), {"what": what})
        conn.execute(text("INSERT INTO audit.applied_versions (what, digest, applied_at) VALUES (:what, :digest, "
                          ":applied_at)"), {"what": what, "digest": digest, "applied_at": datetime.now()})

    def _drop_views(self, conn: Connection) -> None:
        """PostgreSQL's CREATE OR REPLACE VIEW cannot rename or drop a column, so a new version's views are
        created afresh: the old ones go first, in the same transaction (readers never see them missing)."""
        if self.dialect != "postgresql":
            return
        views = conn.exec_driver_sql(
            "SELECT table_schema, table_name FROM information_schema.views "
            "WHERE table_schema IN ('staging', 'core', 'mart', 'audit')").fetchall()
        for schema, name in views:
            conn.exec_driver_sql(f'DROP VIEW IF EXISTS "{schema}"."{name}" CASCADE')

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
        """Append ``frame``'s rows to ``table`` (``schema.name``; columns by name) in ``conn``'s transaction, and
        refresh its statistics (:meth:`analyse`): for a table filled once, such as a reference table."""
        if not frame.empty:
            self.append(conn, table, frame)
            self.analyse(conn, table)

    def replace_period(self, conn: Connection, piece: Slice, frames: Iterable[pd.DataFrame]) -> None:
        """Replace a slice's rows (one period of one province) with ``frames``' rows, in ``conn``'s transaction.

        Before ``conn``'s transaction, :meth:`prepare_slice` must have run for the slice.
        """
        staging = self.stage_period(conn, piece)
        for frame in frames:
            self.append(conn, staging, frame)
        self.analyse(conn, staging)
        self.key_staged(conn, piece, staging)
        self.swap_period(conn, piece, staging)

    def prepare_slice(self, piece: Slice) -> None:
        """Make what a slice's load needs that must outlive the load's transaction: on PostgreSQL, the period's
        partition (shared by the period's provinces), in a short transaction of its own, one maker at a time."""
        from dxstats.partitions import ensure_period_partition, is_partitioned

        if self.dialect != "postgresql":
            return
        with self.begin() as conn:
            if is_partitioned(conn, piece.table):
                self.exclusive(conn, f"partitions:{piece.table}")
                ensure_period_partition(conn, piece)

    def stage_period(self, conn: Connection, piece: Slice) -> str:
        """A bare table shaped like the slice's table (no key, no index) where a load writes the slice's rows.

        Rows are written there chunk by chunk and checked before they replace the slice
        (:meth:`swap_period`), all in ``conn``'s transaction: a failed load leaves no trace.
        """
        from dxstats.partitions import create_partition_staging, is_partitioned

        if self.dialect == "postgresql" and is_partitioned(conn, piece.table):
            return create_partition_staging(conn, piece)
        staging = f"staging.{piece.name}"
        # Identifiers only, quoted by the dialect.
        source = _quoted(conn, piece.table)
        shape = (f"(LIKE {source} INCLUDING DEFAULTS)" if self.dialect == "postgresql"
                 else f"AS SELECT * FROM {source} LIMIT 0")  # noqa: S608
        conn.exec_driver_sql(f"CREATE TABLE {_quoted(conn, staging)} {shape}")
        return staging

    def append(self, conn: Connection, table: str, frame: pd.DataFrame) -> int:
        """Add ``frame``'s rows to ``table`` and leave its statistics alone: a staged period, analysed once when
        full, or an audit table shared by loads running side by side (an ANALYZE in one load's transaction
        would make the others' wait for its commit: PostgreSQL lets one ANALYZE of a table run at a time).

        Returns the rows the warehouse says it added (COPY's or INSERT's own count), which a load's
        accounting keeps instead of counting the table again.
        """
        if frame.empty:
            return 0
        if self.dialect == "postgresql":
            return _copy_into_postgres(conn, table, frame)
        return _insert_into_duckdb(conn, table, frame)

    def analyse(self, conn: Connection, table: str) -> None:
        """Fresh planner statistics after a bulk write (PostgreSQL; DuckDB keeps its own as it writes).

        Without them PostgreSQL plans a freshly filled table as the empty one it last saw, and the
        load's checks turn quadratic (seen: minutes instead of a second at 1M rows).
        """
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {_quoted(conn, table)}")

    def key_staged(self, conn: Connection, piece: Slice, staging: str) -> None:
        """Build a staged slice's key before :meth:`swap_period` (PostgreSQL's partitioned tables; elsewhere the
        table's own key checks the rows as they are copied in). Loads side by side each build theirs at once."""
        from dxstats.partitions import is_partitioned, key_staged_partition

        if self.dialect == "postgresql" and is_partitioned(conn, piece.table):
            key_staged_partition(conn, piece, staging)

    def swap_period(self, conn: Connection, piece: Slice, staging: str) -> None:
        """Replace the slice's rows with the staged ones (analysed, and keyed by :meth:`key_staged`), and drop the
        staging table.

        On PostgreSQL the large fact tables are partitioned by period and province: the staged
        slice is exchanged for its old leaf (:mod:`dxstats.partitions`). Elsewhere the slice is
        deleted and the staged rows copied in (DuckDB's zone maps find a period without an index).
        """
        from dxstats.partitions import is_partitioned, swap_in_partition

        if self.dialect == "postgresql" and is_partitioned(conn, piece.table):
            swap_in_partition(conn, piece, staging)
            return
        target, staged = _quoted(conn, piece.table), _quoted(conn, staging)
        where = piece.where(lambda c: _quoted(conn, c))
        self._execute(conn, f"DELETE FROM {target} WHERE {where}", **piece.params)  # noqa: S608
        conn.exec_driver_sql(f"INSERT INTO {target} SELECT * FROM {staged}")  # noqa: S608
        conn.exec_driver_sql(f"DROP TABLE {staged}")
        self.analyse(conn, piece.table)

    def delete_rejected(self, conn: Connection, table: str, piece: Slice, batch_ids: list[str]) -> dict[str, int]:
        """Delete the slice's rows in ``table`` (core or staging) of ``batch_ids`` that ``audit.rejected_rows``
        lists (same transaction); the rows deleted, per batch that lost any, as the warehouse counts them (one
        pass over the table, whatever the number of batches)."""
        rejected = ("EXISTS (SELECT 1 FROM audit.rejected_rows AS r WHERE r.batch_id IN :batch_ids"
                    " AND r.batch_id = f.batch_id AND r.source_row = f.source_row)")
        where = piece.where(lambda c: _quoted(conn, c), "f")
        statement = (f"WITH gone AS (DELETE FROM {_quoted(conn, table)} AS f WHERE {where} "  # noqa: S608
                     f"AND f.batch_id IN :batch_ids AND {rejected} RETURNING f.batch_id) "
                     "SELECT batch_id, COUNT(*) FROM gone GROUP BY batch_id")
        return {b: int(n) for b, n in self._execute(conn, statement, batch_ids=batch_ids, **piece.params)}

    def staged_values(self, conn: Connection, staging: str, column: str, batch_id: str, rows: Any) -> dict[int, str]:
        """``column``'s text for some file rows of a batch in a staging table: {row: text}.

        For the few rows whose key repeats; asked in slices so that each statement stays small.
        """
        found: dict[int, str] = {}
        select = (f"SELECT source_row, CAST({_quoted(conn, column)} AS VARCHAR) FROM {_quoted(conn, staging)} "  # noqa: S608
                  "WHERE batch_id = :batch_id AND source_row IN :rows")
        for start in range(0, len(rows), 5000):
            part = [int(r) for r in rows[start:start + 5000]]
            found.update((int(r), v) for r, v in self._execute(conn, select, batch_id=batch_id, rows=part))
        return found

    def reject_found(self, conn: Connection, name: str, staging: str, key: str, files: dict[str, str], reason: str,
                     check: str, **params: Any) -> None:
        """Record as rejections the staged rows that query ``include/sql/<name>.sql`` finds, inside the warehouse.

        The query reads the staging table as ``staged`` and returns ``batch_id, source_row, <key>``;
        ``files`` names each batch's file. Nothing comes back to Python, however many rows the query
        finds (a month sent again under another name).
        """
        (query,) = self._statements(name)
        listed = ", ".join(f"(:batch_{i}, :file_{i})" for i in range(len(files)))
        # The project's own SQL file and quoted identifiers; every value is bound.
        value = f"CAST(k.{_quoted(conn, key)} AS VARCHAR(200))"
        columns = "batch_id, file_name, source_row, column_name, value, reason, check_name"
        staged = f"WITH staged AS (SELECT * FROM {_quoted(conn, staging)}) "  # noqa: S608
        statement = (
            f"INSERT INTO audit.rejected_rows ({columns}) SELECT k.batch_id, f.file_name, k.source_row, "  # noqa: S608
            f":column_name, {value}, :reason, :check_name "
            f"FROM ({staged}{query}) AS k JOIN (VALUES {listed}) AS f (batch_id, file_name) ON f.batch_id = k.batch_id"
        )
        for i, (batch_id, file_name) in enumerate(files.items()):
            params.update({f"batch_{i}": batch_id, f"file_{i}": file_name})
        self._execute(conn, statement, column_name=key, reason=reason, check_name=check, **params)

    @staticmethod
    def _execute(conn: Connection, statement: str, **params: Any) -> Any:
        """A statement for any table: identifiers quoted by the caller (dialect), values bound here."""
        return conn.execute(_bound(statement, params), params)


@contextlib.contextmanager
def kept_open(url: str | None = None) -> Iterator[None]:
    """Hold an embedded (DuckDB) warehouse open for the block: for runs of many tasks in one process.

    Each task opens the warehouse and closes it when done, as it must where each task is its own process
    (DuckDB has one writing process at a time). Run in one process, as ``dag.test()`` runs the main job's
    hundred tasks, every open read the file's catalogue again and every close wrote a checkpoint: 6.6 s of
    the main job's 123 s profiled on a slow machine (``bench/RESULTS.md``). While a connection is held here,
    DuckDB lends each task's engine the database already open in this process; it checkpoints as its log
    grows, and once more when the block ends and the file is closed. PostgreSQL needs nothing held.

    If the warehouse cannot be opened here (another process holds the file, the settings are wrong), the block
    runs without: each task then opens it itself, and fails, with its alert, if it still cannot.
    """
    try:
        warehouse = Warehouse(url)
        held = warehouse.engine.connect() if warehouse.dialect == "duckdb" else None
    except Exception as exc:  # only an optimisation: whatever stops it, the tasks meet and report
        cause = getattr(exc, "orig", None) or exc
        log.warning("could not hold the warehouse open for this run's tasks, each opens it itself: %s",
                    (str(cause).splitlines() or [type(cause).__name__])[0])
        held = None
    if held is None:
        yield
        return
    try:
        with held:
            yield
    finally:
        warehouse.close()


def _refuse_tables_without_province(conn: Connection) -> None:
    """A warehouse built before loads were scoped to a province keeps its old fact tables (the DDL only creates
    missing ones), and every load into them would fail on the column: say so once, clearly, and change nothing."""
    from sqlalchemy import text

    old = [r[0] for r in conn.execute(text(
        "SELECT t.table_name FROM information_schema.tables AS t WHERE t.table_schema = 'core' "
        "AND t.table_name LIKE :fact AND t.table_type = 'BASE TABLE' AND NOT EXISTS ("
        "SELECT 1 FROM information_schema.columns AS c WHERE c.table_schema = 'core' "
        "AND c.table_name = t.table_name AND c.column_name = 'province_code') ORDER BY 1"), {"fact": "fact%"})]
    if old:
        raise RuntimeError(f"core tables {', '.join(old)} predate the province column that every load now "
                           "writes: rebuild this warehouse from the landing files (docs/runbook.md, \"Several "
                           "provinces\"); nothing was changed")


def _lock_key(what: str) -> int:
    """A stable 63-bit advisory lock key for a name (the same in every process)."""
    return int.from_bytes(hashlib.sha256(f"dxstats:{what}".encode()).digest()[:8], "big") >> 1


def _bound(statement: str, params: dict[str, Any]) -> Any:
    """A text clause whose list parameters expand (``IN :ids``), each element bound on its own."""
    from sqlalchemy import bindparam, text

    clause = text(statement)
    lists = [bindparam(name, expanding=True) for name, value in params.items()
             if isinstance(value, (list, tuple)) and f":{name}" in statement]
    return clause.bindparams(*lists) if lists else clause


def _copy_into_postgres(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """COPY in PostgreSQL's binary format: no text to format here or to parse there (half the time of CSV)."""
    from pgpq import ArrowToPostgresBinaryEncoder
    from psycopg import sql

    clock = time.perf_counter()
    arrow = _arrow_for(conn, table, frame)
    log.debug("%s: %d rows typed for COPY in %.2f s", table, len(frame), time.perf_counter() - clock)
    schema, name = table.split(".")
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in arrow.column_names)
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(sql.Identifier(schema, name), columns)
    encoder = ArrowToPostgresBinaryEncoder(arrow.schema)
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy(copy_sql) as copy:
            copy.write(encoder.write_header())
            for batch in arrow.to_batches(max_chunksize=COPY_CHUNK_ROWS):
                copy.write(encoder.write_batch(batch))
            copy.write(encoder.finish())
        return cursor.rowcount  # COPY's own count: set once the copy has ended, forgotten when the cursor closes


# The binary format carries each value in its column's exact type: the frame is cast to these first.
_ARROW_TYPES = {
    "smallint": "int16", "integer": "int32", "bigint": "int64", "double precision": "float64", "boolean": "bool_",
    "date": "date32",
    "timestamp without time zone": "timestamp", "text": "large_string", "character varying": "large_string",
    "character": "large_string",
}


def _arrow_for(conn: Connection, table: str, frame: pd.DataFrame) -> Any:
    """``frame`` as an Arrow table typed like ``table``'s columns (a safe cast: an overflow raises)."""
    import pyarrow as pa

    rows = conn.exec_driver_sql(
        "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute AS a "
        "WHERE a.attrelid = %(table)s::regclass AND a.attnum > 0 AND NOT a.attisdropped", {"table": table})
    types = dict(rows.fetchall())
    fields = []
    for column in frame.columns:
        kind = _ARROW_TYPES.get(types.get(column, ""))
        if kind is None:
            raise TypeError(f"{table}.{column}: no binary COPY mapping for type {types.get(column)!r}")
        fields.append(pa.field(column, pa.timestamp("us") if kind == "timestamp" else getattr(pa, kind)()))
    return pa.Table.from_pandas(frame, preserve_index=False).cast(pa.schema(fields))


def _quoted(conn: Connection, name: str) -> str:
    """A (schema-qualified) identifier quoted by the connection's dialect."""
    quote = conn.dialect.identifier_preparer.quote
    return ".".join(quote(part) for part in name.split("."))


def _insert_into_duckdb(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    import pyarrow as pa

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    driver = conn.connection.driver_connection
    view = "_dxstats_bulk"
    driver.register(view, arrow)
    try:
        columns = ", ".join(_quoted(conn, c) for c in arrow.column_names)
        # Identifiers only, quoted by the dialect; values travel in the Arrow table.
        statement = f"INSERT INTO {_quoted(conn, table)} ({columns}) SELECT {columns} FROM {view}"  # noqa: S608
        return conn.exec_driver_sql(statement).rowcount
    finally:
        # After a failed insert DuckDB refuses everything until rollback, unregistering too: keep the
        # insert's error, not that one (the next register of the name replaces the view anyway).
        with contextlib.suppress(Exception):
            driver.unregister(view)
