"""The embedded job's process: its garbage collector spared the objects that live until the job ends."""

from __future__ import annotations

import gc
import weakref

import pytest

from dxstats.embedded import YOUNG_COLLECTION_THRESHOLD, collecting_less


class _Node:
    """An object that can sit in a reference cycle, which only the cyclic collector frees."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref:
    """A two-node cycle nothing else refers to; a weak reference to one node tells whether it was freed."""
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def collector():
    """The collector's thresholds as this test found them, checked to be so again after it, nothing frozen."""
    threshold = gc.get_threshold()
    yield
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0


def test_what_exists_is_frozen_and_the_young_collected_less_often_within_the_block(collector):
    kept = _Node()
    with collecting_less():
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # frozen: out of every generation the collector walks
        later = _cycle()
        gc.collect()
        assert later() is None, "a cycle made within the block is collected as before"
    assert any(o is kept for o in gc.get_objects())


def test_garbage_at_the_start_is_collected_not_frozen(collector):
    earlier = _cycle()
    assert earlier() is not None
    with collecting_less():
        assert earlier() is None


def test_the_collector_is_restored_when_the_block_fails(collector):
    with pytest.raises(RuntimeError), collecting_less():
        raise RuntimeError("a DAG run failed")
