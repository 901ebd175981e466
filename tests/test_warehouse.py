"""The one place that knows the engines apart: which SQL applies where, how a period is replaced."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dxstats.slices import Slice
from dxstats.warehouse import Warehouse, statements

COLUMNS_SQL = """
SELECT column_name, data_type, is_nullable FROM information_schema.columns
WHERE table_schema = 'core' AND table_name = 'fact_filing' ORDER BY ordinal_position
"""


def test_engine_variants_apply_to_their_engine_only(warehouse):
    names = [p.name for p in warehouse._ddl_files()]
    assert names[0] == "00_schemas.sql"
    assert "filing_indicators.sql" in names
    assert "30_portal.sql" in names
    assert ("90_grants.postgresql.sql" in names) == (warehouse.dialect == "postgresql")


def test_engine_clauses_are_sql_to_their_engine_and_left_out_elsewhere(tmp_path):
    path = tmp_path / "t.sql"
    path.write_text("-- a table\nCREATE TABLE t (\n    a VARCHAR(3) /*postgresql: COLLATE \"C\"*/ NOT NULL\n)"
                    " /*postgresql: PARTITION BY LIST (a)*/;\nSELECT 1 /*duckdb:+ 1*/;\n"
                    "-- an index on PostgreSQL only\n/*postgresql: CREATE INDEX i ON t (a)*/;\n", encoding="utf-8")
    assert statements(path, "postgresql") == [
        '-- a table\nCREATE TABLE t (\n    a VARCHAR(3) COLLATE "C" NOT NULL\n) PARTITION BY LIST (a)', "SELECT 1",
        "-- an index on PostgreSQL only\nCREATE INDEX i ON t (a)"]
    # the index's comment alone is no statement for DuckDB
    assert statements(path, "duckdb") == ["-- a table\nCREATE TABLE t (\n    a VARCHAR(3)  NOT NULL\n)", "SELECT 1 + 1"]


def test_a_statement_of_comments_alone_is_dropped_and_text_that_looks_like_one_is_kept(tmp_path):
    path = tmp_path / "c.sql"
    path.write_text("/* a note\n   on two lines */;\n-- and a line\n;\nSELECT '-- a value, not a comment' AS v;\n"
                    "SELECT 1 /* inline */ AS w;\n;;\n", encoding="utf-8")
    assert statements(path, "duckdb") == ["SELECT '-- a value, not a comment' AS v", "SELECT 1 /* inline */ AS w"]


def test_a_sql_file_is_split_once_per_text_and_again_when_it_changes(tmp_path, monkeypatch):
    import sqlparse

    from dxstats import warehouse

    warehouse._split.cache_clear()  # a text split earlier in this process would not be split again
    split, texts = sqlparse.split, []
    monkeypatch.setattr(sqlparse, "split", lambda text: texts.append(text) or split(text))
    path = tmp_path / "q.sql"
    path.write_text("-- rows of one batch\nSELECT 1 AS first;\n", encoding="utf-8")
    assert [statements(path, "duckdb") for _ in range(3)] == [["-- rows of one batch\nSELECT 1 AS first"]] * 3
    path.write_text("SELECT 2 AS second;", encoding="utf-8")
    assert statements(path, "duckdb") == ["SELECT 2 AS second"]
    assert statements(path, "postgresql") == ["SELECT 2 AS second"]
    assert len(texts) == 3  # the first text once, the second once for each engine


@pytest.mark.postgres
def test_postgresql_reads_compile_no_query_and_leave_the_session_as_it_was(pg_url):
    """A query read through ``frame`` runs with ``jit`` off on PostgreSQL (the report's marts lost more to
    compiling than they gained, bench/RESULTS.md), over the database's own default, for its own transaction only:
    the next statement on the same pooled connection sees the default again."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    warehouse = Warehouse(pg_url)
    try:
        with warehouse.engine.connect() as conn:  # the database's default is JIT on, whatever the server's
            database = conn.dialect.identifier_preparer.quote(make_url(pg_url).database)
            conn.exec_driver_sql(f"ALTER DATABASE {database} SET jit = on")  # an identifier: no bind parameter
            conn.commit()
        warehouse.engine.dispose()  # new sessions read the database's new default
        read = warehouse.frame("SELECT current_setting('jit') AS jit")["jit"].tolist()
        with warehouse.engine.connect() as conn:  # the same pooled connection, after the read
            after = conn.execute(text("SELECT current_setting('jit')")).scalar()
    finally:
        warehouse.close()
    assert (read, after) == (["off"], "on")


