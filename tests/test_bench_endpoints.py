"""Endpoints files of the benchmark's tracker store and lock store variants."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.bench import BenchSettings
from tools.bench_endpoints import endpoints_yaml

ACTION_URL = "http://127.0.0.1:40123/webhook"


def _load(tracker_store: str, lock_store: str, work_dir: Path) -> dict:
    return yaml.safe_load(endpoints_yaml(ACTION_URL, tracker_store, lock_store, work_dir, "chassiebench1a2b"))


def test_sqlite_matches_make_run(tmp_path: Path) -> None:
    endpoints = _load("sqlite", "memory", tmp_path)
    assert endpoints["action_endpoint"] == {"url": ACTION_URL}
    expected = {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    assert endpoints["tracker_store"] == expected
    assert "lock_store" not in endpoints


def test_memory_tracker_store_has_no_section(tmp_path: Path) -> None:
    endpoints = _load("memory", "memory", tmp_path)
    assert set(endpoints) == {"action_endpoint"}


def test_redis_stores_use_loopback_and_prefix(tmp_path: Path) -> None:
    endpoints = _load("redis", "redis", tmp_path)
    tracker, lock = endpoints["tracker_store"], endpoints["lock_store"]
    assert tracker["type"] == "redis"
    assert tracker["url"] == "127.0.0.1"
    assert tracker["key_prefix"] == "chassiebench1a2b"
    assert tracker["record_exp"] > 0
    assert lock["type"] == "redis"
    assert lock["url"] == "127.0.0.1"
    assert lock["db"] != tracker["db"]


@pytest.mark.parametrize(("tracker_store", "lock_store"), [("mongo", "memory"), ("sqlite", "sql")])
def test_unknown_store_is_rejected(tmp_path: Path, tracker_store: str, lock_store: str) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        endpoints_yaml(ACTION_URL, tracker_store, lock_store, tmp_path, "prefix")


def test_settings_read_store_choice() -> None:
    settings = BenchSettings.from_env({"BENCH_TRACKER_STORE": "redis", "BENCH_LOCK_STORE": "redis"})
    assert (settings.tracker_store, settings.lock_store) == ("redis", "redis")
    with pytest.raises(ValueError, match="BENCH_TRACKER_STORE"):
        BenchSettings.from_env({"BENCH_TRACKER_STORE": "mongo"})
