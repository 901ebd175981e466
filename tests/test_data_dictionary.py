"""The data dictionary stays in step with the DDL, describes every column, and its example queries run on both engines.

docs/data_dictionary.md is generated (scripts/build_data_dictionary.py): a DDL change without regenerating it
fails here, and so does a new core or mart column nobody described. docs/example_queries.sql is what analysts
copy, so each query runs here on DuckDB and PostgreSQL over a little loaded data.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import build_data_dictionary as dictionary
import pytest
from portal_files import valid_row, valid_rows, write_csv
from source_cases import land

from dxstats.ingest import ingest, ingest_portal_month
from dxstats.periods import HalfYear, Month, Year
from dxstats.sources.infrastructure import INFRASTRUCTURE, POPULATION
from dxstats.sources.registers import REGISTERS
from dxstats.sources.telecom import TELECOM

EXAMPLES = dictionary.ROOT / "docs" / "example_queries.sql"
H1 = HalfYear(2022, 1)

#: The columns each example query returns, in order: a renamed column in a mart breaks the query or this.
EXPECTED_COLUMNS = {
    "online_filing_rate_by_agency_kind": ["agency_kind", "filings_received", "received_online", "online_filing_rate"],
    "online_filing_rate_against_target": ["scope_key", "online_filing_rate", "target_pct", "on_track"],
    "departments_with_lowest_on_time_rate": ["agency_code", "agency_name", "filings_processed", "processed_on_time",
                                             "on_time_rate"],
    "monthly_filings_received_online": ["year", "month", "filings_received", "received_online", "online_rate"],
    "units_with_dx_plan": ["half_year", "agency_kind", "units_with_plan", "units", "rate"],
    "departments_without_dx_plan": ["agency_code", "agency_name", "has_dx_plan", "plan_issued_on"],
    "district_fibre_and_coverage": ["district_code", "district_name", "communes_with_fibre", "communes", "fibre_rate",
                                    "coverage_3g_4g_pct"],
    "people_per_postal_point_by_district": ["district_code", "district_name", "postal_points",
                                            "people_per_postal_point", "postal_radius_km"],
    "rejected_rows_by_reason": ["source", "period", "check_name", "reason", "rows_rejected"],
    "communes_with_their_district_on_a_date": ["commune_code", "commune_name", "unit_type", "district_code",
                                               "district_name", "valid_from", "valid_to"],
}


@dataclass(frozen=True)
class Example:
    name: str
    question: str
    sql: str


def examples(path: Path = EXAMPLES) -> list[Example]:
    """The named queries of the file: ``-- name: x``, a ``--`` line saying what it answers, then the SQL."""
    found = []
    for block in re.split(r"^(?=-- name:)", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
        lines = block.strip().splitlines()
        name = lines[0].removeprefix("-- name:").strip()
        question = lines[1].removeprefix("--").strip() if len(lines) > 1 and lines[1].startswith("-- ") else ""
        sql = "\n".join(line for line in lines[2:] if not line.lstrip().startswith("--")).strip().rstrip(";")
        found.append(Example(name, question, sql))
    return found


@pytest.fixture(scope="module")
def relations() -> list[dictionary.Relation]:
    """The dictionary's content from a fresh warehouse, built once for the module."""
    return dictionary.collect()


def test_the_committed_dictionary_is_up_to_date(relations):
    committed = dictionary.OUTPUT.read_text(encoding="utf-8") if dictionary.OUTPUT.exists() else ""
    assert committed == dictionary.render(relations), (
        f"docs/data_dictionary.md is out of date with the DDL or docs/data_dictionary.yaml: run {dictionary.COMMAND}")


def test_every_core_and_mart_object_and_column_is_in_the_dictionary_and_described(relations):
    text = dictionary.OUTPUT.read_text(encoding="utf-8")
    shown = [r for r in relations if r.schema in dictionary.REQUIRED]
    assert {r.schema for r in shown} == set(dictionary.REQUIRED)
    absent = [r.qualified for r in shown if f"\n### {r.qualified}\n" not in text]
    absent += [f"{r.qualified}.{c.name}" for r in shown for c in r.columns if f"| `{c.name}` |" not in text]
    assert not absent, f"not in docs/data_dictionary.md: {', '.join(absent)}; run {dictionary.COMMAND}"
    missing = dictionary.missing_descriptions(relations)
    assert not missing, (
        "no description for: " + ", ".join(missing) + ". Describe a table column with a trailing '-- comment' on its "
        "line in the CREATE TABLE, a view's column (or a table without a comment block, as _about) in "
        f"docs/data_dictionary.yaml; then run {dictionary.COMMAND}")


