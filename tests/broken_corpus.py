"""The corpus of broken portal exports and the documented outcome of each.

``python tests/broken_corpus.py`` (re)writes the files under ``tests/data/broken/`` from
valid rows of the sample's reference data; ``test_broken_inputs.py`` feeds each one to the
real ingest and checks its outcome. Two kinds of outcome:
- ``file``: the file is refused whole (the month is not loaded, the warehouse is unchanged);
- ``rows``: the listed (row, column, check) are rejected into audit and the other rows load.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).parent / "data" / "broken"
VALID = 5  # valid rows at the top of every row-level case


@dataclass(frozen=True)
class Case:
    name: str
    outcome: str  # "file" or "rows"
    message: str = ""  # for "file": a fragment of the error
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, check) for "rows"
    rows_read: int = 0


CASES = [
    Case("truncated.csv", "file", "row 7: row has 4 fields, expected 20 (a truncated or misquoted file?)"),
    Case("wrong_encoding.csv", "file", "not valid utf-8"),
    Case("missing_column.csv", "file", "missing required columns: ngay_hen_tra (due_at)"),
    Case("empty.csv", "file", "the file is empty"),
    Case("header_only.csv", "file", "no data rows"),
    Case("not_a_workbook.xlsx", "file", "not a readable XLSX workbook"),
    Case("duplicate_ids.csv", "rows", rows_read=7, rejected=[
        (7, "filing_id", "filing_id_counted_once"),
        (8, "filing_id", "filing_id_counted_once")]),
    Case("impossible_dates.csv", "rows", rows_read=8, rejected=[
        (7, "received_at", "type_timestamp"),
        (8, "received_at", "type_timestamp"),
        (9, "received_month", "expect_column_values_to_be_in_set")]),
    Case("unknown_codes.csv", "rows", rows_read=8, rejected=[
        (7, "agency_code", "expect_column_values_to_be_in_set"),
        (8, "unit_code", "expect_column_values_to_be_in_set"),
        (9, "procedure_code", "expect_column_values_to_be_in_set")]),
    Case("finish_before_reception.csv", "rows", rows_read=7, rejected=[
        (7, "finished_at", "expect_column_pair_values_a_to_be_greater_than_b"),
        (8, "due_at", "expect_column_pair_values_a_to_be_greater_than_b")]),
    Case("bad_status.csv", "rows", rows_read=8, rejected=[
        (7, "status", "expect_column_values_to_be_in_set"),
        (8, "status", "type_int"),
        (9, "finished_at", "expect_column_values_to_not_be_null")]),
    Case("out_of_range_codes.csv", "rows", rows_read=7, rejected=[
        (7, "channel", "type_int"),
        (8, "status", "type_int")]),
    Case("formula.xlsx", "rows", rows_read=6, rejected=[(7, "channel", "readable_value"),
                                                        (7, "channel", "required_value")]),
    Case("missing_values.csv", "rows", rows_read=7, rejected=[
        (7, "agency_code", "required_value"),
        (8, "service_level", "expect_column_values_to_be_in_set")]),
]


def write_corpus() -> None:
    """Write every case's file from valid rows, breaking exactly what the case names."""
    from portal_files import valid_row, valid_rows, write_csv, write_xlsx

    CORPUS.mkdir(parents=True, exist_ok=True)
    ok = valid_rows(VALID)
    nxt = VALID + 1

    path = write_csv(CORPUS / "truncated.csv", [*ok, valid_row(nxt)], encoding="utf-8")
    data = path.read_bytes()
    path.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 60])  # last record cut after 60 bytes

    path = write_csv(CORPUS / "wrong_encoding.csv", ok, encoding="cp1258")  # Vietnamese text, not UTF-8

    path = write_csv(CORPUS / "missing_column.csv", ok, encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("ngay_hen_tra", "ghi_chu", 1), encoding="utf-8")

    (CORPUS / "empty.csv").write_bytes(b"")
    write_csv(CORPUS / "header_only.csv", [], encoding="utf-8")
    (CORPUS / "not_a_workbook.xlsx").write_bytes(b"PK\x03\x04 this zip was cut short")

    write_csv(CORPUS / "duplicate_ids.csv",
              [*ok, valid_row(nxt), valid_row(nxt + 1, ma_ho_so=valid_row(nxt)["ma_ho_so"])], encoding="utf-8")
    write_csv(CORPUS / "impossible_dates.csv", [
        *ok, valid_row(nxt, ngay_tiep_nhan="20220230080000"), valid_row(nxt + 1, ngay_tiep_nhan="-20220105080000"),
        valid_row(nxt + 2, ngay_tiep_nhan="18990105080000", ngay_ket_thuc_xu_ly="", trang_thai="4")],
        encoding="utf-8")
    write_csv(CORPUS / "unknown_codes.csv", [
        *ok, valid_row(nxt, ma_co_quan="H56.99"), valid_row(nxt + 1, ma_dvhc="99999"),
        valid_row(nxt + 2, ma_tthc="9.999999")], encoding="utf-8")
    write_csv(CORPUS / "finish_before_reception.csv", [
        *ok, valid_row(nxt, ngay_ket_thuc_xu_ly="20220102080000"),
        valid_row(nxt + 1, ngay_hen_tra="20220102080000")], encoding="utf-8")
    write_csv(CORPUS / "bad_status.csv", [
        *ok, valid_row(nxt, trang_thai="11"), valid_row(nxt + 1, trang_thai="x"),
        valid_row(nxt + 2, trang_thai="9", ngay_ket_thuc_xu_ly="")], encoding="utf-8")
    write_csv(CORPUS / "out_of_range_codes.csv", [  # beyond the SMALLINT columns: the rows, not the month, fail
        *ok, valid_row(nxt, kenh="70000"), valid_row(nxt + 1, trang_thai="-40000")], encoding="utf-8")
    write_xlsx(CORPUS / "formula.xlsx", [*ok, valid_row(nxt)], formula_at=(VALID, "kenh"))
    write_csv(CORPUS / "missing_values.csv", [
        *ok, valid_row(nxt, ma_co_quan=""), valid_row(nxt + 1, muc_do_dvc="khong", kenh="2")], encoding="utf-8")


if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1] / "plugins")]
    write_corpus()
    print(f"wrote {len(CASES)} cases to {CORPUS}")
