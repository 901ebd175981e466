"""Typing: both timestamp formats, legacy levels, booleans; bad values become rejections."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from portal_files import valid_row, write_csv

from dxstats.normalise import normalise
from dxstats.reading import read_table
from dxstats.sources.portal import CONTRACT


def typed(tmp_path: Path, rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return normalise(read_table(write_csv(tmp_path / "f.csv", rows), CONTRACT), CONTRACT)


def test_timestamps_compact_iso_and_zoned(tmp_path: Path):
    frame, problems = typed(tmp_path, [
        valid_row(1, ngay_tiep_nhan="20220103081530"),
        valid_row(2, ngay_tiep_nhan="2022-01-03T08:15:30"),
        valid_row(3, ngay_tiep_nhan="2022-01-03T01:15:30Z"),
        valid_row(4, ngay_tiep_nhan="2022-01-03 08:15:30+07:00"),
        valid_row(5, ngay_tiep_nhan="2022-01-03T08:15:30+07"),
        valid_row(6, ngay_tiep_nhan="2022-01-03T01:15:30z"),
        valid_row(7, ngay_tiep_nhan="2022-01-03T08:15:30.000+0700"),
    ])
    assert problems.empty
    assert frame["received_at"].tolist() == [pd.Timestamp("2022-01-03 08:15:30")] * 7


def test_a_compact_timestamp_cut_short_is_rejected_not_guessed(tmp_path: Path):
    """13 digits are not yyyyMMddHHmmss: which digit is missing is unknown, so no time may be read into them."""
    frame, problems = typed(tmp_path, [
        valid_row(1, ngay_tiep_nhan="2022010308153"), valid_row(2, ngay_tiep_nhan="2022010308150"),
        valid_row(3, ngay_tiep_nhan="20220103081530"),
    ])
    found = sorted(zip(problems["source_row"], problems["column_name"], problems["value"], strict=True))
    assert found == [(2, "received_at", "2022010308153"), (3, "received_at", "2022010308150")]
    assert frame["received_at"].iloc[2] == pd.Timestamp("2022-01-03 08:15:30")


def test_a_compact_timestamp_names_a_day_its_month_has(tmp_path: Path):
    """Arrow rolls 30 April over to 1 May; the days past the 28th are held to their month, leap years included."""
    written = ["20240229080000", "20230229080000", "19000229080000", "20000229080000", "20220431080000",
               "20221231235959", "20220130080000", "20220132080000", "20221331080000"]
    frame, problems = typed(tmp_path, [valid_row(i + 1, ngay_tiep_nhan=w) for i, w in enumerate(written)])
    rejected = sorted(problems.loc[problems["column_name"] == "received_at", "value"])
    assert rejected == ["19000229080000", "20220132080000", "20220431080000", "20221331080000", "20230229080000"]
    kept = frame.loc[frame["received_at"].notna(), "received_at"].dt.strftime("%Y%m%d%H%M%S").tolist()
    assert kept == ["20240229080000", "20000229080000", "20221231235959", "20220130080000"]


def test_the_written_day_is_read_from_any_arrow_text_layout():
    """The day check reads the text's own bytes: a slice of an array (an offset) and 64-bit offsets read right."""
    import pyarrow as pa

    from dxstats.normalise import _written_as_a_real_day

    values = ["20240229080000", "20230229080000", None, "", "2022123123595", "20220430080000"]
    expected = [True, False, False, False, False, True]
    for text in (pa.array(values, pa.large_string()), pa.chunked_array([pa.array(["x", *values]).slice(1)]),
                 pa.chunked_array([pa.array(values[:2]), pa.array(values[2:])])):
        assert _written_as_a_real_day(text).tolist() == expected


def test_legacy_levels_and_boolean_words(tmp_path: Path):
    frame, problems = typed(tmp_path, [
        valid_row(1, muc_do_dvc="4", so_hoa="có"), valid_row(2, muc_do_dvc="3", so_hoa="không"),
        valid_row(3, muc_do_dvc="2", so_hoa="true"), valid_row(4, muc_do_dvc="Toàn trình", so_hoa="0"),
    ])
    assert problems.empty
    assert frame["service_level"].tolist() == ["toan_trinh", "mot_phan", "khong", "toan_trinh"]
    assert frame["digitised"].tolist() == [True, False, True, False]


def test_bad_values_are_rejections_with_row_column_and_value(tmp_path: Path):
    frame, problems = typed(tmp_path, [
        valid_row(1), valid_row(2, ngay_tiep_nhan="20220231080000"), valid_row(3, kenh="online"),
        valid_row(4, muc_do_dvc="5"), valid_row(5, co_phi="maybe"),
    ])
    found = sorted(zip(problems["source_row"], problems["column_name"], problems["value"], strict=True))
    assert found == [(3, "received_at", "20220231080000"), (4, "channel", "online"),
                     (5, "service_level", "5"), (6, "has_fee", "maybe")]
    assert problems["reason"].str.startswith("not a valid").all()


def test_blanks_are_nulls_where_nullable_and_rejections_where_required(tmp_path: Path):
    frame, problems = typed(tmp_path, [valid_row(1, ngay_ket_thuc_xu_ly="", trang_thai="4"),
                                       valid_row(2, ma_co_quan="", kenh="")])
    assert frame["finished_at"].isna().tolist() == [True, False]
    found = problems[["source_row", "column_name", "value", "check_name"]].values.tolist()
    assert found == [[3, "agency_code", None, "required_value"], [3, "channel", None, "required_value"]]
    assert problems["reason"].tolist() == ["ma_co_quan (agency_code) is required and blank",
                                           "kenh (channel) is required and blank"]


def test_padded_values_are_read_and_blank_padding_is_blank(tmp_path: Path):
    frame, problems = typed(tmp_path, [
        valid_row(1, kenh=" 2 ", co_phi=" 1", muc_do_dvc="mot_phan ", ngay_tiep_nhan=" 20220103081530 "),
        valid_row(2, ngay_ket_thuc_xu_ly="   ", trang_thai="4", so_hoa="  "),
    ])
    # finished_at may be blank (in progress); so_hoa may not.
    assert problems[["source_row", "column_name", "check_name"]].values.tolist() == [
        [3, "digitised", "required_value"]]
    assert frame["channel"].tolist() == [2, 1]
    assert frame["received_at"][0] == pd.Timestamp("2022-01-03 08:15:30")
    assert frame["service_level"][0] == "mot_phan"
    assert frame["finished_at"].isna()[1]
    assert frame["digitised"].isna()[1]
