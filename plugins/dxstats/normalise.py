"""Turn a file's text into typed columns, recording every value that does not fit the contract.

What this module rejects is what the contract alone decides: a value that is present but not
of its kind (``20220231`` as a timestamp, ``x`` as a status) and a blank where the contract
says the column is not nullable. Rules about what the values mean are the expectation
suite's, in ``expectations/<source>.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dxstats.contracts import Column, Contract, normalise_header
from dxstats.reading import ROW, RawTable
from dxstats.settings import TIMEZONE

if TYPE_CHECKING:
    import pandas as pd

REJECTION_COLUMNS = ["source_row", "column_name", "value", "reason", "check_name"]
_BOOLEAN_WORDS = {"1": True, "0": False, "true": True, "false": False, "co": True, "khong": False}
_WHOLE = re.compile(r"[+-]?\d{1,9}")
_DECIMAL = re.compile(r"([+-]?\d{1,12}(?:[.,]\d{1,9})?)\s*%?")
# A time of day followed by a zone: Z, +07, +0700 or +07:00 (a bare date's "-03" is not a zone).
_ZONED = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$")


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
        if not column.nullable:
            missing = values.isna() & ~bad
            if missing.any():
                problems.append(_missing_values(raw.frame, column, missing))
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
        "reason": f"not a valid {_expected(column)}",
        "check_name": f"type_{column.kind}",
    })


def _missing_values(frame: pd.DataFrame, column: Column, missing: pd.Series) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({
        "source_row": frame.loc[missing, ROW].astype("int64"),
        "column_name": column.name,
        "value": None,
        "reason": f"{column.source_name} ({column.name}) is required and blank",
        "check_name": "required_value",
    })


def _text(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Codes and text as they are, unless too long for the warehouse or carrying control characters."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array(text, type=pa.string())
    if _may_have_control_characters(raw):
        bad = pc.match_substring_regex(raw, _CONTROL)
    else:
        bad = pa.repeat(False, len(raw))
    if column.max_length:
        bad = pc.or_(bad, pc.greater(pc.utf8_length(raw), column.max_length))
    values = text.astype("string").mask(text == "")
    return values, pd.Series(bad.to_numpy(zero_copy_only=False), index=text.index).fillna(False).astype(bool)


_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _may_have_control_characters(raw: Any) -> bool:
    """Whether any byte of the values is below 0x20; when none is, no value can match :data:`_CONTROL`.

    In UTF-8 a byte below 0x80 is always that ASCII character, so a scan of the values' bytes
    (a millisecond a chunk) spares the regex (15 ms a column a chunk) on the usual clean file.
    Tabs and line breaks, which pass, also send a column to the regex: it decides.
    """
    import pyarrow as pa

    for chunk in _chunks(raw):
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True  # another layout: the regex decides
        bounds, text = _bytes_of(chunk)
        if text is not None and len(chunk) and (text[bounds[0]:bounds[-1]] < 0x20).any():
            return True
    return False


def _chunks(raw: Any) -> list[Any]:
    """The Arrow arrays of ``raw``, an array or a chunked one."""
    import pyarrow as pa

    return raw.chunks if isinstance(raw, pa.ChunkedArray) else [raw]


def _bytes_of(chunk: Any) -> tuple[Any, Any]:
    """A string array's value bounds (its offsets: value i is bytes ``bounds[i]:bounds[i + 1]``) and its bytes
    (None when it has none), as NumPy views of its buffers: no copy."""
    import numpy as np
    import pyarrow as pa

    _, offsets, data = chunk.buffers()
    width = 8 if pa.types.is_large_string(chunk.type) else 4
    bounds = np.frombuffer(offsets, dtype=f"int{width * 8}", count=len(chunk) + 1, offset=chunk.offset * width)
    return bounds, None if data is None else np.frombuffer(data, dtype=np.uint8)


def _timestamp(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Local timestamps as ``yyyyMMddHHmmss`` or ISO 8601; a zone, if given, is converted to local time.

    Exports use one format throughout, so the compact one is tried on everything first (one
    vectorised pass); padding and ISO 8601 are dealt with only on what is left.
    """
    import pandas as pd

    values = _compact_timestamps(text)
    rest = values.isna() & (text != "")
    if rest.any():
        text = text.where(~rest, text.str.strip())
        rest &= text != ""
        values = values.mask(rest, _compact_timestamps(text.where(rest, "")))
        rest &= values.isna()
        zoned = rest & text.str.contains(_ZONED)
        plain = rest & ~zoned
        if plain.any():
            values = values.mask(plain, pd.to_datetime(text.where(plain), format="ISO8601", errors="coerce"))
        if zoned.any():
            local = pd.to_datetime(text.where(zoned).str.upper(), format="ISO8601", errors="coerce", utc=True)
            values = values.mask(zoned, local.dt.tz_convert(TIMEZONE).dt.tz_localize(None))
    values = values.astype("datetime64[us]")
    return values, values.isna() & (text != "")


