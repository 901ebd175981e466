#!/usr/bin/env python3
"""Generate ``docs/data_dictionary.md``, the analysts' data dictionary, from the warehouse's own DDL.

Why generated: a hand-kept dictionary drifts from the tables. Here the list of tables, views,
columns and types comes from a fresh DuckDB warehouse built by the project's own
``Warehouse.create_schema()`` (every file of ``include/sql/ddl`` and ``include/sql/mart``), and the
words come from the SQL itself:

- a table's or view's description is the comment block directly above its ``CREATE TABLE`` /
  ``CREATE OR REPLACE VIEW`` (a ``*.<dialect>.sql`` variant is read only where no common file exists);
- a table column's description is the trailing ``-- comment`` on its line in the ``CREATE TABLE``
  (a comment ending in ``...`` continues on the next column's comment, which starts with ``...``), or,
  for a column added by ``ALTER TABLE ... ADD COLUMN``, that line's comment or the block above it;
- what the SQL does not say (view columns, uncommented table columns, a table without a comment
  block) comes from ``docs/data_dictionary.yaml``, keyed ``schema.name: {column: description}``,
  with ``_about`` for the object's own description. Where a column has both, the YAML's words lead
  and the DDL's comment follows (``Administrative level — province, district, commune``), so a
  terse DDL comment reads well and still shows verbatim; an ``_about`` for an object the DDL
  already describes, or an entry naming nothing, is reported.

``tests/test_data_dictionary.py`` fails when the committed file is out of date or a column has
no description. Run: ``PYTHONPATH=plugins .venv/bin/python scripts/build_data_dictionary.py``
(``--check``: exit 1 with a diff instead of writing). The output is deterministic: sorted, no dates.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = ROOT / "include" / "sql"
DDL_FOLDERS = ("ddl", "mart")
OUTPUT = ROOT / "docs" / "data_dictionary.md"
NOTES = ROOT / "docs" / "data_dictionary.yaml"
COMMAND = "PYTHONPATH=plugins .venv/bin/python scripts/build_data_dictionary.py"
ABOUT = "_about"  # the YAML key of an object's own description

#: The documented schemas, in the order an analyst reads them (staging is the loads' scratch space, empty at rest).
SCHEMAS = {
    "core": "Cleaned, typed facts as loaded from each source, and the reference dimensions with their history.",
    "mart": "The indicators of DESIGN §4 per half-year, computed from core: what the report and analysts read.",
    "audit": "Lineage of every load: each landing file looked at, each rejected row, and reconciliations.",
}

#: The schemas whose every table, view and column must be described (the test and ``--check`` fail otherwise).
REQUIRED = ("core", "mart")

CREATE = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)\"?\.\"?(\w+)\"?", re.I)
ADD_COLUMN = re.compile(
    r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?\"?(\w+)\"?\.\"?(\w+)\"?\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    r"\"?(\w+)\"?.*?(?:--\s?(.*))?$", re.I)
COLUMN_COMMENT = re.compile(r"^\s*\"?([A-Za-z_]\w*)\"?\s+[A-Za-z].*?--\s?(.*)$")
NOT_COLUMNS = {"primary", "constraint", "unique", "check", "foreign", "exclude"}
CONTINUED = "..."


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Relation:
    """A table or view as the dictionary shows it."""

    schema: str
    name: str
    kind: str  # "table" or "view"
    description: str
    defined_in: str  # the SQL file, relative to the project root
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class SqlComments:
    """What the DDL files say about each object: its comment block, its columns' trailing comments, its file."""

    about: dict[str, str]
    columns: dict[str, dict[str, str]]
    files: dict[str, str]


# --- reading the DDL's comments -------------------------------------------------------------------------------


def ddl_files() -> list[Path]:
    """Each DDL and mart file once: the common file, or a dialect variant only where no common file exists."""
    chosen: list[Path] = []
    for folder in DDL_FOLDERS:
        by_name: dict[str, list[Path]] = {}
        for path in sorted((SQL_DIR / folder).glob("*.sql")):
            by_name.setdefault(path.name.split(".")[0], []).append(path)
        for paths in by_name.values():
            common = [p for p in paths if p.name.count(".") == 1]
            chosen.append((common or paths)[0])
    return chosen


