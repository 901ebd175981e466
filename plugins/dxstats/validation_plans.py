"""A source's suite made ready once per set of parameters, so that every chunk of a file reuses it.

A plan splits the suite's rules into row-wise and value-wise, resolves each ``in_set`` value set,
and holds the row-wise GX suite and the value-wise rules' kept verdicts. A process keeps a few,
keyed on everything a result depends on besides the frame, so that an edited suite or changed
parameters are never answered from a stale plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dxstats.settings import EXPECTATIONS_DIR
from dxstats.validation_verdicts import Verdicts

# Rules whose verdict on a row follows from the values of the columns they read, a null passing;
# with ``mostly`` a verdict counts rows, so such a rule runs on every row instead.
VALUE_WISE = frozenset({
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_value_lengths_to_be_between",
})


def _is_value_wise(expectation: dict[str, Any]) -> bool:
    """A rule judged per combination of values; one that rejects the batch as a whole counts rows, so it is not."""
    kwargs = expectation["kwargs"]
    return (expectation["type"] in VALUE_WISE and "mostly" not in kwargs
            and kwargs.get("condition_parser", "pandas") == "pandas"
            and expectation.get("meta", {}).get("scope") != "table")


@dataclass
class Plan:
    """A source's suite made ready for one set of parameters, so that every chunk of a file reuses it.

    Built once per (source, suite text, :data:`VALUE_WISE`, parameters): the rules split into
    row-wise and value-wise, each ``in_set`` value set resolved to its list, and the row-wise
    GX suite, whose expectation objects GX only reads (it validates fresh copies of their
    configurations), so one object serves every call. Each value-wise rule's kept verdicts are
    shared with the kept plans whose rule has the same key, and live as long as one of them.
    """

    spec: dict[str, Any]
    row_wise: list[dict[str, Any]]
    value_wise: list[dict[str, Any]]
    value_sets: dict[int, list[Any]]  # value-wise rule number -> the values its in_set rule accepts
    verdicts: list[Verdicts]  # value-wise rule number -> GX's verdicts so far
    _row_suite: Any = None

    def suite(self, expectations: list[dict[str, Any]]) -> Any:
        import great_expectations as gx

        return gx.ExpectationSuite(name=self.spec["name"], expectations=expectations,
                                   meta=self.spec.get("meta", {}))

    def row_suite(self) -> Any:
        if self._row_suite is None:
            self._row_suite = self.suite(self.row_wise)
        return self._row_suite


_PLANS: dict[tuple[Any, ...], Plan] = {}
_PLANS_KEPT = 8  # a process validates a few sources and months; more plans only hold memory


def suite_text(source: str) -> str:
    """The source's suite as written in ``expectations/<source>.json``."""
    return (EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8")


def plan_for(source: str, parameters: dict[str, Any]) -> Plan:
    """The plan for this suite and these parameters, built on first use.

    The key holds everything a result depends on besides the frame: the suite's text (a suite
    edited while the process runs is read again), the rules checked per value, and the
    parameters' values (as JSON text, so equal values share a plan and any change makes a new one).
    """
    text = suite_text(source)
    key = (source, text, VALUE_WISE, _as_json(parameters))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _new_plan(source, text, parameters)  # before evicting: the oldest plan may share verdicts
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan
    return plan


def _as_json(value: Any) -> str:
    """``value`` as JSON text, in full and with its types (:func:`_tagged`): equal text, equal value."""
    return json.dumps(value, sort_keys=True, default=_tagged)


def _tagged(value: Any) -> dict[str, Any]:
    """A value JSON has no type for, under its type's name (so a date and a string differ), in full.

    Arrays and series go as lists and sets sorted, never as their ``repr``, which elides the middle
    of a long array: two parameter lists differing there must not share a plan.
    """
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    if hasattr(value, "tolist"):
        return {kind: value.tolist()}
    if isinstance(value, (set, frozenset)):
        return {kind: sorted(value, key=repr)}
    return {kind: repr(value)}


def _new_plan(source: str, text: str, parameters: dict[str, Any]) -> Plan:
    spec = json.loads(text)
    value_wise = [e for e in spec["expectations"] if _is_value_wise(e)]
    row_wise = [e for e in spec["expectations"] if not _is_value_wise(e)]
    value_sets = {i: values for i, e in enumerate(value_wise)
                  if (values := _in_set_values(e, parameters)) is not None}
    kept = {v.key: v for plan in _PLANS.values() for v in plan.verdicts}
    verdicts = []
    for expectation in value_wise:
        key = _rule_key(source, text, expectation, parameters)
        verdicts.append(kept.setdefault(key, Verdicts(key)))  # two equal rules share theirs too
    return Plan(spec, row_wise, value_wise, value_sets, verdicts)


def _rule_key(source: str, text: str, expectation: dict[str, Any], parameters: dict[str, Any]) -> tuple[Any, ...]:
    """What a value-wise rule's verdicts depend on: the suite, the rule, and the parameters it names.

    The rule as written holds its type, kwargs (value set, bounds, row condition) and meta; of the
    parameters, only the values of those it names by ``$PARAMETER``, a missing one apart from any
    value. A ``$PARAMETER`` that is an expression rather than a name may read any parameter (GX
    evaluates it), so such a rule is keyed on all of them, as every rule was before.
    """
    names = _parameters_named(expectation["kwargs"])
    if all(name.isidentifier() for name in names):
        named = {name: [parameters[name]] if name in parameters else [] for name in sorted(names)}
    else:
        named = {"": [parameters]}
    return (source, text, VALUE_WISE, _as_json(expectation), _as_json(named))


def _parameters_named(value: Any) -> set[str]:
    """The ``$PARAMETER`` texts anywhere in a rule's kwargs."""
    if isinstance(value, dict):
        named = {str(value["$PARAMETER"])} if "$PARAMETER" in value else set()
        return named.union(*(_parameters_named(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        return set().union(*(_parameters_named(v) for v in value))
    return set()


def _in_set_values(expectation: dict[str, Any], parameters: dict[str, Any]) -> list[Any] | None:
    """The values an ``in_set`` rule accepts: its list, or the parameter it names; None for anything else.

    Only a bare ``{"$PARAMETER": name}`` naming a list is resolved here; an expression, or a
    missing parameter, is left to GX, which substitutes it (or fails) as it always did.
    """
    if expectation["type"] != "expect_column_values_to_be_in_set":
        return None
    value_set = expectation["kwargs"].get("value_set")
    if isinstance(value_set, dict) and set(value_set) == {"$PARAMETER"}:
        value_set = parameters.get(value_set["$PARAMETER"])
    return list(value_set) if isinstance(value_set, (list, tuple)) else None
