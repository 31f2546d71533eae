"""Processed message ids and delivery statuses in the project's database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect
from whatsapp_harness import migrated_database

from chassie.db import get_engine
from chassie.whatsapp.inbound import DeliveryStatus
from chassie.whatsapp.store import DeliveryStatusStore, MessageIdStore, utcnow


@pytest.fixture
def database_url(tmp_path):
    """A migrated SQLite database, created before the test body (see `migrated_database`)."""
    return migrated_database(tmp_path)


def test_migration_creates_tables(database_url):
    tables = inspect(get_engine(database_url)).get_table_names()

    assert "whatsapp_processed_messages" in tables
    assert "whatsapp_delivery_statuses" in tables


def test_message_id_is_claimed_once(database_url):
    store = MessageIdStore(database_url)

    assert store.claim("wamid.1") is True
    assert store.claim("wamid.1") is False
    assert store.claim("wamid.2") is True


def test_claim_survives_a_new_store(database_url):
    MessageIdStore(database_url).claim("wamid.1")

    assert MessageIdStore(database_url).claim("wamid.1") is False


def test_expired_id_can_be_claimed_again_and_purged(database_url):
    store = MessageIdStore(database_url, ttl=timedelta(hours=1))
    start = utcnow()
    store.claim("wamid.old", now=start)
    store.claim("wamid.new", now=start + timedelta(minutes=50))

    later = start + timedelta(minutes=70)
    assert store.purge_expired(now=later) == 1
    assert store.claim("wamid.old", now=later) is True
    assert store.claim("wamid.new", now=later) is False


def test_expired_id_without_purge_is_reclaimed(database_url):
    store = MessageIdStore(database_url, ttl=timedelta(minutes=1))
    start = utcnow()
    store.claim("wamid.x", now=start)

    assert store.claim("wamid.x", now=start + timedelta(minutes=2)) is True
    assert store.claim("wamid.x", now=start + timedelta(minutes=2, seconds=30)) is False


def test_status_is_stored_once_per_kind(database_url):
    store = DeliveryStatusStore(database_url)
    sent = DeliveryStatus("wamid.out", "6281234567890", "sent", 1764820300)
    failed = DeliveryStatus("wamid.out", "6281234567890", "failed", 1764820301, 131047, "Re-engagement message")

    assert store.record(sent) is True
    assert store.record(sent) is False
    assert store.record(failed) is True

    statuses = store.statuses_for("wamid.out")
    assert [s.status for s in statuses] == ["sent", "failed"]
    assert statuses[1].error_code == 131047
    assert statuses[0].status_at is not None
    assert store.statuses_for("wamid.other") == []


def test_postgres_store_when_available():
    psycopg2 = pytest.importorskip("psycopg2")
    url = "postgresql://postgres@127.0.0.1:5432/test"
    try:
        psycopg2.connect(url, connect_timeout=2).close()
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error}")
    from chassie.db import upgrade_schema

    upgrade_schema(url)
    store = MessageIdStore(url)
    message_id = f"wamid.pg-{utcnow().timestamp()}"

    assert store.claim(message_id) is True
    assert store.claim(message_id) is False


def test_unfinished_message_is_listed_until_completed(database_url):
    store = MessageIdStore(database_url)
    start = utcnow()
    store.claim("wamid.open", now=start, payload='{"text": "halo"}')
    store.claim("wamid.done", now=start, payload='{"text": "3"}')
    store.complete("wamid.done")

    unfinished = store.unfinished(received_before=start + timedelta(seconds=1))

    assert [row.message_id for row in unfinished] == ["wamid.open"]
    assert unfinished[0].payload == '{"text": "halo"}'


def test_completed_message_drops_its_content(database_url):
    store = MessageIdStore(database_url)
    store.claim("wamid.1", payload='{"text": "NIK saya 5171014506900001"}')
    store.complete("wamid.1")

    assert store.unfinished(received_before=utcnow() + timedelta(days=1)) == []
    assert store.claim("wamid.1") is False


def test_message_received_after_start_is_not_unfinished(database_url):
    store = MessageIdStore(database_url)
    start = utcnow()
    store.claim("wamid.new", now=start + timedelta(seconds=5), payload="{}")

    assert store.unfinished(received_before=start) == []


def test_unfinished_message_is_reclaimed_once(database_url):
    store = MessageIdStore(database_url)
    start = utcnow()
    store.claim("wamid.open", now=start, payload="{}")
    row = store.unfinished(received_before=start + timedelta(seconds=1))[0]

    assert store.reclaim(row) is True
    assert store.reclaim(row) is False