def read_comments(files: list[Path] | None = None) -> SqlComments:
    """The comment block above each CREATE, and the comments on each table column (CREATE TABLE or ADD COLUMN)."""
    found = SqlComments({}, {}, {})
    for path in files if files is not None else ddl_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if added := ADD_COLUMN.match(line):
                note_added_column(found, added, lines, index)
            elif created := CREATE.match(line):
                note_created(found, created, lines, index, shown_path(path))
    return found


def note_created(found: SqlComments, match: re.Match[str], lines: list[str], index: int, where: str) -> None:
    """A CREATE's object: its file, the comment block above it, and (a table's) its columns' trailing comments."""
    name = f"{match.group(2)}.{match.group(3)}".lower()
    found.files.setdefault(name, where)
    found.about.setdefault(name, comment_markdown(comment_block_above(lines, index)))
    if match.group(1).upper() == "TABLE":
        for column, said in column_comments(lines[index + 1:]).items():
            found.columns.setdefault(name, {}).setdefault(column, said)


def note_added_column(found: SqlComments, match: re.Match[str], lines: list[str], index: int) -> None:
    """A column added by ALTER TABLE: described by that line's trailing comment, or by the block above it."""
    said = match.group(4) or " ".join(comment_block_above(lines, index))
    name = f"{match.group(1)}.{match.group(2)}".lower()
    found.columns.setdefault(name, {})[match.group(3).lower()] = " ".join(said.split())


def shown_path(path: Path) -> str:
    """A SQL file as the dictionary names it: relative to the project (the same on every machine)."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def comment_block_above(lines: list[str], index: int) -> list[str]:
    """The ``--`` lines directly above ``lines[index]`` (a blank line ends the block), without their ``--``."""
    block: list[str] = []
    for line in reversed(lines[:index]):
        if not line.strip().startswith("--"):
            break
        text = line.strip()[2:]
        block.insert(0, text[1:] if text.startswith(" ") else text)
    return block


def column_comments(body: list[str]) -> dict[str, str]:
    """Column -> its trailing comment, from the lines of a CREATE TABLE after its first line, up to ``)``."""
    found: list[tuple[str, str]] = []
    for line in body:
        if line.strip().startswith(")"):
            break
        match = COLUMN_COMMENT.match(line)
        if match and match.group(1).lower() not in NOT_COLUMNS and match.group(2).strip():
            found.append((match.group(1).lower(), match.group(2).strip()))
    return dict(join_continued(found))


def join_continued(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``a -- x ...`` then ``b -- ... y``: one sentence, ``x y``, that both columns share."""
    out = list(found)
    for i in range(len(out) - 1):
        (first, head), (second, tail) = out[i], out[i + 1]
        if head.endswith(CONTINUED) and tail.startswith(CONTINUED):
            sentence = f"{head.removesuffix(CONTINUED).strip()} {tail.removeprefix(CONTINUED).strip()}"
            out[i], out[i + 1] = (first, sentence), (second, sentence)
    return out


def comment_markdown(block: list[str]) -> str:
    """A comment block as Markdown, so its lists stay lists: ``--`` alone ends a paragraph; ``* x`` is a list item,
    continued by indented lines; an indented line outside a list starts an item, continued by deeper lines."""
    out: list[str] = []
    continues_from: int | None = None  # the indentation that continues the current list item; None outside a list
    for raw in block:
        text, indent = raw.strip(), len(raw) - len(raw.lstrip())
        if not text:
            out.append("")
            continues_from = None
        elif continues_from is not None and indent >= continues_from:
            out.append(f"  {text}")
        elif indent > 0 or text.startswith("* "):
            if continues_from is None and out and out[-1]:
                out.append("")  # a list starts a block of its own
            out.append(f"- {text.removeprefix('* ')}")
            continues_from = indent + 1
        else:
            if continues_from is not None:
                out.append("")  # or the paragraph would continue the last item
            out.append(text)
            continues_from = None
    return "\n".join(out).strip()


# --- reading the hand-written notes ---------------------------------------------------------------------------


def read_notes(path: Path = NOTES) -> dict[str, dict[str, str]]:
    """``docs/data_dictionary.yaml`` as {``schema.name``: {column or ``_about``: description}} ({} if absent)."""
    import yaml

    if not path.exists():
        return {}
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of 'schema.name' to a mapping of column to description")
    return {str(k).lower(): {str(c).lower(): " ".join(str(d).split()) for c, d in v.items() if d is not None}
            for k, v in data.items()}


# --- reading the warehouse ------------------------------------------------------------------------------------