@pytest.mark.postgres
def test_postgresql_partitions_the_monthly_facts_declared_once(pg_url):
    """The common DDL's PostgreSQL clauses: monthly facts partitioned by month, filing ids in byte order."""
    warehouse = Warehouse(pg_url)
    try:
        warehouse.create_schema()
        kinds = dict(warehouse.frame(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'core' AND c.relname IN ('fact_filing', 'fact_portal_summary', "
            "'fact_telecom_coverage')").itertuples(index=False))
        collation = warehouse.frame(
            "SELECT collation_name FROM information_schema.columns WHERE table_schema = 'core' "
            "AND table_name = 'fact_filing' AND column_name = 'filing_id'")["collation_name"].tolist()
    finally:
        warehouse.close()
    assert kinds == {"fact_filing": "p", "fact_portal_summary": "p", "fact_telecom_coverage": "p"}
    assert collation == ["C"]


@pytest.mark.postgres
def test_both_engines_build_the_same_fact_table(pg_url, tmp_path):
    """One DDL file, two engines: the columns, their order, nullability and kinds agree."""
    engines = [Warehouse(pg_url), Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")]
    try:
        for engine in engines:
            engine.create_schema()
        postgres, duckdb = (e.frame(COLUMNS_SQL) for e in engines)
    finally:
        for engine in engines:
            engine.close()
    assert postgres["column_name"].tolist() == duckdb["column_name"].tolist()
    assert postgres["is_nullable"].tolist() == duckdb["is_nullable"].tolist()
    same_kind = {"character varying": "VARCHAR", "smallint": "SMALLINT", "bigint": "BIGINT",
                 "date": "DATE", "boolean": "BOOLEAN", "timestamp without time zone": "TIMESTAMP"}
    assert [same_kind[t] for t in postgres["data_type"]] == duckdb["data_type"].tolist()


def fact_rows(month: date, ids: list[str], province: str = "82") -> pd.DataFrame:
    received = datetime(month.year, month.month, 3, 8, 30)
    return pd.DataFrame({
        "filing_id": ids, "export_month": month, "province_code": province, "procedure_code": "1.001",
        "service_level": "toan_trinh", "agency_code": "A", "unit_code": "28411", "channel": 2,
        "received_at": received, "due_at": received, "finished_at": [None] * len(ids), "status": 1,
        "has_fee": False, "paid_online": False, "digitised": True, "e_result": False, "synced": True,
        "batch_id": "b", "source_row": range(2, len(ids) + 2),
    })


def replace(warehouse: Warehouse, month: date, frames: list[pd.DataFrame], province: str = "82") -> None:
    """One load's replacement of a slice, as :func:`dxstats.load.load_period` does it (without the checks)."""
    piece = Slice("core.fact_filing", "export_month", month, province)
    warehouse.prepare_slice(piece)
    with warehouse.begin() as conn:
        warehouse.replace_period(conn, piece, frames)


def test_replacing_a_slice_touches_that_period_of_that_province_only(warehouse):
    jan, feb = date(2022, 1, 1), date(2022, 2, 1)
    replace(warehouse, jan, [fact_rows(jan, ["j1", "j2"])])
    replace(warehouse, feb, [fact_rows(feb, ["f1"])])
    replace(warehouse, jan, [fact_rows(jan, ["k1"], "83")], "83")
    replace(warehouse, jan, [fact_rows(jan, ["j3"]), fact_rows(jan, ["j4"])])
    facts = warehouse.frame("SELECT province_code, filing_id FROM core.fact_filing ORDER BY 1, 2")
    assert facts.values.tolist() == [["82", "f1"], ["82", "j3"], ["82", "j4"], ["83", "k1"]]
    if warehouse.dialect == "postgresql":  # each period a partition of the table, each province one of the period
        partitions = warehouse.frame(
            "SELECT p.relname AS parent, c.relname, n.nspname, c.relkind FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE p.relname LIKE 'fact_filing%' AND c.relkind IN ('p', 'r') ORDER BY 1, 2")
        assert partitions.values.tolist() == [
            ["fact_filing", "fact_filing_2022_01", "core", "p"], ["fact_filing", "fact_filing_2022_02", "core", "p"],
            ["fact_filing_2022_01", "fact_filing_2022_01_82", "core", "r"],
            ["fact_filing_2022_01", "fact_filing_2022_01_83", "core", "r"],
            ["fact_filing_2022_02", "fact_filing_2022_02_82", "core", "r"]]
    # the key holds (on PostgreSQL each partition carries the parent's), and a failed replacement changes nothing
    with pytest.raises(Exception, match="is duplicated|[Dd]uplicate key"):
        replace(warehouse, feb, [fact_rows(feb, ["x", "x"])])
    assert warehouse.frame("SELECT filing_id FROM core.fact_filing WHERE export_month = '2022-02-01'")[
        "filing_id"].tolist() == ["f1"]


@pytest.mark.postgres
def test_binary_copy_refuses_a_value_its_column_cannot_hold(pg_url):
    warehouse = Warehouse(pg_url)
    warehouse.create_schema()
    rows = fact_rows(date(2022, 1, 1), ["a"]).assign(channel=70_000)  # SMALLINT holds up to 32,767
    with pytest.raises(Exception, match="not in range"):
        replace(warehouse, date(2022, 1, 1), [rows])
    warehouse.close()


@pytest.mark.postgres
def test_analysts_read_the_mart_and_nothing_else(pg_url, pg_server):
    """The `analyst` group role (docker/postgres-init.sh) may read mart views, not the core tables beneath them."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    from dxstats.warehouse import Warehouse

    login = f"analyst_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute("DO $$ BEGIN CREATE ROLE analyst NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        admin.execute(f"CREATE ROLE {login} LOGIN IN ROLE analyst")
    try:
        warehouse = Warehouse(pg_url)
        warehouse.create_schema()
        warehouse.close()
        url = make_url(pg_url).set(drivername="postgresql", username=login)
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            assert conn.execute("SELECT COUNT(*) FROM mart.filing_indicators").fetchone() == (0,)
        for table in ("core.fact_filing", "audit.batches"):
            with psycopg.connect(url.render_as_string(hide_password=False)) as conn, \
                    pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {login}")
            admin.execute(f"DROP ROLE {login}")


@pytest.mark.postgres
def test_ingest_dags_starting_together_prepare_the_warehouse_one_at_a_time(pg_url):
    """Every ingest DAG applies the schema and reloads the reference first; on 1 July they all start at once."""
    from concurrent.futures import ThreadPoolExecutor

    from dxstats.reference import load_reference
    from dxstats.warehouse import Warehouse

    def prepare(_: int) -> int:
        warehouse = Warehouse(pg_url)
        try:
            warehouse.create_schema()
            return load_reference(warehouse).units
        finally:
            warehouse.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        units = list(pool.map(prepare, range(4)))
    assert len(set(units)) == 1
    warehouse = Warehouse(pg_url)
    assert warehouse.frame("SELECT COUNT(*) AS n FROM core.dim_unit")["n"][0] == units[0]
    warehouse.close()


@pytest.mark.postgres
def test_monthly_fact_tables_are_partitioned_by_month_on_postgresql(pg_url):
    """A month's load swaps one partition; the half-yearly snapshots stay plain tables (one period each)."""
    warehouse = Warehouse(pg_url)
    warehouse.create_schema()
    kinds = warehouse.frame(
        "SELECT c.relname, c.relkind, pg_get_partkeydef(c.oid) AS key FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'core' AND c.relname LIKE 'fact%' "
        "AND NOT c.relispartition ORDER BY 1")
    partitioned = kinds[kinds["relkind"] == "p"].set_index("relname")["key"].to_dict()
    assert partitioned == {"fact_filing": "LIST (export_month)", "fact_portal_summary": "LIST (summary_month)",
                           "fact_telecom_coverage": "LIST (export_month)"}
    warehouse.close()


def test_an_embedded_warehouse_kept_open_is_lent_to_each_engine_and_closed_after(tmp_path):
    """In-process runs hold the DuckDB file open: a task's own open and close then neither reload the file nor
    checkpoint it (its log stays until the block ends), and the file is released for other processes after."""
    import subprocess
    import sys

    from sqlalchemy import text

    from dxstats.warehouse import kept_open

    path = tmp_path / "w.duckdb"
    url, log = f"duckdb:///{path}", tmp_path / "w.duckdb.wal"

    def task(statement: str) -> None:
        warehouse = Warehouse(url)
        with warehouse.begin() as conn:
            conn.execute(text(statement))
        warehouse.close()

    task("CREATE TABLE t (x INTEGER)")
    assert not log.exists()  # closed alone: checkpointed
    with kept_open(url):
        task("INSERT INTO t VALUES (1)")
        assert log.exists()  # the task's close left the database open: not checkpointed
        task("INSERT INTO t VALUES (2)")
    assert not log.exists()
    reader = ("import duckdb, sys; "
              "print(duckdb.connect(sys.argv[1], read_only=True).execute('SELECT sum(x) FROM t').fetchall()[0][0])")
    read = subprocess.run([sys.executable, "-c", reader, str(path)], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == "3"


def test_a_postgresql_warehouse_is_not_held(pg_url):
    """Nothing to hold on a server: the block opens no connection."""
    from sqlalchemy import create_engine, text

    from dxstats.warehouse import kept_open

    probe = create_engine(pg_url)
    try:
        with probe.connect() as conn:  # only sessions opened from here on: others' closing cannot move the count
            since = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
            with kept_open(pg_url):
                opened = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND backend_start >= :since"), {"since": since}).scalar_one()
        assert opened == 0
    finally:
        probe.dispose()


def test_a_warehouse_another_process_holds_is_not_kept_open_and_the_tasks_say_why(tmp_path, caplog):
    """Another process holding the DuckDB file (an analyst's session) does not stop the run before its tasks:
    the hold is skipped with a warning, and each task meets the lock itself, where Airflow reports and alerts."""
    import subprocess
    import sys

    from sqlalchemy.exc import OperationalError

    from dxstats.warehouse import kept_open

    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with kept_open(f"duckdb:///{path}"):
            warehouse = Warehouse(f"duckdb:///{path}")
            with pytest.raises(OperationalError, match="lock"), warehouse.begin():
                pass
            warehouse.close()
    finally:
        holder.kill()
        holder.wait()
    assert any("could not hold" in r.getMessage() and "lock" in r.getMessage() for r in caplog.records)


def test_a_warehouse_that_cannot_be_made_is_not_kept_open_and_the_run_goes_on(tmp_path, caplog):
    """Wrong settings stop no run before its tasks: they meet them, where Airflow reports and alerts."""
    from dxstats.warehouse import kept_open

    ran = False
    with kept_open(f"sqlite:///{tmp_path / 'w.db'}"):
        ran = True
    assert ran
    assert any("could not hold" in r.getMessage() and "expected one of" in r.getMessage() for r in caplog.records)
