"""Ticket storage on SQLite and on the PostgreSQL of this machine, numbering under concurrency."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from chassie.complaints.models import STATUS_CLOSED, STATUS_IN_PROGRESS, STATUS_NEW
from chassie.complaints.store import (
    ComplaintStore,
    ComplaintSubmission,
    TicketClosed,
    TicketNotFound,
    find_ticket_number,
)
from chassie.db import get_engine, upgrade_schema

POSTGRES_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
PARALLEL_SUBMISSIONS = 20
CITIZEN = "6281234567890"
TEAM_MEMBER = "6281111111111"
# 23:30 UTC on 3 December is 07:30 on 4 December in WITA.
FIXED_NOW = datetime(2026, 12, 3, 23, 30, tzinfo=timezone.utc)

SUBMISSION = ComplaintSubmission(
    nama="I Made Budi",
    alamat="Jl. Gatot Subroto No. 5, Denpasar",
    nik="5171010101900001",
    telp="6281234567890",
    email="budi@gmail.com",
    isi="Permohonan PBG saya belum ada kabar sejak dua bulan lalu.",
)


def _postgres_admin_url() -> str | None:
    for url in POSTGRES_ADMIN_URLS:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                return url
        except sa.exc.OperationalError:
            continue
        finally:
            engine.dispose()
    return None


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'complaints.db'}"
    upgrade_schema(url)
    yield url
    get_engine(url).dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (database test, user postgres or root)")
    schema = f"complaints_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{admin_url}?options=-csearch_path%3D{schema}"
    try:
        upgrade_schema(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url" if request.param == "sqlite" else "postgres_url")


def test_ticket_number_uses_wita_day(database_url: str) -> None:
    store = ComplaintStore(database_url, clock=lambda: FIXED_NOW)

    first = store.create_ticket(SUBMISSION, CITIZEN)
    second = store.create_ticket(SUBMISSION, CITIZEN)

    assert first.ticket_number == "PGD/261204/001"
    assert second.ticket_number == "PGD/261204/002"


def test_numbering_restarts_each_day(database_url: str) -> None:
    moments = iter([FIXED_NOW, FIXED_NOW + timedelta(days=1)])
    store = ComplaintStore(database_url, clock=lambda: next(moments))

    assert store.create_ticket(SUBMISSION, CITIZEN).ticket_number == "PGD/261204/001"
    assert store.create_ticket(SUBMISSION, CITIZEN).ticket_number == "PGD/261205/001"


def test_ticket_round_trip(database_url: str) -> None:
    store = ComplaintStore(database_url, clock=lambda: FIXED_NOW)

    created = store.create_ticket(SUBMISSION, CITIZEN)
    loaded = store.get_ticket(created.ticket_number)

    assert loaded == created
    assert loaded is not None
    assert loaded.status == STATUS_NEW
    assert loaded.nik == SUBMISSION.nik
    assert loaded.isi == SUBMISSION.isi
    assert loaded.created_at == FIXED_NOW
    assert loaded.created_at.tzinfo is not None


def test_ticket_visible_only_to_its_sender(database_url: str) -> None:
    store = ComplaintStore(database_url)
    ticket = store.create_ticket(SUBMISSION, CITIZEN)

    assert store.get_ticket_for_sender(ticket.ticket_number, CITIZEN) is not None
    assert store.get_ticket_for_sender(ticket.ticket_number, "6289999999999") is None
    assert store.get_ticket_for_sender("PGD/200101/001", CITIZEN) is None


def test_reply_then_close_moves_status(database_url: str) -> None:
    store = ComplaintStore(database_url)
    ticket = store.create_ticket(SUBMISSION, CITIZEN)

    answered = store.record_reply(ticket.ticket_number, TEAM_MEMBER, "Izin Bapak sudah terbit.")
    answered_again = store.record_reply(ticket.ticket_number, TEAM_MEMBER, "Silakan unduh di OSS.")
    closed = store.close(ticket.ticket_number, TEAM_MEMBER)

    assert answered.status == STATUS_IN_PROGRESS
    assert answered.first_reply_at is not None
    assert answered_again.first_reply_at == answered.first_reply_at
    assert answered_again.last_reply == "Silakan unduh di OSS."
    assert closed.status == STATUS_CLOSED
    assert closed.closed_at is not None
    assert [kind for kind, _, _ in store.events(ticket.ticket_number)] == ["created", "reply", "reply", "closed"]


def test_closed_ticket_rejects_reply_and_close(database_url: str) -> None:
    store = ComplaintStore(database_url)
    ticket = store.create_ticket(SUBMISSION, CITIZEN)
    store.close(ticket.ticket_number, TEAM_MEMBER)

    with pytest.raises(TicketClosed):
        store.record_reply(ticket.ticket_number, TEAM_MEMBER, "terlambat")
    with pytest.raises(TicketClosed):
        store.close(ticket.ticket_number, TEAM_MEMBER)


def test_unknown_ticket_raises_not_found(database_url: str) -> None:
    store = ComplaintStore(database_url)

    with pytest.raises(TicketNotFound):
        store.record_reply("PGD/200101/001", TEAM_MEMBER, "halo")


def test_open_list_excludes_closed(database_url: str) -> None:
    store = ComplaintStore(database_url)
    first = store.create_ticket(SUBMISSION, CITIZEN)
    second = store.create_ticket(SUBMISSION, CITIZEN)
    third = store.create_ticket(SUBMISSION, CITIZEN)
    store.record_reply(second.ticket_number, TEAM_MEMBER, "Sedang kami cek.")
    store.close(third.ticket_number, TEAM_MEMBER)

    open_numbers = [ticket.ticket_number for ticket in store.list_open()]

    assert open_numbers == [first.ticket_number, second.ticket_number]
    assert store.count_open() == 2


def test_parallel_submissions_get_unique_numbers(database_url: str) -> None:
    store = ComplaintStore(database_url, clock=lambda: FIXED_NOW)
    barrier = threading.Barrier(PARALLEL_SUBMISSIONS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            ticket = store.create_ticket(SUBMISSION, f"62812000000{index:02d}")
            with lock:
                numbers.append(ticket.ticket_number)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(PARALLEL_SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(numbers) == PARALLEL_SUBMISSIONS
    assert sorted(numbers) == [f"PGD/261204/{sequence:03d}" for sequence in range(1, PARALLEL_SUBMISSIONS + 1)]
    assert store.count_open() == PARALLEL_SUBMISSIONS


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cek tiket PGD/261204/001", "PGD/261204/001"),
        ("cek tiket pgd-261204-1", "PGD/261204/001"),
        ("PGD 261204 012", "PGD/261204/012"),
        ("tiket PGD2612047", "PGD/261204/007"),
        ("cek tiket 261204", None),
    ],
)
def test_find_ticket_number(text: str, expected: str | None) -> None:
    assert find_ticket_number(text) == expected
