"""The reader on small real files: encodings, headers, personal data, structural errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from portal_files import PERSONAL, cp1258_text, valid_rows, write_csv, write_xlsx

from dxstats.errors import SourceFileError
from dxstats.reading import ROW, read_table
from dxstats.sources.portal import CONTRACT


@pytest.mark.parametrize(("english", "encoding"), [(False, "utf-8-sig"), (False, "utf-8"), (True, "utf-8")])
def test_csv_headers_in_either_language_and_with_or_without_bom(tmp_path: Path, english: bool, encoding: str):
    path = write_csv(tmp_path / "f.csv", valid_rows(3), english=english, encoding=encoding)
    table = read_table(path, CONTRACT)
    assert table.rows_read == 3
    assert list(table.frame.columns) == [*CONTRACT.names, "source_row"]
    assert table.frame["source_row"].tolist() == [2, 3, 4]
    assert table.frame["filing_id"].tolist() == ["T-202201-000001", "T-202201-000002", "T-202201-000003"]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path, newline: str):
    """A value written over two lines is one row, a blank line is a row; blank lines at the end move nothing,
    and a misshapen row below them is named by the same numbers."""
    path = write_csv(tmp_path / "f.csv", valid_rows(4))
    header, *records = path.read_text(encoding="utf-8-sig").splitlines()
    assert f'"{PERSONAL["dia_chi"]}"' in records[0]  # quoted (it has a comma): it may span lines
    records[0] = records[0].replace(PERSONAL["dia_chi"], f"{PERSONAL['dia_chi']}{newline}Ấp 3", 1)
    lines = [header, records[0], "", records[1], "", "", records[2], records[3], "", ""]
    path.write_text(newline.join(lines), encoding="utf-8", newline="")
    table = read_table(path, CONTRACT)
    assert table.frame["source_row"].tolist() == [2, 4, 7, 8]
    assert table.frame["filing_id"].tolist() == [r["ma_ho_so"] for r in valid_rows(4)]

    path.write_text(newline.join([*lines[:8], "T-1,only,three", records[3]]), encoding="utf-8", newline="")
    with pytest.raises(SourceFileError, match=r"row 9: row has 3 fields, expected 20"):
        read_table(path, CONTRACT)


def test_headers_match_with_diacritics_and_case(tmp_path: Path):
    path = tmp_path / "f.csv"
    rows = valid_rows(1)
    write_csv(path, rows)
    text = path.read_text(encoding="utf-8-sig").replace("ma_ho_so", "Mã hồ sơ", 1).replace("kenh", "KÊNH", 1)
    path.write_text(text, encoding="utf-8")
    table = read_table(path, CONTRACT)
    assert table.frame.loc[0, "filing_id"] == rows[0]["ma_ho_so"]
    assert table.frame.loc[0, "channel"] == rows[0]["kenh"]


def test_declared_encoding_is_used(tmp_path: Path):
    rows = valid_rows(2)
    path = write_csv(tmp_path / "f.csv", rows, encoding="cp1258", delimiter=";")
    table = read_table(path, CONTRACT, encoding="windows-1258", delimiter=";")
    assert table.rows_read == 2
    assert table.frame["filing_id"].tolist() == [r["ma_ho_so"] for r in rows]


def test_personal_columns_are_never_read(tmp_path: Path):
    path = write_csv(tmp_path / "f.csv", valid_rows(2))
    table = read_table(path, CONTRACT)
    assert set(table.dropped_columns) == set(PERSONAL)
    flat = table.frame.astype(str).to_numpy().ravel().tolist()
    for secret in PERSONAL.values():
        assert secret not in flat


def test_xlsx_reads_first_sheet_and_flags_formulas(tmp_path: Path):
    path = write_xlsx(tmp_path / "f.xlsx", valid_rows(3), formula_at=(1, "trang_thai"))
    table = read_table(path, CONTRACT)
    assert table.rows_read == 3
    assert [(p.row, p.column, p.value) for p in table.problems] == [(3, "status", "=1+1")]
    assert set(table.dropped_columns) == set(PERSONAL)


def test_xlsx_values_read_as_a_csv_export_writes_them(tmp_path: Path):
    """Typed cells (numbers, flags, dates) become the text a CSV export carries; blank rows are skipped but
    counted in the row numbers; a row cut short reads as blank cells."""
    import openpyxl

    rows = valid_rows(4)
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    channel, paid, received = (header.index(h) + 1 for h in ("kenh", "thanh_toan_truc_tuyen", "ngay_tiep_nhan"))
    sheet.cell(2, channel, 2.0)  # a number Excel stores as a float
    sheet.cell(2, paid, True)
    sheet.cell(3, received, datetime(2022, 1, 5, 8, 30))
    sheet.insert_rows(4)  # a blank row: file row 4
    for column in range(paid, len(header) + 1):
        sheet.cell(5, column).value = None  # the row ends before the payment flag
    workbook.save(path)
    table = read_table(path, CONTRACT)
    assert table.frame[ROW].tolist() == [2, 3, 5, 6]
    assert table.frame["channel"].tolist()[0] == "2"
    assert table.frame["paid_online"].tolist() == ["1", rows[1]["thanh_toan_truc_tuyen"], "",
                                                    rows[3]["thanh_toan_truc_tuyen"]]
    assert table.frame["received_at"].tolist()[1] == "2022-01-05T08:30:00"
    assert not table.problems


def test_workbook_values_that_compare_equal_keep_their_own_text_and_short_rows_read_blank():
    """Values are made text once per distinct value: 1, 1.0 and True are one value and one text; a row shorter
    than the sheet (a reader that does not pad) reads as blank cells, and a blank row is skipped."""
    from datetime import date

    from dxstats.reading import _value_columns

    rows = [[1, "a"], [1.0, " b "], [True, None], [], ["", ""], [date(2022, 1, 5), 2.5], [-0.0]]
    frame = _value_columns(rows, {0: "x", 1: "y", 3: "z"}, first_row=2)
    assert frame[ROW].tolist() == [2, 3, 4, 7, 8]
    assert frame["x"].tolist() == ["1", "1", "1", "2022-01-05", "0"]
    assert frame["y"].tolist() == ["a", "b", "", "2.5", ""]
    assert frame["z"].tolist() == [""] * 5


def test_missing_required_column_names_file_row_and_columns(tmp_path: Path):
    path = write_csv(tmp_path / "f.csv", valid_rows(2))
    text = path.read_text(encoding="utf-8-sig").replace("ngay_hen_tra", "ngay_khac", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceFileError) as err:
        read_table(path, CONTRACT)
    assert err.value.path == str(path)
    assert err.value.row == 1
    assert "ngay_hen_tra (due_at)" in str(err.value)


def test_empty_and_header_only_files_are_structural_errors(tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceFileError, match="empty"):
        read_table(empty, CONTRACT)
    header_only = write_csv(tmp_path / "header.csv", [])
    with pytest.raises(SourceFileError, match="no data rows"):
        read_table(header_only, CONTRACT)


def test_wrong_encoding_names_the_row_without_echoing_it(tmp_path: Path):
    rows = valid_rows(5)
    path = write_csv(tmp_path / "f.csv", rows, encoding="utf-8")
    data = path.read_bytes().replace("Bí Mật".encode(), cp1258_text("Bí Mật").encode("cp1258"), 1)
    path.write_bytes(data)
    with pytest.raises(SourceFileError) as err:
        read_table(path, CONTRACT)
    assert err.value.row == 2
    assert "not valid utf-8" in str(err.value)
    assert "Bí" not in str(err.value)


@pytest.mark.parametrize("block", [5, 16, 61])
def test_whole_file_checks_agree_across_block_and_half_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            block: int):
    """The encoding and blank-line scan reads a file in blocks, a large file's halves at once: with tiny blocks,
    a character cut by a block's end, an empty line split across blocks or at the halves' meeting point, and a
    bad byte anywhere give the same answers as decoding the whole text and searching it."""
    import random

    from dxstats import reading

    monkeypatch.setattr(reading, "_BLOCK", block)
    randomly = random.Random(block)
    for case in range(400):
        ending = randomly.choice(["\n", "\r\n"])
        lines = ["".join(randomly.choice(["a", "Ấp", "ộ", ",", "𝔸"]) for _ in range(randomly.randint(1, 9)))
                 for _ in range(randomly.randint(1, 12))]
        if case % 2:  # at most one empty line, so that finding it or not decides the case
            lines.insert(randomly.randint(1, len(lines)), "")
        data = ending.join(lines).encode() + ending.encode() * randomly.randint(0, 2)
        if case % 3 == 0:
            at = randomly.randrange(len(data))
            data = data[:at] + b"\xff" + data[at:]
        path = tmp_path / f"{case}.csv"
        path.write_bytes(b"x" + data)
        content = (b"x" + data).rstrip(b"\r\n")
        try:
            content.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        utf8, blank = reading._scan_bytes(path, utf8=True)
        assert utf8 == valid, data
        if valid:
            assert blank == (b"\n\n" in content or b"\n\r\n" in content), data
        assert reading._scan_bytes(path, utf8=False)[1] == (b"\n\n" in content or b"\n\r\n" in content), data


@pytest.mark.parametrize("block", [7, 64])
def test_rows_and_bad_bytes_are_placed_whatever_the_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          block: int):
    from dxstats import reading

    monkeypatch.setattr(reading, "_BLOCK", block)
    path = write_csv(tmp_path / "f.csv", valid_rows(6))
    header, *records = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([header, records[0], "", *records[1:4], "", *records[4:], "", ""]), encoding="utf-8")
    assert read_table(path, CONTRACT).frame["source_row"].tolist() == [2, 4, 5, 6, 8, 9]

    data = path.read_bytes().replace("Bí Mật".encode(), cp1258_text("Bí Mật").encode("cp1258"), 1)
    path.write_bytes(data)
    with pytest.raises(SourceFileError, match="not valid utf-8") as err:
        read_table(path, CONTRACT)
    assert err.value.row == 2


def test_blocks_parsed_ahead_give_the_same_chunks_errors_and_no_thread_left(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    """Arrow's blocks are parsed on a thread of their own, several ahead of the chunk being handed on: with
    blocks of a few rows, the chunks are still the file's rows in order, numbered as read whole; a misshapen
    row far below the first blocks is named after the chunks above it were handed on; and a stream closed
    part-way, or ended by that error, leaves no parsing thread behind."""
    import threading

    from dxstats import reading
    from dxstats.reading import open_table

    monkeypatch.setattr(reading, "CSV_BLOCK", 1024)  # about three rows a block
    monkeypatch.setattr(reading, "PARSE_AHEAD", 2)
    path = write_csv(tmp_path / "f.csv", valid_rows(120))
    whole = read_table(path, CONTRACT).frame
    chunks = [c.frame for c in open_table(path, CONTRACT).chunks(25)]
    assert [len(c) for c in chunks] == [25, 25, 25, 25, 20]
    assert pd.concat(chunks, ignore_index=True).equals(whole)

    def parsing() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name == "dxstats-parse-ahead"]

    stream = open_table(path, CONTRACT).chunks(10)
    next(stream)
    assert parsing()  # the next blocks are being parsed while the first chunk is used
    stream.close()
    assert not parsing()

    header, *records = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    records[99] = records[99].rstrip("\r\n").rsplit(",", 2)[0] + "\r\n"  # file row 101 lost two fields
    path.write_text("".join([header, *records]), encoding="utf-8-sig")
    handed_on = []

    def hand_on() -> None:
        for chunk in open_table(path, CONTRACT).chunks(25):
            handed_on.append(chunk.frame["source_row"].tolist())

    with pytest.raises(SourceFileError, match="row has 18 fields, expected 20") as err:
        hand_on()
    assert err.value.row == 101
    assert handed_on == [list(range(2, 27)), list(range(27, 52)), list(range(52, 77))]
    assert not parsing()


@pytest.mark.parametrize(("xml", "formula"), [
    (b"<c r='A2'><f>SUM(A1)</f><v>3</v></c>", True),
    (b'<c><f t="shared" si="0"/></c>', True),
    (b"<x:c><x:f>1+1</x:f></x:c>", True),   # the sheet's elements under a namespace prefix
    (b"<c><f\n>A1</f></c>", True),           # XML allows any space after the element's name
    (b"<headerFooter><firstHeader>x</firstHeader></headerFooter>", False),
    (b"<c t='inlineStr'><is><t>a:f b &lt;f> c</t></is></c>", False),  # text that looks like the tag is not one
    (b"<x:fo/>", False),
    (b"", False),
])
def test_a_formula_element_is_found_in_a_sheets_xml(xml: bytes, formula: bool):
    from dxstats.reading import _has_formula_element

    assert _has_formula_element(b"<worksheet><sheetData>" + xml + b"</sheetData></worksheet>") is formula