def warehouse_layout() -> list[dict[str, Any]]:
    """Every table and view of the documented schemas with its columns (in order) and primary key, from a fresh
    DuckDB warehouse that ``Warehouse.create_schema()`` built, so the dictionary shows what the DDL makes."""
    if str(ROOT / "plugins") not in sys.path:  # run without PYTHONPATH=plugins too
        sys.path.insert(0, str(ROOT / "plugins"))
    from dxstats.warehouse import Warehouse

    schemas = ", ".join(f"'{s}'" for s in SCHEMAS)
    with tempfile.TemporaryDirectory(prefix="dxstats-dictionary-") as tmp:
        wh = Warehouse(f"duckdb:///{tmp}/w.duckdb")
        try:
            wh.create_schema()
            objects = wh.frame(f"SELECT table_schema, table_name, table_type FROM information_schema.tables "  # noqa: S608
                               f"WHERE table_schema IN ({schemas}) ORDER BY table_schema, table_name")
            columns = wh.frame(f"SELECT table_schema, table_name, column_name, data_type "  # noqa: S608
                               f"FROM information_schema.columns WHERE table_schema IN ({schemas}) "
                               f"ORDER BY table_schema, table_name, ordinal_position")
            keys = wh.frame(f"SELECT schema_name, table_name, constraint_column_names FROM duckdb_constraints() "  # noqa: S608
                            f"WHERE constraint_type = 'PRIMARY KEY' AND schema_name IN ({schemas})")
        finally:
            wh.close()
    primary = {f"{r.schema_name}.{r.table_name}": tuple(r.constraint_column_names) for r in keys.itertuples()}
    layout = []
    for o in objects.itertuples():
        name = f"{o.table_schema}.{o.table_name}"
        mine = columns[(columns["table_schema"] == o.table_schema) & (columns["table_name"] == o.table_name)]
        layout.append({"schema": o.table_schema, "name": o.table_name,
                       "kind": "view" if o.table_type == "VIEW" else "table", "primary_key": primary.get(name, ()),
                       "columns": [(c.column_name, c.data_type) for c in mine.itertuples()]})
    return layout


# --- putting it together --------------------------------------------------------------------------------------


def collect(layout: list[dict[str, Any]] | None = None, comments: SqlComments | None = None,
            notes: dict[str, dict[str, str]] | None = None) -> list[Relation]:
    """Every documented object with its descriptions, from the DDL's comments and the YAML's notes."""
    layout = warehouse_layout() if layout is None else layout
    comments = read_comments() if comments is None else comments
    notes = read_notes() if notes is None else notes
    relations = []
    for obj in layout:
        name = f"{obj['schema']}.{obj['name']}".lower()
        said, noted = comments.columns.get(name, {}), notes.get(name, {})
        columns = tuple(Column(c, t, describe(noted.get(c.lower(), ""), said.get(c.lower(), "")))
                        for c, t in obj["columns"])
        relations.append(Relation(obj["schema"], obj["name"], obj["kind"],
                                  comments.about.get(name) or noted.get(ABOUT, ""), comments.files.get(name, ""),
                                  tuple(obj["primary_key"]), columns))
    order = list(SCHEMAS)
    return sorted(relations, key=lambda r: (order.index(r.schema), r.name))


def describe(noted: str, said: str) -> str:
    """A column's description: the YAML's lead-in, then the DDL's trailing comment (either may be absent)."""
    return " — ".join(part for part in (noted, said) if part)


def missing_descriptions(relations: list[Relation], schemas: tuple[str, ...] = REQUIRED) -> list[str]:
    """Objects and columns of ``schemas`` with no description anywhere: each needs a DDL comment or a YAML entry."""
    missing = []
    for r in (r for r in relations if r.schema in schemas):
        if not r.description:
            missing.append(f"{r.qualified} (the {r.kind} itself)")
        missing.extend(f"{r.qualified}.{c.name}" for c in r.columns if not c.description)
    return missing


