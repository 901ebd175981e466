"""A month streamed in chunks loads exactly as if it were read whole, and parallel loads count a filing once."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from portal_files import valid_row, valid_rows, write_csv, write_xlsx

from dxstats.errors import BatchRejected
from dxstats.ingest import ingest_portal_month
from dxstats.periods import Month
from dxstats.warehouse import Warehouse


def month_rows() -> list[dict[str, str]]:
    """23 filings with problems spread over the chunks: typing, the suite, a repeated id, a blank id."""
    rows = valid_rows(23)
    rows[1]["kenh"] = "9"  # the suite: not a channel (row 3 of the file)
    rows[8]["ngay_tiep_nhan"] = "2022-02-30"  # typing: no such day (row 10)
    rows[19]["ma_ho_so"] = rows[2]["ma_ho_so"]  # rows 4 and 21 share an id, five chunks apart
    rows[21]["ma_tthc"] = "9.999999"  # the suite: unknown procedure (row 23)
    return rows


def loaded(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    """What a load leaves, without the batch ids (new on every load)."""
    return {
        "facts": warehouse.frame("SELECT * FROM core.fact_filing ORDER BY filing_id").drop(columns="batch_id"),
        "rejected": warehouse.frame("SELECT file_name, source_row, column_name, value, reason, check_name "
                                    "FROM audit.rejected_rows WHERE batch_id IN "
                                    "(SELECT batch_id FROM audit.batches WHERE status = 'loaded') "
                                    "ORDER BY file_name, source_row, check_name"),
        "batches": warehouse.frame("SELECT file_name, status, rows_read, rows_loaded, rows_rejected, "
                                   "expectation_results FROM audit.batches WHERE status = 'loaded' ORDER BY file_name"),
        "staging": warehouse.frame("SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging'"),
    }


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_month_in_chunks_loads_as_the_month_read_whole(warehouse, landing, monkeypatch, caplog, kind):
    folder = landing / "portal" / "2022-01"
    write = write_csv if kind == "csv" else write_xlsx
    write(folder / f"a.{kind}", month_rows())
    write_csv(folder / "b.csv", [valid_row(30), valid_row(5)])  # filing 5 is also in a.*: both copies go
    month = Month(2022, 1)

    whole = ingest_portal_month(month, "whole", warehouse, landing)
    expected = loaded(warehouse)
    monkeypatch.setenv("DXSTATS_CHUNK_ROWS", "4")
    with caplog.at_level(logging.DEBUG, logger="dxstats.ingest"):
        chunked = ingest_portal_month(month, "chunked", warehouse, landing, force=True)

    typed = [r.getMessage() for r in caplog.records if " typed in " in r.getMessage()]
    assert [m.split(" typed")[0] for m in typed if m.startswith("a.")] == [
        f"a.{kind}: rows {first}-{min(first + 3, 24)}" for first in range(2, 25, 4)]
    assert (chunked.rows_read, chunked.rows_loaded, chunked.rows_rejected) == (25, 18, 7)
    assert (whole.rows_read, whole.rows_loaded, whole.rows_rejected) == (25, 18, 7)
    after = loaded(warehouse)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(frame, after[name], obj=name)
    assert after["rejected"][["file_name", "source_row", "check_name"]].values.tolist() == [
        [f"a.{kind}", 3, "expect_column_values_to_be_in_set"],
        [f"a.{kind}", 4, "filing_id_counted_once"],
        [f"a.{kind}", 6, "filing_id_counted_once"],
        [f"a.{kind}", 10, "type_timestamp"],
        [f"a.{kind}", 21, "filing_id_counted_once"],
        [f"a.{kind}", 23, "expect_column_values_to_be_in_set"],
        ["b.csv", 3, "filing_id_counted_once"],
    ]


def test_a_broken_row_near_the_end_refuses_the_month_and_changes_nothing(warehouse, landing, monkeypatch):
    folder = landing / "portal" / "2022-01"
    write_csv(folder / "a.csv", valid_rows(5))
    ingest_portal_month(Month(2022, 1), "first", warehouse, landing)
    before = loaded(warehouse)
    path = write_csv(folder / "a.csv", valid_rows(30))
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[27] = lines[27].rstrip("\r\n").rsplit(",", 3)[0] + "\r\n"  # file row 28 lost its last three fields
    path.write_text("".join(lines), encoding="utf-8-sig")
    monkeypatch.setenv("DXSTATS_CHUNK_ROWS", "4")

    with pytest.raises(BatchRejected, match=r"a\.csv, row 28: row has 17 fields, expected 20"):
        ingest_portal_month(Month(2022, 1), "broken", warehouse, landing)

    after = loaded(warehouse)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[name], obj=name)
    refused = warehouse.frame("SELECT status, rows_read, rows_loaded, rows_rejected FROM audit.batches "
                              "WHERE run_id = 'broken'")
    assert refused.values.tolist() == [["rejected", 0, 0, 0]]
    assert path.exists()


def _load_after_barrier(url: str, landing: str, month: str, barrier, results) -> None:
    """One worker's load (a process, as an Airflow worker's task is): it keys its slice, the last step before
    the table's lock and the swap, only once both have staged."""
    key = Warehouse.key_staged

    def wait_then_key(self, *args, **kwargs):
        barrier.wait()  # both months written and validated in parallel; neither swapped in nor committed
        key(self, *args, **kwargs)

    Warehouse.key_staged = wait_then_key
    result = ingest_portal_month(Month.parse(month), f"run-{month}", Warehouse(url), Path(landing))
    results[month] = result.rows_loaded


