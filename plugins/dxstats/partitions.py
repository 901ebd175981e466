"""PostgreSQL fact tables partitioned by period, each period by province: a slice is rebuilt aside and swapped in.

Why: writing a million rows into a table that keeps its primary key up to date costs PostgreSQL
about four times what writing them into a bare table and building the index afterwards does
(measured in ``bench/RESULTS.md``). So a load writes its slice (one period of one province,
:class:`dxstats.slices.Slice`) into ``staging.<table>_<YYYY>_<MM>_<province>``, a plain table whose
CHECK states the slice and which has no index, builds its key in one pass, and exchanges it for the
old leaf of ``core.<table>_<YYYY>_<MM>`` (the period's partition, partitioned by ``province_code``).
The load's part runs in its transaction: readers see the old slice until commit, and a failed load
leaves it. Provinces of one month are separate leaves, so their loads do not touch each other's rows.

DDL takes no bound parameters, so identifiers and the partition bounds are composed with psycopg's
``sql`` module, which quotes them; nothing here comes from input data.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from dxstats.slices import PROVINCE_COLUMN

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from dxstats.slices import Slice

log = logging.getLogger(__name__)


def ensure_period_partition(conn: Connection, piece: Slice) -> None:
    """The period's partition ``core.<table>_<YYYY>_<MM>``, partitioned by province, made if it is missing.

    Made empty and attached (a lighter lock on the parent than ``CREATE ... PARTITION OF``), in the
    caller's short transaction of its own: two provinces' loads of a new month must not both make it.
    """
    from psycopg import sql

    schema, name = piece.table.split(".")
    if _exists(conn, f"{schema}.{piece.period_name}"):
        return
    parent, period = sql.Identifier(schema, name), sql.Identifier(schema, piece.period_name)
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS) PARTITION BY LIST ({})").format(
        period, parent, sql.Identifier(PROVINCE_COLUMN)))
    cursor.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        parent, period, sql.Literal(piece.period_start)))


def create_partition_staging(conn: Connection, piece: Slice) -> str:
    """A bare table for the slice's rows, ``staging.<table>_<YYYY>_<MM>_<province>``: no index, the slice's CHECK."""
    from psycopg import sql

    schema, name = piece.table.split(".")
    period, province = sql.Identifier(piece.period_column), sql.Identifier(PROVINCE_COLUMN)
    # The CHECK makes ATTACH skip its validating scan: it already proves the partition bounds.
    conn.connection.driver_connection.cursor().execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS, CHECK ({} IS NOT NULL AND {} = {} "
                "AND {} IS NOT NULL AND {} = {}))").format(
            sql.Identifier("staging", piece.name), sql.Identifier(schema, name), period, period,
            sql.Literal(piece.period_start), province, province, sql.Literal(piece.province)))
    return f"staging.{piece.name}"


def key_staged_partition(conn: Connection, piece: Slice, staging: str) -> None:
    """Build the staged slice's primary key in one pass: before the swap, so that loads side by side build theirs
    at the same time rather than in turn."""
    from psycopg import sql

    key = primary_key(conn, piece.table)
    if not key:  # a table without one (portal summaries: a total row has no procedure) gets none
        return
    clock = time.perf_counter()
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in key)
    conn.connection.driver_connection.cursor().execute(
        sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(sql.Identifier(*staging.split(".")), columns))
    log.debug("%s: keyed in %.2f s", staging, time.perf_counter() - clock)


def swap_in_partition(conn: Connection, piece: Slice, staging: str) -> None:
    """Exchange the staged slice (analysed, and keyed by the function above) for the slice's leaf partition."""
    from psycopg import sql

    schema = piece.table.split(".")[0]
    period, fresh = sql.Identifier(schema, piece.period_name), sql.Identifier(*staging.split("."))
    final = sql.Identifier(schema, piece.name)
    cursor = conn.connection.driver_connection.cursor()
    clock = time.perf_counter()
    if _exists(conn, f"{schema}.{piece.name}"):
        cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(period, final))
        cursor.execute(sql.SQL("DROP TABLE {}").format(final))
    cursor.execute(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(fresh, sql.Identifier(schema)))
    cursor.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        period, final, sql.Literal(piece.province)))
    # No ANALYZE here: the staged table was analysed once written (statistics belong to the table, and
    # it is the same table now); another would read the slice again (0.16 s a million rows) for nothing.
    log.debug("%s: swapped in in %.2f s", final.as_string(cursor), time.perf_counter() - clock)


def _exists(conn: Connection, name: str) -> bool:
    return conn.exec_driver_sql("SELECT to_regclass(%(t)s)", {"t": name}).scalar() is not None


def is_partitioned(conn: Connection, table: str) -> bool:
    """A partitioned parent (small tables, and ones made before partitioning, are replaced in place)."""
    kind = conn.exec_driver_sql("SELECT relkind FROM pg_class WHERE oid = %(t)s::regclass", {"t": table}).scalar()
    return kind == "p"


def primary_key(conn: Connection, table: str) -> list[str]:
    """The columns of ``table``'s primary key, in key order (the partition's key must match the parent's)."""
    rows = conn.exec_driver_sql(
        "SELECT a.attname FROM pg_index AS i "
        "JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
        "WHERE i.indrelid = %(t)s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey::int2[], a.attnum)", {"t": table})
    return [r[0] for r in rows]
