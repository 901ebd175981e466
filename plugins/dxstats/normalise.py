"""Turn a file's text into typed columns, recording every value that does not fit its type.

Blank values become nulls here; whether a null is allowed is the expectation suite's call,
so the rule is written once, in ``expectations/<source>.json``. What this module rejects is
a value that is present but not of its kind: ``20220231`` as a timestamp, ``x`` as a status.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dxstats.contracts import Column, Contract, normalise_header
from dxstats.reading import ROW, RawTable
from dxstats.settings import TIMEZONE

if TYPE_CHECKING:
    import pandas as pd

REJECTION_COLUMNS = ["source_row", "column_name", "value", "reason", "check_name"]
_BOOLEAN_WORDS = {"1": True, "0": False, "true": True, "false": False, "co": True, "khong": False}
_COMPACT = r"\d{14}"
_ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def normalise(raw: RawTable, contract: Contract) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame (contract columns + ``source_row``) and the rejections found while typing."""
    import pandas as pd

    typed: dict[str, pd.Series] = {ROW: raw.frame[ROW].astype("int64")}
    problems: list[pd.DataFrame] = [_cell_problems(raw)]
    for column in contract.columns:
        text = raw.frame[column.name]
        values, bad = _CONVERTERS[column.kind](text, column)
        typed[column.name] = values
        if bad.any():
            problems.append(_type_problems(raw.frame, column, bad))
    return pd.DataFrame(typed), pd.concat(problems, ignore_index=True)


def _cell_problems(raw: RawTable) -> pd.DataFrame:
    import pandas as pd

    rows = [(p.row, p.column, p.value, p.reason, "readable_value") for p in raw.problems]
    return pd.DataFrame(rows, columns=REJECTION_COLUMNS)


def _type_problems(frame: pd.DataFrame, column: Column, bad: pd.Series) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({
        "source_row": frame.loc[bad, ROW].astype("int64"),
        "column_name": column.name,
        "value": frame.loc[bad, column.name].str.slice(0, 200),
        "reason": f"not a valid {_EXPECTED[column.kind]}",
        "check_name": f"type_{column.kind}",
    })


def _text(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    import pandas as pd

    values = text.astype("string").mask(text == "")
    return values, pd.Series(False, index=text.index)


def _timestamp(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Local timestamps as ``yyyyMMddHHmmss`` or ISO 8601; a zone, if given, is converted to local time."""
    import pandas as pd

    compact = text.str.fullmatch(_COMPACT)
    values = pd.to_datetime(text.where(compact), format="%Y%m%d%H%M%S", errors="coerce")
    iso = ~compact & (text != "")
    if iso.any():
        zoned = iso & text.str.contains(_ZONED)
        plain = iso & ~zoned
        values = values.mask(plain, pd.to_datetime(text.where(plain), format="ISO8601", errors="coerce"))
        if zoned.any():
            local = pd.to_datetime(text.where(zoned), format="ISO8601", errors="coerce", utc=True)
            values = values.mask(zoned, local.dt.tz_convert(TIMEZONE).dt.tz_localize(None))
    values = values.astype("datetime64[us]")
    return values, values.isna() & (text != "")


def _date(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    import pandas as pd

    values = pd.to_datetime(text.mask(text == ""), format="ISO8601", errors="coerce").dt.date
    return values, values.isna() & (text != "")


def _integer(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    import pandas as pd

    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce")
    whole = numbers.notna() & (numbers % 1 == 0)
    values = numbers.where(whole).astype("Int64")
    return values, ~whole & (text != "")


def _boolean(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    values = text.map(lambda v: _BOOLEAN_WORDS.get(normalise_header(v))).astype("boolean")
    return values, values.isna() & (text != "")


def _enum(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    mapping = column.values or {}
    keys = text.map(normalise_header)
    values = keys.map(mapping).astype("string")
    return values, values.isna() & (text != "")


_CONVERTERS = {
    "code": _text,
    "text": _text,
    "timestamp": _timestamp,
    "date": _date,
    "int": _integer,
    "bool": _boolean,
    "enum": _enum,
}
_EXPECTED = {
    "code": "code",
    "text": "text",
    "timestamp": "timestamp (yyyyMMddHHmmss or ISO 8601)",
    "date": "date (YYYY-MM-DD)",
    "int": "whole number",
    "bool": "boolean (0/1, true/false, có/không)",
    "enum": "code from the contract's list",
}
