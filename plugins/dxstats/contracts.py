"""Column contracts: what a source's file must contain, in its own words and in ours.

A contract names each column once in English (the warehouse's name) with the Vietnamese
name the source uses; header matching ignores case and diacritics. Columns that are not in
the contract, personal data among them, are never read into memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["code", "text", "timestamp", "date", "int", "decimal", "bool", "enum"]


@dataclass(frozen=True)
class Column:
    """One contract column: English name, source (Vietnamese) name, kind.

    ``required``: the header must have the column. ``nullable``: a row may leave it blank;
    a blank in a non-nullable column rejects the row.
    """

    name: str
    source_name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    #: for ``code`` and ``text`` columns: the warehouse column's width; longer values are rejected
    max_length: int | None = None
    #: for ``enum`` columns: accepted source spellings (normalised like headers) -> stored value
    values: Mapping[str, str] | None = None
    #: for ``int`` columns: the largest magnitude the warehouse column holds (a SMALLINT's is 32,767; other
    #: integer columns hold any nine-digit number, all a value may have); a larger value is rejected
    max_value: int | None = None


@dataclass(frozen=True)
class Contract:
    """The columns a source's files carry, plus the personal-data columns known to appear."""

    source: str
    columns: tuple[Column, ...]
    personal: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def header_lookup(self) -> dict[str, str]:
        """Normalised header text -> English column name, for both languages."""
        lookup: dict[str, str] = {}
        for column in self.columns:
            lookup[normalise_header(column.name)] = column.name
            lookup[normalise_header(column.source_name)] = column.name
        return lookup


def strip_diacritics(text: str) -> str:
    """Vietnamese text without tone marks and with đ as d, for forgiving comparisons."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def normalise_header(text: str) -> str:
    """``Mã hồ sơ``, ``MA_HO_SO`` and ``ma ho so`` all become ``ma_ho_so``."""
    plain = strip_diacritics(str(text)).strip().lower()
    return re.sub(r"[^a-z0-9%]+", "_", plain).strip("_")