@pytest.mark.postgres
def test_parallel_loads_of_two_months_keep_a_filing_once(pg_url, landing):
    """Both months carry filing X, and both loads have staged their rows before either swaps them in.

    Whichever takes the fact table's lock first swaps, checks and commits first; the other waits for the lock
    before its swap, and its check then sees the committed month and rejects its copy.
    """
    import multiprocessing

    from dxstats.reference import load_reference

    warehouse = Warehouse(pg_url)
    warehouse.create_schema()
    load_reference(warehouse)
    shared = "T-SHARED-000001"
    for month in ("2022-01", "2022-02"):
        write_csv(landing / "portal" / month / "x.csv",
                  [*valid_rows(3, month), valid_row(9, month, ma_ho_so=shared)])
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager:
        barrier, results = manager.Barrier(2, timeout=120), manager.dict()
        workers = [spawn.Process(target=_load_after_barrier, args=(pg_url, str(landing), m, barrier, results))
                   for m in ("2022-01", "2022-02")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(300)
        loaded_rows = dict(results)

    assert [w.exitcode for w in workers] == [0, 0]
    assert sorted(loaded_rows) == ["2022-01", "2022-02"]
    assert sum(loaded_rows.values()) == 7
    copies = warehouse.frame("SELECT export_month FROM core.fact_filing WHERE filing_id = :id", id=shared)
    assert len(copies) == 1
    rejected = warehouse.frame("SELECT reason FROM audit.rejected_rows WHERE value = :id", id=shared)
    assert rejected["reason"].tolist() == ["filing id was already loaded for another period"]
    warehouse.close()


def test_chunk_rows_setting_is_checked(monkeypatch):
    from dxstats.settings import chunk_rows

    monkeypatch.setenv("DXSTATS_CHUNK_ROWS", "0")
    with pytest.raises(ValueError, match="DXSTATS_CHUNK_ROWS=0"):
        chunk_rows()
    monkeypatch.delenv("DXSTATS_CHUNK_ROWS")
    assert chunk_rows() == 200_000


def test_keys_whose_hashes_collide_are_not_rejected(monkeypatch):
    """Repeats are found by hash first; only keys that are really equal are rejected."""
    import numpy as np

    from dxstats import load

    monkeypatch.setattr(load, "_hash_keys", lambda keys: np.zeros(len(keys), dtype="uint64"))
    counter = load._KeyCounter("filing_id", None)
    batch = load.FileBatch("b1", Path("a.csv"), "0" * 64, 4, None)
    counter.add(batch, pd.DataFrame({"filing_id": ["x", "y", "z", "x"], "source_row": [2, 3, 4, 5]}))
    (found,) = counter.repeats([batch], 1.0)
    assert found[0] is batch
    assert found[1][["source_row", "value", "check_name"]].values.tolist() == [
        [2, "x", "filing_id_counted_once"], [5, "x", "filing_id_counted_once"]]


def test_a_file_sent_twice_in_one_is_refused_before_its_repeats_are_read(warehouse, landing):
    rows = valid_rows(6)
    write_csv(landing / "portal" / "2022-01" / "twice.csv", rows + rows)
    with pytest.raises(BatchRejected, match=r"twice\.csv: 12 of 12 rows share their filing id with another row "
                                            r"of the period, more than the 50% .*sent twice"):
        ingest_portal_month(Month(2022, 1), "twice", warehouse, landing)
    assert warehouse.frame("SELECT COUNT(*) AS n FROM core.fact_filing")["n"].tolist() == [0]
    refused = warehouse.frame("SELECT status, rows_read, rows_loaded, rows_rejected FROM audit.batches")
    assert refused.values.tolist() == [["rejected", 12, 0, 12]]


def test_the_last_chunks_are_checked_while_the_slice_is_keyed_and_what_they_reject_still_goes(
        warehouse, landing, monkeypatch):
    """The suite checks each chunk LAG chunks after handing it to the writer, so that the last LAG chunks are
    checked once every row is written, beside the warehouse's statistics and key; a row those checks reject is
    dropped from the keyed slice all the same, and counted."""
    from dxstats import ingest, load

    rows = valid_rows(24)
    rows[1]["kenh"] = "9"  # the suite, first chunk: not a channel (row 3 of the file)
    rows[22]["ma_tthc"] = "9.999999"  # the suite, last chunk: unknown procedure (row 24)
    write_csv(landing / "portal" / "2022-01" / "a.csv", rows)
    monkeypatch.setenv("DXSTATS_CHUNK_ROWS", "4")  # six chunks, first rows 2, 6, ..., 22
    monkeypatch.setattr(load, "LAG", 2)
    events: list[tuple[str, int]] = []
    sent, checked, finish = load._fact_rows, ingest.validate, load._LaggingChecks.finish

    def send(target, batch, rows):
        events.append(("sent", int(rows["source_row"].iloc[0])))
        return sent(target, batch, rows)

    def check(rows, *args):
        events.append(("checked", int(rows["source_row"].iloc[0])))
        return checked(rows, *args)

    def last(self):
        events.append(("every row handed to the writer, then the key", 0))
        finish(self)

    monkeypatch.setattr(load, "_fact_rows", send)
    monkeypatch.setattr(ingest, "validate", check)
    monkeypatch.setattr(load._LaggingChecks, "finish", last)
    result = ingest_portal_month(Month(2022, 1), "lagging", warehouse, landing)

    assert events == [("sent", 2), ("sent", 6), ("sent", 10), ("checked", 2), ("sent", 14), ("checked", 6),
                      ("sent", 18), ("checked", 10), ("sent", 22), ("checked", 14),
                      ("every row handed to the writer, then the key", 0), ("checked", 18), ("checked", 22)]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (24, 22, 2)
    facts = warehouse.frame("SELECT source_row FROM core.fact_filing ORDER BY source_row")["source_row"].tolist()
    assert facts == [r for r in range(2, 26) if r not in (3, 24)]
    rejected = warehouse.frame("SELECT source_row, check_name FROM audit.rejected_rows ORDER BY source_row")
    assert rejected.values.tolist() == [[3, "expect_column_values_to_be_in_set"],
                                        [24, "expect_column_values_to_be_in_set"]]
    if warehouse.dialect == "postgresql":  # the key was built before row 24 was found, and holds the rest
        keyed = warehouse.frame(
            "SELECT c.relname FROM pg_constraint AS k JOIN pg_class AS c ON c.oid = k.conrelid "
            "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE k.contype = 'p' AND n.nspname = 'core' AND c.relname LIKE 'fact_filing_2022_01_%'")
        assert len(keyed) == 1
