"""The tracking actions with rasa-sdk trackers against the local tracking sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracking import (
    ActionCheckStatus,
    ActionTrackingNotificationDeclined,
    set_tracking_service,
)
from chassie.menu import MENU_HINT
from chassie.tracking.service import TrackingService
from chassie.tracking.settings import TrackingSettings, build_clients
from sandbox.tracking import Fault, TrackingSandbox, sample_applications

OWNER = "6281234567890"
STRANGER = "6287700000000"
KODE = "CSO.202212345678"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[TrackingSandbox]:
    with TrackingSandbox() as running:
        yield running


def make_service(sandbox: TrackingSandbox, **overrides: str) -> TrackingService:
    environ = {
        "SICANTIK_BASE_URL": sandbox.sicantik_base_url,
        "SIMTTD_BASE_URL": sandbox.simttd_base_url,
        "SIMTTD_API_TOKEN": sandbox.simttd_token,
        "TRACKING_CACHE_TTL": "0",
        "TRACKING_CONNECT_TIMEOUT": "0.5",
        "TRACKING_READ_TIMEOUT": "1",
        "TRACKING_TOTAL_TIMEOUT": "2",
        **overrides,
    }
    settings = TrackingSettings.from_env(environ)
    return TrackingService(build_clients(settings), deadline_seconds=settings.timeouts.total + 1)


@pytest.fixture(autouse=True)
def service(sandbox: TrackingSandbox) -> Iterator[TrackingService]:
    sandbox.reset()
    tracking_service = make_service(sandbox)
    set_tracking_service(tracking_service)
    yield tracking_service
    set_tracking_service(None)


def make_tracker(
    text: str,
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    sender_id: str = STRANGER,
    intent: str = "check_status",
) -> Tracker:
    entity_list = [{"entity": name, "value": value} for name, value in (entities or {}).items()]
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entity_list,
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_check(tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCheckStatus().run(dispatcher, tracker, {}))
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    return dispatcher.messages, slots


def only_text(messages: list[dict[str, Any]]) -> str:
    assert len(messages) == 1
    return messages[0]["text"]


def test_menu_code_72_found(sandbox: TrackingSandbox) -> None:
    tracker = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE, "tracking_system": "sicantik"})

    messages, slots = run_check(tracker)
    text = only_text(messages)

    assert f"*{KODE}*" in text
    assert "Izin Penyelenggaraan Reklame" in text
    assert "5 Desember 2022" in text
    assert "Survei Lapangan" in text
    assert "Sedang diproses" in text
    assert "Riwayat tahapan" in text
    assert "B*** S******" in text
    assert text.endswith(MENU_HINT)
    assert [button["payload"] for button in messages[0]["buttons"]] == [
        "/notification_subscribe",
        "/deny",
    ]
    assert slots == {
        "kode_pendaftaran": KODE,
        "tracking_system": "sicantik",
        "last_kode_pendaftaran": KODE,
        "last_tracking_system": "sicantik",
        "tracking_notification_offered": True,
    }


def test_owner_sees_full_name() -> None:
    tracker = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE}, sender_id=OWNER)

    text = only_text(run_check(tracker)[0])

    assert "Budi Santoso" in text


def test_menu_code_71_found() -> None:
    tracker = make_tracker(
        "71 TTD-2023-000123",
        {"kode_pendaftaran": "TTD-2023-000123", "tracking_system": "simttd"},
    )

    messages, slots = run_check(tracker)
    text = only_text(messages)

    assert "SIM TTD" in text
    assert "Menunggu Tanda Tangan Kepala Dinas" in text
    assert slots["last_tracking_system"] == "simttd"


def test_free_text_with_regex_entity() -> None:
    tracker = make_tracker("cek status cso.202212345678", {"kode_pendaftaran": "cso.202212345678"})

    messages, slots = run_check(tracker)

    assert "Survei Lapangan" in only_text(messages)
    assert slots["tracking_system"] == "sicantik"


def test_free_text_without_entity_uses_own_extraction() -> None:
    tracker = make_tracker("tolong cek *CSO.202212345678* ya pak")

    messages, _ = run_check(tracker)

    assert "Survei Lapangan" in only_text(messages)


def test_question_without_code_asks_for_it() -> None:
    messages, slots = run_check(make_tracker("izin saya sudah sampai mana"))
    text = only_text(messages)

    assert "kode pendaftaran" in text
    assert "*72 CSO.202212345678*" in text
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert text.endswith(MENU_HINT)
    assert slots["tracking_notification_offered"] is False


def test_bare_menu_code_asks_code_for_that_system() -> None:
    messages, slots = run_check(make_tracker("71", {"tracking_system": "simttd"}))

    assert "SIM TTD" in only_text(messages)
    assert slots["tracking_system"] == "simttd"


def test_code_after_being_asked_uses_remembered_system(
    sandbox: TrackingSandbox,
) -> None:
    tracker = make_tracker(
        "CSO.202212345678",
        {"kode_pendaftaran": KODE},
        slots={"tracking_system": "sicantik"},
    )

    messages, _ = run_check(tracker)

    assert "Survei Lapangan" in only_text(messages)


def test_code_of_unknown_shape_asks_system() -> None:
    messages, slots = run_check(make_tracker("ABC123456", {"kode_pendaftaran": "ABC123456"}))
    text = only_text(messages)

    assert "*71*" in text
    assert "*72*" in text
    assert [button["title"] for button in messages[0]["buttons"]] == [
        "SIM TTD",
        "SiCantik Cloud",
    ]
    assert slots["kode_pendaftaran"] == "ABC123456"
    assert text.endswith(MENU_HINT)


def test_system_button_after_question(sandbox: TrackingSandbox) -> None:
    sandbox.add_application({**sample_applications()[("sicantik", KODE)], "kode": "ABC123456"})
    tracker = make_tracker(
        '/check_status{"tracking_system":"sicantik","kode_pendaftaran":"ABC123456"}',
        {"tracking_system": "sicantik", "kode_pendaftaran": "ABC123456"},
        slots={"kode_pendaftaran": "ABC123456"},
    )

    messages, _ = run_check(tracker)

    assert "*ABC123456*" in only_text(messages)
    assert "Survei Lapangan" in only_text(messages)


def test_remembered_code_answers_follow_up() -> None:
    tracker = make_tracker("status izin saya bagaimana sekarang", slots={"kode_pendaftaran": KODE})

    messages, _ = run_check(tracker)

    assert "Survei Lapangan" in only_text(messages)


def test_invalid_code_makes_no_request(sandbox: TrackingSandbox) -> None:
    tracker = make_tracker(
        "72 ../../admin?x=1",
        {"kode_pendaftaran": "../../admin?x=1", "tracking_system": "sicantik"},
        slots={"last_kode_pendaftaran": KODE},
    )

    messages, slots = run_check(tracker)
    text = only_text(messages)

    assert "tidak sesuai format" in text
    assert "admin" not in text
    assert sandbox.request_count == {"sicantik": 0, "simttd": 0}
    assert slots["kode_pendaftaran"] == KODE


def test_not_found_answer() -> None:
    tracker = make_tracker("72 CSO.202299999999", {"kode_pendaftaran": "CSO.202299999999"})

    messages, slots = run_check(tracker)
    text = only_text(messages)

    assert "tidak ditemukan" in text
    assert "*72 CSO.202212345678*" in text
    assert "menu *5*" in text
    assert text.endswith(MENU_HINT)
    assert slots["kode_pendaftaran"] is None
    assert slots["tracking_notification_offered"] is False


def test_rejected_shows_reason_without_offer() -> None:
    tracker = make_tracker("72 CSO.202302000222", {"kode_pendaftaran": "CSO.202302000222"})

    messages, slots = run_check(tracker)
    text = only_text(messages)

    assert "Ditolak" in text
    assert "Surat rekomendasi organisasi profesi belum dilampirkan." in text
    assert not messages[0].get("buttons")
    assert slots["tracking_notification_offered"] is False


def test_issued_simttd_without_offer() -> None:
    tracker = make_tracker("71 TTD-2023-000124", {"kode_pendaftaran": "TTD-2023-000124"})

    messages, slots = run_check(tracker)

    assert "Izin sudah terbit" in only_text(messages)
    assert slots["tracking_notification_offered"] is False


def test_status_change_is_seen(sandbox: TrackingSandbox) -> None:
    tracker = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE})
    assert "Sedang diproses" in only_text(run_check(tracker)[0])

    sandbox.set_status("sicantik", KODE, "terbit", tahapan="Penerbitan Izin")
    messages, slots = run_check(tracker)

    assert "Penerbitan Izin" in only_text(messages)
    assert slots["tracking_notification_offered"] is False


def test_no_personal_data_in_any_answer() -> None:
    for (system, kode), sample in sample_applications().items():
        code = "71" if system == "simttd" else "72"
        tracker = make_tracker(f"{code} {kode}", {"kode_pendaftaran": kode, "tracking_system": system})

        text = only_text(run_check(tracker)[0])

        assert sample["nik"] not in text
        assert sample["alamat"] not in text
        assert sample["email"] not in text
        assert sample["no_hp"] not in text
        assert sample["nama"] not in text


@pytest.mark.parametrize(
    "fault",
    [
        Fault(http_status=500),
        Fault(http_status=503),
        Fault(malformed=True),
        Fault(delay_seconds=3),
    ],
    ids=["500", "503", "malformed", "slow"],
)
def test_broken_service_apologises_quickly(sandbox: TrackingSandbox, fault: Fault) -> None:
    sandbox.set_fault("sicantik", fault)
    tracker = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE})

    started = time.monotonic()
    messages, slots = run_check(tracker)
    elapsed = time.monotonic() - started
    text = only_text(messages)

    assert elapsed < 3.0
    assert "Mohon maaf" in text
    assert "0361428610" in text
    assert "perijinan@denpasarkota.go.id" in text
    assert "menu *5*" in text
    assert text.endswith(MENU_HINT)
    assert slots["kode_pendaftaran"] == KODE


def test_dead_service_apologises_quickly(sandbox: TrackingSandbox) -> None:
    set_tracking_service(make_service(sandbox, SICANTIK_BASE_URL="http://127.0.0.1:9"))
    tracker = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE})

    started = time.monotonic()
    text = only_text(run_check(tracker)[0])

    assert time.monotonic() - started < 3.0
    assert "sedang tidak dapat dihubungi" in text


def test_unconfigured_system_apologises(sandbox: TrackingSandbox) -> None:
    set_tracking_service(TrackingService(build_clients(TrackingSettings.from_env({})), deadline_seconds=1))
    tracker = make_tracker("71 TTD-2023-000123", {"kode_pendaftaran": "TTD-2023-000123"})

    text = only_text(run_check(tracker)[0])

    assert "SIM TTD sedang tidak dapat dihubungi" in text


def test_action_deadline_bounds_slow_client(sandbox: TrackingSandbox) -> None:
    slow = make_service(sandbox, TRACKING_READ_TIMEOUT="10", TRACKING_TOTAL_TIMEOUT="20")
    set_tracking_service(TrackingService(slow.clients, deadline_seconds=0.5))
    sandbox.set_fault("sicantik", Fault(delay_seconds=3))
    tracker = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE})

    dispatcher = CollectingDispatcher()

    async def timed_run() -> float:
        # Timed inside the loop: asyncio.run itself waits for the abandoned
        # worker thread at shutdown, which a long-running action server does not.
        started = time.monotonic()
        await ActionCheckStatus().run(dispatcher, tracker, {})
        return time.monotonic() - started

    elapsed = asyncio.run(timed_run())

    assert elapsed < 1.5
    assert "Mohon maaf" in only_text(dispatcher.messages)


def test_slow_system_does_not_block_other(sandbox: TrackingSandbox) -> None:
    sandbox.set_fault("sicantik", Fault(delay_seconds=1.5))
    slow = make_tracker("72 CSO.202212345678", {"kode_pendaftaran": KODE})
    fast = make_tracker("71 TTD-2023-000123", {"kode_pendaftaran": "TTD-2023-000123"})
    finished: dict[str, float] = {}

    async def timed(name: str, tracker: Tracker) -> None:
        await ActionCheckStatus().run(CollectingDispatcher(), tracker, {})
        finished[name] = time.monotonic()

    async def both() -> float:
        started = time.monotonic()
        await asyncio.gather(timed("slow", slow), timed("fast", fast))
        return started

    started = asyncio.run(both())

    assert finished["fast"] - started < 0.8
    assert finished["slow"] > finished["fast"]


def test_decline_notification() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("/deny", intent="deny", slots={"tracking_notification_offered": True})

    events = asyncio.run(ActionTrackingNotificationDeclined().run(dispatcher, tracker, {}))

    assert "tidak akan mengirim pemberitahuan" in only_text(dispatcher.messages)
    assert dispatcher.messages[0]["text"].endswith(MENU_HINT)
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "tracking_notification_offered",
            "value": False,
        }
    ]
