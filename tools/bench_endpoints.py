"""Endpoints files for benchmark variants: which tracker store and lock store the rasa server uses.

`make bench` measures the set-up `make run` uses (SQLite tracker store,
in-memory lock store) unless BENCH_TRACKER_STORE or BENCH_LOCK_STORE ask for
another, so the effect of a store can be measured on the same machine.
"""

from __future__ import annotations

from pathlib import Path

TRACKER_STORES = ("sqlite", "memory", "redis")
LOCK_STORES = ("memory", "redis")

# The machine's Redis on loopback; each run uses its own key prefix so runs do not share conversations.
REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_TRACKER_DB = 0
REDIS_LOCK_DB = 1
# Benchmark conversations are useless after the run, so Redis drops them after an hour.
REDIS_RECORD_EXPIRY_SECONDS = 3600


def endpoints_yaml(action_url: str, tracker_store: str, lock_store: str, work_dir: Path, key_prefix: str) -> str:
    """Build an endpoints file for the action server at `action_url` and the chosen stores."""
    if tracker_store not in TRACKER_STORES:
        raise ValueError(f"BENCH_TRACKER_STORE must be one of {', '.join(TRACKER_STORES)}, got {tracker_store!r}")
    if lock_store not in LOCK_STORES:
        raise ValueError(f"BENCH_LOCK_STORE must be one of {', '.join(LOCK_STORES)}, got {lock_store!r}")

    lines = ["action_endpoint:", f'  url: "{action_url}"']
    if tracker_store == "sqlite":
        lines += ["tracker_store:", "  type: SQL", "  dialect: sqlite", f"  db: {work_dir / 'tracker.db'}"]
    elif tracker_store == "redis":
        lines += [
            "tracker_store:",
            "  type: redis",
            f"  url: {REDIS_HOST}",
            f"  port: {REDIS_PORT}",
            f"  db: {REDIS_TRACKER_DB}",
            f"  key_prefix: {key_prefix}",
            f"  record_exp: {REDIS_RECORD_EXPIRY_SECONDS}",
        ]
    # Without a tracker_store section Rasa keeps trackers in memory.
    if lock_store == "redis":
        lines += [
            "lock_store:",
            "  type: redis",
            f"  url: {REDIS_HOST}",
            f"  port: {REDIS_PORT}",
            f"  db: {REDIS_LOCK_DB}",
            f"  key_prefix: {key_prefix}",
        ]
    return "\n".join(lines) + "\n"
