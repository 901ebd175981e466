"""Numbers in the report's language, through Babel's CLDR data: Vietnamese ``6.343`` and ``1,67``, English
``6,343`` and ``1.67``. Every writer formats through :func:`format_value`, so a figure reads the same in the
PDF, the workbook's text and the narrative."""

from __future__ import annotations

import math
from typing import Any

from babel.numbers import format_decimal

from dxstats.report.model import Kind

LOCALES = {"vi": "vi_VN", "en": "en_GB"}
PATTERNS = {"count": "#,##0", "decimal1": "#,##0.0", "decimal2": "#,##0.00", "percent": "#,##0.0",
            "change": "+#,##0.0;-#,##0.0"}


def locale_of(language: str) -> str:
    if language not in LOCALES:
        raise ValueError(f"unknown report language {language!r}: expected one of {sorted(LOCALES)}")
    return LOCALES[language]


def format_number(value: float, pattern: str, language: str) -> str:
    """``value`` with a CLDR ``pattern`` (``#,##0.00``...) in ``language``'s separators."""
    return format_decimal(value, format=pattern, locale=locale_of(language), decimal_quantization=True)


def format_value(value: Any, kind: Kind, language: str) -> str:
    """One cell as the report shows it; empty for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "text":
        return str(value)
    if kind == "number":
        kind = "count" if float(value).is_integer() else "decimal2"
    text = format_number(value, PATTERNS[kind], language)
    return f"{text}%" if kind == "percent" else text


def ratio(numerator: Any, denominator: Any, language: str) -> str:
    """``17/22`` (counts in the language's grouping: ``1.290/1.814``)."""
    return f"{format_value(numerator, 'count', language)}/{format_value(denominator, 'count', language)}"
