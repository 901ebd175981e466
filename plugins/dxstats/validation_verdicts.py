"""GX's verdicts on the value-wise rules, kept between calls so that a combination is judged once.

A value-wise rule's verdict on a combination of values depends on nothing else in the batch, nor
on the parameters the rule does not read, so a verdict found on one chunk or month answers the
same combination in the next (see ``_value_wise`` in :mod:`dxstats.validate`).
"""

from __future__ import annotations

import itertools
from typing import Any


class Verdicts:
    """GX's verdicts on one value-wise rule, per combination of the values it reads, oldest first.

    Keyed (see :func:`dxstats.validation_plans._rule_key`) on what the verdicts depend on: the suite,
    the rule as written and the values of the parameters it names. Plans whose rule has the same
    key share one object, so the next month's plan answers the code lists' rules from the months
    before; at most :data:`_VERDICTS_KEPT` combinations are kept, the oldest dropped first, so that
    a file of ever-new values cannot grow it without end.
    """

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.unexpected: dict[tuple[Any, ...], bool] = {}  # combination -> whether GX found it unexpected

    def keep(self, verdicts: dict[tuple[Any, ...], bool]) -> None:
        self.unexpected.update(verdicts)
        excess = len(self.unexpected) - _VERDICTS_KEPT
        if excess > 0:
            for combination in list(itertools.islice(self.unexpected, excess)):
                del self.unexpected[combination]


_VERDICTS_KEPT = 200_000  # combinations per rule: a catalogue's codes many times over, a few MB at most