def unused_notes(relations: list[Relation], comments: SqlComments | None = None,
                 notes: dict[str, dict[str, str]] | None = None) -> list[str]:
    """YAML entries that name nothing in the warehouse, or an ``_about`` for an object the DDL describes."""
    comments = read_comments() if comments is None else comments
    notes = read_notes() if notes is None else notes
    known = {r.qualified.lower(): {c.name.lower() for c in r.columns} for r in relations}
    problems = []
    for name, entries in sorted(notes.items()):
        if name not in known:
            problems.append(f"{name}: no such table or view")
            continue
        for key in sorted(entries):
            if key == ABOUT and comments.about.get(name):
                problems.append(f"{name}.{ABOUT}: the DDL's comment block describes it already")
            elif key != ABOUT and key not in known[name]:
                problems.append(f"{name}.{key}: no such column")
    return problems


def render(relations: list[Relation]) -> str:
    """The dictionary as Markdown: intro, contents, then per schema each object's description and columns."""
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated by scripts/build_data_dictionary.py from include/sql/ddl, include/sql/mart and",
        f"     docs/data_dictionary.yaml: do not edit by hand. Regenerate with: {COMMAND} -->",
        "",
        "Every table and view an analyst can query in the warehouse, with its columns in order. The warehouse has",
        "layers: sources land in `staging` (the loads' scratch space, empty between loads), are kept cleaned and",
        "typed in `core`, and are turned into the indicators of `mart`; `audit` records every load beside them.",
        "The same schema exists on DuckDB and PostgreSQL.",
        "",
        "Conventions: a half-year is labelled `YYYY-H1` (January–June) or `YYYY-H2` (July–December), and a table's",
        "`snapshot_half` is that half-year's first day; dimension versions are valid over `[valid_from, valid_to)`,",
        "`valid_to` NULL while still valid; rates are percentages rounded to one decimal, NULL when their",
        "denominator is 0; times are local (Asia/Ho_Chi_Minh). Types are as DuckDB reports them (on PostgreSQL,",
        "`VARCHAR` is `character varying` and `DOUBLE` is `double precision`; declared lengths are in the DDL).",
        "Example queries that run unchanged on both engines: [`docs/example_queries.sql`](example_queries.sql).",
        "",
        "## Contents",
        "",
    ]
    for schema in SCHEMAS:
        links = ", ".join(f"[{r.qualified}](#{anchor(r.qualified)})" for r in relations if r.schema == schema)
        lines.append(f"- [{schema}](#{anchor(schema)}): {links}")
    for schema, blurb in SCHEMAS.items():
        lines += ["", f"## {schema}", "", blurb]
        for r in (r for r in relations if r.schema == schema):
            lines += ["", *render_relation(r)]
    return "\n".join(lines) + "\n"


def render_relation(r: Relation) -> list[str]:
    """One object: heading, kind / key / file line, description, column table."""
    facts = [r.kind.capitalize()]
    if r.primary_key:
        facts.append(f"primary key ({', '.join(r.primary_key)})")
    if r.defined_in:
        facts.append(f"defined in `{r.defined_in}`")
    lines = [f"### {r.qualified}", "", f"*{' · '.join(facts)}*", ""]
    lines += [r.description or "(no description)", "", "| column | type | description |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {cell(c.description)} |" for c in r.columns]
    return lines


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation other than - and _ dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def generate() -> str:
    """The dictionary's Markdown as the DDL and the YAML make it now."""
    return render(collect())


def problems(relations: list[Relation], comments: SqlComments, notes: dict[str, dict[str, str]]) -> list[str]:
    """Everything a maintainer must fix: undescribed columns or objects, stray YAML entries."""
    found = [f"no description: {m}" for m in missing_descriptions(relations)]
    return found + [f"{NOTES.name}: {p}" for p in unused_notes(relations, comments, notes)]


def check(path: Path, text: str) -> bool:
    """Whether ``path`` holds ``text``; if not, print the diff and the command that regenerates it."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == text:
        return True
    diff = difflib.unified_diff(current.splitlines(keepends=True), text.splitlines(keepends=True), str(path),
                                "generated")
    sys.stdout.writelines(diff)
    print(f"\n{path} is out of date: run {COMMAND}", file=sys.stderr)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the Markdown file (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff if the file is out of date")
    args = parser.parse_args(argv)
    comments, notes = read_comments(), read_notes()
    relations = collect(comments=comments, notes=notes)
    found = problems(relations, comments, notes)
    optional = tuple(s for s in SCHEMAS if s not in REQUIRED)
    for problem in found + [f"no description (not required): {m}" for m in missing_descriptions(relations, optional)]:
        print(problem, file=sys.stderr)
    text = render(relations)
    if args.check:
        return 0 if check(args.output, text) and not found else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(relations)} tables and views)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
