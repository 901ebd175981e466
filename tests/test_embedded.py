"""The embedded job's process: its garbage collector spared the objects that live until the job ends, and Airflow's
execution API started while the metadata database migrates."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref

import pytest

from dxstats.embedded import YOUNG_COLLECTION_THRESHOLD, collecting_less
from dxstats.settings import PROJECT_ROOT


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


_MIGRATE_AND_START = """
import json, os
from pathlib import Path
from dxstats.embedded import migrate_metadata, start_execution_api, use_embedded_airflow

use_embedded_airflow()
config = Path(os.environ["AIRFLOW_HOME"], "airflow.cfg")
seen = {}

def meanwhile():
    seen["config"] = config.read_text()  # while the migration runs
    start_execution_api()

migrate_metadata(meanwhile=meanwhile)
from airflow.configuration import conf
from airflow.sdk.execution_time.supervisor import in_process_api_server

api = in_process_api_server()
print(json.dumps({
    "config_unchanged": config.read_text() == seen["config"],
    "our_key_is_the_files": f"fernet_key = {conf.get('core', 'fernet_key')}" in seen["config"],
    "api_started": api.app.state.lifespan_called,  # entered when its transport was made
}))
"""


@pytest.mark.slow
def test_the_execution_api_starts_while_the_metadata_database_migrates_in_a_fresh_home(tmp_path):
    """The job imports Airflow and starts its execution API while ``airflow db migrate`` runs: the home's
    configuration is written before either reads it, so both read the same whole file, Fernet key included;
    the API ``dag.test()`` will use is the one started then."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(AIRFLOW_HOME=str(tmp_path / "airflow"), PYTHONPATH=str(PROJECT_ROOT / "plugins"))
    done = subprocess.run([sys.executable, "-c", _MIGRATE_AND_START], env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "config_unchanged": True, "our_key_is_the_files": True, "api_started": True}
    assert (tmp_path / "airflow" / "airflow.db").stat().st_size > 0