def test_the_yaml_names_only_what_exists(relations):
    stray = dictionary.unused_notes(relations)
    assert not stray, "docs/data_dictionary.yaml: " + "; ".join(stray)


def test_column_comments_are_read_from_the_ddl(tmp_path):
    """The parsing rules the dictionary relies on: the block above a CREATE, trailing comments, ``...`` joins."""
    sql = tmp_path / "x.sql"
    sql.write_text("-- A file header.\n\n-- One row per thing.\n--   a: first\n--     continued\n"
                   "CREATE TABLE IF NOT EXISTS core.thing (\n    a  INT NOT NULL,  -- the a ...\n"
                   "    b  INT,           -- ... and b\n    c  INT,\n    PRIMARY KEY (a)  -- not a column\n);\n"
                   "-- The d, added later.\nALTER TABLE core.thing ADD COLUMN IF NOT EXISTS d VARCHAR(10);\n"
                   "ALTER TABLE core.thing ADD COLUMN e INT;  -- the e\n", encoding="utf-8")
    read = dictionary.read_comments([sql])
    assert read.about["core.thing"] == "One row per thing.\n\n- a: first\n  continued"
    assert read.columns["core.thing"] == {"a": "the a and b", "b": "the a and b", "d": "The d, added later.",
                                          "e": "the e"}


def test_the_example_file_is_well_formed():
    found = examples()
    names = [e.name for e in found]
    assert 6 <= len(found) <= 10
    assert len(set(names)) == len(names), "a query name is used twice"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names), names
    assert all(e.question and e.sql for e in found), "each query needs a '-- ' line saying what it answers, and SQL"
    assert set(names) == set(EXPECTED_COLUMNS), "EXPECTED_COLUMNS lists the columns of every example query"


def load_a_little_of_everything(warehouse, landing: Path) -> None:
    """The 2022-H1 registers, infrastructure and June telecom from the sample, and a small January portal export
    with one row rejected, so that every example query has rows to return."""
    for source in REGISTERS:
        land(landing, source.name, H1)
        ingest(source, H1, "test", warehouse, landing)
    for source in INFRASTRUCTURE:
        period = Year(2022) if source is POPULATION else H1
        land(landing, source.name, period)
        ingest(source, period, "test", warehouse, landing)
    land(landing, TELECOM.name, Month(2022, 6))
    ingest(TELECOM, Month(2022, 6), "test", warehouse, landing)
    write_csv(landing / "portal" / "2022-01" / "export.csv", [*valid_rows(10), valid_row(11, kenh="9")])
    ingest_portal_month(Month(2022, 1), "test", warehouse, landing)


def test_every_example_query_runs_and_returns_its_columns(warehouse, landing):
    load_a_little_of_everything(warehouse, landing)
    failures = []
    for example in examples():
        try:
            frame = warehouse.frame(example.sql)
        except Exception as exc:  # report every broken query at once, not just the first
            failures.append(f"{example.name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        expected = EXPECTED_COLUMNS.get(example.name)
        if list(frame.columns) != expected:
            failures.append(f"{example.name}: columns {list(frame.columns)}, expected {expected}")
        elif frame.empty:
            failures.append(f"{example.name}: no rows over the loaded data")
    assert not failures, f"on {warehouse.dialect}:\n" + "\n".join(failures)


def test_the_script_checks_and_writes(tmp_path, capsys):
    """``--check`` fails with the command to run when the file differs, and passes once it is written."""
    out = tmp_path / "dictionary.md"
    shutil.copy(dictionary.OUTPUT, out)
    out.write_text(out.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert dictionary.main(["--check", "--output", str(out)]) == 1
    assert dictionary.COMMAND in capsys.readouterr().err
    assert dictionary.main(["--output", str(out)]) == 0
    assert dictionary.main(["--check", "--output", str(out)]) == 0
