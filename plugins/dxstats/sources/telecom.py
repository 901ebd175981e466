"""Telecom operators' coverage per commune (DESIGN §3, ``telecom``), one file per operator per month.

Operators send their own layouts. Each is one declarative file in ``include/sources/telecom/``
(which file names it applies to, encoding, delimiter, header row, and the header of each
normalised field), so a fourth operator is a YAML file and a sample, not code. A file that no
layout claims, or that two claim, is refused, naming the layouts that were expected.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxstats.contracts import Column, Contract
from dxstats.errors import SourceFileError
from dxstats.periods import Month
from dxstats.settings import PROJECT_ROOT
from dxstats.sources import Layout, Source
from dxstats.sources.infrastructure import commune_parameters

if TYPE_CHECKING:
    import pandas as pd

LAYOUTS_DIR = PROJECT_ROOT / "include" / "sources" / "telecom"

#: the normalised fields; a layout gives each its header in the operator's file
CONTRACT = Contract("telecom", (
    Column("commune_code", "commune_code", "code", max_length=10),
    Column("bts_2g", "bts_2g", "int"),
    Column("bts_3g", "bts_3g", "int"),
    Column("bts_4g", "bts_4g", "int"),
    Column("bts_5g", "bts_5g", "int", required=False, nullable=True),
    Column("coverage_3g_pct", "coverage_3g_pct", "decimal"),
    Column("coverage_4g_pct", "coverage_4g_pct", "decimal"),
    Column("coverage_5g_pct", "coverage_5g_pct", "decimal", required=False, nullable=True),
    Column("has_fibre", "has_fibre", "bool"),
    Column("ftth_subscribers", "ftth_subscribers", "int"),
    Column("mobile_subscribers", "mobile_subscribers", "int"),
))


@functools.cache
def operator_layouts(folder: Path) -> dict[str, tuple[str, Layout]]:
    """Operator -> (file-name pattern, layout), from every ``*.yaml`` in ``folder``."""
    import yaml

    layouts = {}
    for path in sorted(folder.glob("*.yaml")):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        layouts[str(config["operator"])] = (config["files"], _layout(config, path))
    return layouts


def _layout(config: dict[str, Any], path: Path) -> Layout:
    headers = config["columns"]
    unknown = set(headers) - set(CONTRACT.names)
    if unknown:
        raise ValueError(f"{path}: unknown fields {sorted(unknown)}; the fields are {CONTRACT.names}")
    columns = tuple(replace(c, source_name=str(headers.get(c.name, c.name))) for c in CONTRACT.columns)
    return Layout(Contract(f"telecom operator {config['operator']}", columns),
                  encoding=config.get("encoding", "utf-8"), delimiter=config.get("delimiter", ","),
                  header_row=int(config.get("header_row", 1)), constants={"operator": str(config["operator"])})


def layout_of(path: Path) -> Layout:
    """The layout whose file pattern matches ``path``'s name; exactly one must."""
    layouts = operator_layouts(LAYOUTS_DIR)
    matches = [layout for pattern, layout in layouts.values() if fnmatch.fnmatch(path.name.lower(), pattern.lower())]
    if len(matches) != 1:
        expected = "; ".join(f"operator {op}: {pattern}" for op, (pattern, _) in layouts.items())
        what = "no operator layout" if not matches else f"{len(matches)} operator layouts"
        raise SourceFileError(path, f"{what} recognises this file name; expected one of: {expected} "
                                    f"(layouts in {LAYOUTS_DIR})")
    return matches[0]


def with_coverage_key(typed: pd.DataFrame, month: Month) -> pd.DataFrame:
    """One row per (operator, commune) in a month: the key the load counts once."""
    return typed.assign(coverage_key=typed["operator"] + "/" + typed["commune_code"])


TELECOM = Source("telecom", CONTRACT, "core.fact_telecom_coverage", "export_month", "coverage_key",
                 prepare=with_coverage_key, parameters=commune_parameters, period_of=Month.of,
                 layout_of=layout_of, constant_columns=("operator",))
