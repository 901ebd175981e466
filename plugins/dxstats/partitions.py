"""PostgreSQL fact tables partitioned by month: a month is rebuilt off to the side and swapped in.

Why: writing a million rows into a table that keeps its primary key up to date costs PostgreSQL
about four times what writing them into a bare table and building the index afterwards does
(measured in ``bench/RESULTS.md``). So a month's load writes its rows into
``staging.<table>_<YYYY>_<MM>``, a plain table with the month's CHECK constraint and no index,
then builds its key in one pass and exchanges it for the old partition. All of it runs in the
caller's transaction: readers see the old month until commit, and a failed load leaves it.

DDL takes no bound parameters, so identifiers and the partition bound are composed with
psycopg's ``sql`` module, which quotes them; nothing here comes from input data.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger(__name__)


def partition_name(table: str, period_start: date) -> str:
    """``core.fact_filing`` and 2022-01-01 -> ``fact_filing_2022_01`` (the partition's bare name)."""
    return f"{table.split('.')[1]}_{period_start:%Y_%m}"


def create_partition_staging(conn: Connection, table: str, period_column: str, period_start: date) -> str:
    """A bare table for the month's rows, ``staging.<table>_<YYYY>_<MM>``: no index, the month's CHECK."""
    from psycopg import sql

    schema, name = table.split(".")
    part = partition_name(table, period_start)
    column = sql.Identifier(period_column)
    # The CHECK makes ATTACH skip its validating scan: it already proves the partition bound.
    conn.connection.driver_connection.cursor().execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS, CHECK ({} IS NOT NULL AND {} = {}))").format(
            sql.Identifier("staging", part), sql.Identifier(schema, name), column, column, sql.Literal(period_start)))
    return f"staging.{part}"


def swap_in_partition(conn: Connection, table: str, staging: str, period_start: date) -> None:
    """Key the staged month in one pass and exchange it for the month's partition (made by the function above)."""
    from psycopg import sql

    schema, name = table.split(".")
    part = staging.split(".")[1]
    parent, fresh, final = sql.Identifier(schema, name), sql.Identifier("staging", part), sql.Identifier(schema, part)
    cursor = conn.connection.driver_connection.cursor()
    clock = time.perf_counter()
    key = primary_key(conn, table)
    if key:  # a table without one (portal summaries: a total row has no procedure) gets none
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in key)
        cursor.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(fresh, columns))
    keyed, clock = time.perf_counter() - clock, time.perf_counter()
    if conn.exec_driver_sql("SELECT to_regclass(%(t)s)", {"t": f"{schema}.{part}"}).scalar() is not None:
        cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(parent, final))
        cursor.execute(sql.SQL("DROP TABLE {}").format(final))
    cursor.execute(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(fresh, sql.Identifier(schema)))
    cursor.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        parent, final, sql.Literal(period_start)))
    cursor.execute(sql.SQL("ANALYZE {}").format(final))
    log.debug("%s: keyed in %.2f s, swapped in and analysed in %.2f s", final.as_string(cursor), keyed,
              time.perf_counter() - clock)


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