def _compact_timestamps(text: pd.Series) -> pd.Series:
    """``yyyyMMddHHmmss`` parsed by Arrow; anything else (or an impossible date) is null (``NaT``).

    Arrow's ``%S`` also reads one digit, so a value one digit short ("2022010308153") would come out
    as a time; which digit was lost is unknown, so only 14 characters are read as this format. Arrow
    also rolls an impossible day over (20220231 -> 3 March), so the written day is checked against its
    month (:func:`_written_as_a_real_day`).
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = pa.array(text, type=pa.string())
    parsed = pc.strptime(raw, format="%Y%m%d%H%M%S", unit="us", error_is_null=True)
    stamps = parsed.to_numpy(zero_copy_only=False).astype("datetime64[us]")  # NaT where Arrow could not parse
    stamps = np.where(_written_as_a_real_day(raw), stamps, np.datetime64("NaT", "us"))
    return pd.Series(stamps, index=text.index)


_DAYS_IN_MONTH = (31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # by month, 1-12 (0: never asked)


def _written_as_a_real_day(raw: Any) -> Any:
    """Whether each value is 14 bytes long and, if its bytes 7-8 are a day past the 28th, names a day its month
    has (for a value Arrow parsed: anything else is null already, whatever this says).

    Read from the text's bytes with NumPy, the year and month only for the days past the 28th: a tenth of
    the cost of Arrow's kernels for the length, the day's slice and the civil day of the parsed time, which
    took two fifths of the timestamps' typing. A parsed value is all ASCII digits, so its 14 bytes are
    its 14 characters.
    """
    import numpy as np

    chunks = _chunks(raw)
    return np.concatenate([_real_days(chunk) for chunk in chunks]) if chunks else np.zeros(0, dtype=bool)


def _real_days(chunk: Any) -> Any:
    """:func:`_written_as_a_real_day` for one Arrow string array."""
    import numpy as np

    bounds, text = _bytes_of(chunk)
    ok = np.diff(bounds) == 14
    if text is None or not ok.any():
        return ok
    starts = bounds[:-1][ok]
    day = _number(text, starts + 6, 2)
    late = day > 28
    if late.any():
        at = starts[late]
        year, month = _number(text, at, 4), np.clip(_number(text, at + 4, 2), 0, 12)
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        exists = day[late] <= np.asarray(_DAYS_IN_MONTH)[month] + ((month == 2) & leap)
        ok[np.flatnonzero(ok)[late]] = exists
    return ok


def _number(text: Any, at: Any, width: int) -> Any:
    """The decimal number written in the ``width`` bytes of ``text`` from each of the positions ``at``."""
    import numpy as np

    value = np.zeros(len(at), dtype=np.int32)
    for position in range(width):
        value = value * 10 + text[at + position] - 48
    return value


def _date(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    import pandas as pd

    values = pd.to_datetime(text.mask(text == ""), format="ISO8601", errors="coerce").dt.date
    return values, values.isna() & (text != "")


def _integer(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    return _by_distinct(text, lambda spelling: _whole_number(spelling, column.max_value), "Int64")


def _whole_number(spelling: str, max_value: int | None = None) -> int | None:
    """The number, if it is one the warehouse column can hold (a value beyond a SMALLINT would make the
    database refuse the whole load, not this row)."""
    if not _WHOLE.fullmatch(spelling):
        return None
    number = int(spelling)
    return None if max_value is not None and not -max_value - 1 <= number <= max_value else number


def _by_distinct(text: pd.Series, translate: Callable[[str], Any], dtype: str) -> tuple[pd.Series, pd.Series]:
    """Translate each distinct spelling once (a column has a handful), then spread back to the rows.

    Returns the values and the rows whose non-blank spelling has no translation.
    """
    import numpy as np
    import pandas as pd

    codes, spellings = pd.factorize(text)
    stripped = [s.strip() for s in spellings]
    meanings = pd.array([translate(s) if s else None for s in stripped], dtype=dtype)
    untranslatable = np.array([bool(s) and m is pd.NA for s, m in zip(stripped, meanings, strict=True)] + [False])
    values = pd.Series(meanings.take(codes, allow_fill=True), index=text.index, dtype=dtype)
    return values, pd.Series(untranslatable[codes], index=text.index)


def _boolean(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    return _by_distinct(text, lambda s: _BOOLEAN_WORDS.get(normalise_header(s)), "boolean")


def _decimal(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    return _by_distinct(text, _decimal_number, "Float64")


def _decimal_number(spelling: str) -> float | None:
    """``98.5``, ``98,5`` (decimal comma) or ``98,5%``; thousands separators are not accepted (ambiguous)."""
    match = _DECIMAL.fullmatch(spelling.strip())
    return float(match.group(1).replace(",", ".")) if match else None


def _enum(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    mapping = column.values or {}
    return _by_distinct(text, lambda s: mapping.get(normalise_header(s)), "string")


_CONVERTERS = {
    "code": _text,
    "text": _text,
    "timestamp": _timestamp,
    "date": _date,
    "int": _integer,
    "decimal": _decimal,
    "bool": _boolean,
    "enum": _enum,
}
_EXPECTED = {
    "code": "code (too long, or with control characters)",
    "text": "text (too long, or with control characters)",
    "timestamp": "timestamp (yyyyMMddHHmmss or ISO 8601)",
    "date": "date (YYYY-MM-DD)",
    "int": "whole number",
    "decimal": "number (decimal point or comma, an optional %)",
    "bool": "boolean (0/1, true/false, có/không)",
    "enum": "code from the contract's list",
}


def _expected(column: Column) -> str:
    """What a valid value of the column looks like, for a rejection's reason."""
    if column.kind == "int" and column.max_value is not None:
        return f"whole number from {-column.max_value - 1:,} to {column.max_value:,}"
    return _EXPECTED[column.kind]
