"""The complaint actions with rasa-sdk trackers: pasted form, guided form, ticket, team relay."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, time, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import (
    ActionCheckTicket,
    ActionComplaintCancel,
    ActionComplaintChange,
    ActionComplaintChangeField,
    ActionComplaintSummary,
    ActionReceiveComplaintForm,
    ActionSubmitComplaint,
    ActionTeamCommand,
    ValidateComplaintFormFields,
    set_complaint_service,
)
from chassie.complaints.config import ComplaintConfig
from chassie.complaints.form import FORM_TEMPLATE
from chassie.complaints.messenger import DeliveryError
from chassie.complaints.models import STATUS_CLOSED, STATUS_IN_PROGRESS
from chassie.complaints.service import ComplaintService
from chassie.complaints.store import ComplaintStore
from chassie.db import get_engine, upgrade_schema
from chassie.menu import MENU_HINT

CITIZEN = "6281234567890"
STRANGER = "6287700000000"
TEAM = ("6281100000001", "6281100000002")
WINDOW_CLOSED_CODE = 131047
# Thursday 3 December 2026, 10:00 WITA: working hours.
OPEN_NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
# Friday 4 December 2026, 20:00 WITA: after hours, next answer on Monday.
CLOSED_NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)

FILLED_FORM = (
    "*Nama* : I Made Budi\n*Alamat* : Jl. Gatot Subroto No. 5, Denpasar\n*NIK* : 5171010101900001\n"
    "*Telp/WA* : 0812-3456-7890\n*Email* : budi@gmail.com\n*Isi Konsultasi/Pengaduan* :\n"
    "Permohonan PBG saya belum ada kabar sejak dua bulan lalu.\nMohon dibantu."
)
DOMAIN: dict[str, Any] = {
    "slots": {
        f"complaint_{name}": {
            "type": "text",
            "mappings": [
                {
                    "type": "from_text",
                    "conditions": [{"active_loop": "complaint_form_fields", "requested_slot": f"complaint_{name}"}],
                }
            ],
        }
        for name in ("nama", "alamat", "nik", "telp", "email", "isi")
    },
    "forms": {
        "complaint_form_fields": {
            "required_slots": [f"complaint_{name}" for name in ("nama", "alamat", "nik", "telp", "email", "isi")]
        }
    },
}


class FakeMessenger:
    """Records every message; numbers in `failing` raise DeliveryError with `code`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failing: dict[str, int | None] = {}

    async def send_text(self, to: str, body: str) -> None:
        if to in self.failing:
            raise DeliveryError("send failed", code=self.failing[to], permanent=True)
        self.sent.append((to, body))

    def to(self, number: str) -> list[str]:
        return [body for recipient, body in self.sent if recipient == number]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def messenger() -> FakeMessenger:
    return FakeMessenger()


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN_NOW)


@pytest.fixture
def service(tmp_path, messenger: FakeMessenger, clock: Clock) -> Iterator[ComplaintService]:
    url = f"sqlite:///{tmp_path / 'complaints.db'}"
    upgrade_schema(url)
    config = ComplaintConfig(
        team_numbers=frozenset(TEAM),
        working_hours={day: (time(8), time(16)) for day in range(4)} | {4: (time(8), time(13, 30))},
    )
    complaint_service = ComplaintService(
        store=ComplaintStore(url, clock=clock), messenger=messenger, config=config, clock=clock
    )
    set_complaint_service(complaint_service)
    yield complaint_service
    set_complaint_service(None)
    get_engine(url).dispose()


def make_tracker(
    text: str = "",
    sender_id: str = CITIZEN,
    intent: str = "complaint_form",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("text") or "" for message in dispatcher.messages]


def complaint_entity(text: str) -> list[dict[str, Any]]:
    return [{"entity": "complaint_text", "value": text, "start": 3, "end": 3 + len(text)}]


def filled_slots() -> dict[str, Any]:
    tracker = make_tracker("81\n" + FILLED_FORM, entities=complaint_entity(FILLED_FORM))
    events, _ = run(ActionReceiveComplaintForm(), tracker)
    values = slot_values(events)
    values.pop("complaint_form_status")
    return values


def test_81_alone_shows_template(service: ComplaintService) -> None:
    events, dispatcher = run(ActionReceiveComplaintForm(), make_tracker("81"))

    assert texts(dispatcher)[0] == FORM_TEMPLATE
    assert texts(dispatcher)[1].endswith(MENU_HINT)
    assert "isi satu per satu" in texts(dispatcher)[1]
    assert slot_values(events) == {"complaint_form_status": "template"}


def test_complete_paste_sets_every_slot(service: ComplaintService) -> None:
    events, dispatcher = run(
        ActionReceiveComplaintForm(), make_tracker("81\n" + FILLED_FORM, entities=complaint_entity(FILLED_FORM))
    )
    values = slot_values(events)

    assert values["complaint_form_status"] == "complete"
    assert values["complaint_telp"] == "6281234567890"
    assert values["complaint_nik"] == "5171010101900001"
    assert dispatcher.messages == []


def test_paste_without_81_is_read_from_text(service: ComplaintService) -> None:
    events, _ = run(ActionReceiveComplaintForm(), make_tracker(FILLED_FORM))

    assert slot_values(events)["complaint_form_status"] == "complete"


def test_wrong_fields_are_asked_and_right_ones_kept(service: ComplaintService) -> None:
    pasted = FILLED_FORM.replace("5171010101900001", "5171013102900001").replace("budi@gmail.com", "budi@gmail")
    events, dispatcher = run(ActionReceiveComplaintForm(), make_tracker(pasted))
    values = slot_values(events)

    assert values["complaint_form_status"] == "incomplete"
    assert values["complaint_nik"] is None
    assert values["complaint_email"] is None
    assert values["complaint_nama"] == "I Made Budi"
    assert values["complaint_isi"].startswith("Permohonan PBG")
    message = texts(dispatcher)[0]
    assert "*NIK* tidak valid" in message
    assert "*Email* belum sesuai" in message
    assert "Nama, Alamat, Telp/WA, Isi Konsultasi/Pengaduan" in message


def test_guided_form_rejects_then_accepts_nik(service: ComplaintService) -> None:
    validator = ValidateComplaintFormFields()
    dispatcher = CollectingDispatcher()

    rejected = validator.validate_complaint_nik(
        "5171013102900001", dispatcher, make_tracker("5171013102900001", intent="out_of_scope"), DOMAIN
    )
    accepted = validator.validate_complaint_nik(
        "5171 0101 0190 0001", dispatcher, make_tracker("5171 0101 0190 0001", intent="out_of_scope"), DOMAIN
    )

    assert rejected == {"complaint_nik": None}
    assert "tanggal lahir" in texts(dispatcher)[0]
    assert accepted == {"complaint_nik": "5171010101900001"}


@pytest.mark.parametrize("typed", ["batal", "Batal.", "tidak jadi", "*batal*"])
def test_batal_inside_form_ends_it(service: ComplaintService, typed: str) -> None:
    dispatcher = CollectingDispatcher()

    result = ValidateComplaintFormFields().validate_complaint_alamat(
        typed, dispatcher, make_tracker(typed, intent="deny"), DOMAIN
    )

    assert result["requested_slot"] is None
    assert result["complaint_form_status"] == "cancelled"
    assert result["complaint_nama"] is None
    assert result["complaint_alamat"] is None
    assert "dibatalkan" in texts(dispatcher)[0]


def test_summary_after_cancel_is_silent(service: ComplaintService) -> None:
    events, dispatcher = run(
        ActionComplaintSummary(), make_tracker("batal", intent="deny", slots={"complaint_form_status": "cancelled"})
    )

    assert dispatcher.messages == []
    assert slot_values(events) == {"complaint_form_status": None}


def test_batal_inside_longer_answer_is_text(service: ComplaintService) -> None:
    text = "Jl. Batal Jadi No. 3, Denpasar"

    result = ValidateComplaintFormFields().validate_complaint_alamat(
        text, CollectingDispatcher(), make_tracker(text, intent="out_of_scope"), DOMAIN
    )

    assert result == {"complaint_alamat": text}


def test_form_start_with_cleared_slots_is_silent(service: ComplaintService) -> None:
    cleared = {f"complaint_{name}": None for name in ("nama", "alamat", "nik", "telp", "email", "isi")}
    tracker = make_tracker(
        "isi satu per satu",
        intent="complaint_start",
        slots=cleared | {"requested_slot": None},
        events=[{"event": "slot", "name": name, "value": None} for name in cleared],
        active_loop="complaint_form_fields",
    )

    events, dispatcher = run(ValidateComplaintFormFields(), tracker)

    assert dispatcher.messages == []
    assert all(event["value"] is None for event in events)


def test_guided_form_normalises_phone(service: ComplaintService) -> None:
    result = ValidateComplaintFormFields().validate_complaint_telp(
        "+62 812 3456 7890", CollectingDispatcher(), make_tracker("+62 812 3456 7890", intent="out_of_scope"), DOMAIN
    )

    assert result == {"complaint_telp": "6281234567890"}


def test_form_pasted_into_guided_question_fills_all(service: ComplaintService) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateComplaintFormFields().validate_complaint_nama(
        FILLED_FORM, dispatcher, make_tracker(FILLED_FORM), DOMAIN
    )

    assert result["complaint_nama"] == "I Made Budi"
    assert result["complaint_email"] == "budi@gmail.com"
    assert result["complaint_telp"] == "6281234567890"
    assert dispatcher.messages == []


def test_form_validation_run_sets_slot_events(service: ComplaintService) -> None:
    tracker = make_tracker(
        "I Made Budi",
        intent="out_of_scope",
        slots={"requested_slot": "complaint_nama"},
        events=[{"event": "slot", "name": "complaint_nama", "value": "I Made Budi"}],
        active_loop="complaint_form_fields",
    )
    tracker.slots["complaint_nama"] = "I Made Budi"

    events, _ = run(ValidateComplaintFormFields(), tracker)

    assert SlotSet("complaint_nama", "I Made Budi") in events


def test_form_start_revalidates_pasted_fields_silently(service: ComplaintService) -> None:
    pasted = FILLED_FORM.replace("5171010101900001", "5171013102900001")
    receive_events, _ = run(ActionReceiveComplaintForm(), make_tracker(pasted))
    kept = {
        name: value for name, value in slot_values(receive_events).items() if value and name != "complaint_form_status"
    }
    tracker = make_tracker(
        pasted,
        slots=kept | {"requested_slot": None},
        events=[{"event": "slot", "name": name, "value": value} for name, value in kept.items()],
        active_loop="complaint_form_fields",
    )

    events, dispatcher = run(ValidateComplaintFormFields(), tracker)

    assert dispatcher.messages == []
    for name, value in kept.items():
        assert SlotSet(name, value) in events


def test_email_answer_classified_as_form_is_accepted(service: ComplaintService) -> None:
    dispatcher = CollectingDispatcher()

    result = ValidateComplaintFormFields().validate_complaint_email(
        "budi@gmail.com", dispatcher, make_tracker("budi@gmail.com", intent="complaint_form"), DOMAIN
    )

    assert result == {"complaint_email": "budi@gmail.com"}
    assert dispatcher.messages == []


def test_summary_masks_nik_and_offers_buttons(service: ComplaintService) -> None:
    _, dispatcher = run(ActionComplaintSummary(), make_tracker("", intent="affirm", slots=filled_slots()))
    message = dispatcher.messages[0]

    assert "5171********0001" in message["text"]
    assert "5171010101900001" not in message["text"]
    assert message["text"].endswith(MENU_HINT)
    assert [button["payload"] for button in message["buttons"]] == ["/affirm", "/deny"]
    assert [button["title"] for button in message["buttons"]] == ["Kirim", "Ubah"]


def test_change_offers_each_field_and_clears_it(service: ComplaintService) -> None:
    _, dispatcher = run(ActionComplaintChange(), make_tracker("ubah", intent="deny", slots=filled_slots()))
    payloads = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    events, _ = run(
        ActionComplaintChangeField(),
        make_tracker(
            payloads[2], intent="complaint_change_field", entities=[{"entity": "complaint_field", "value": "nik"}]
        ),
    )
    typed_events, _ = run(
        ActionComplaintChangeField(), make_tracker("ganti email saya", intent="complaint_change_field")
    )

    assert len(payloads) == 6
    assert slot_values(events) == {"complaint_nik": None, "complaint_form_status": "incomplete"}
    assert slot_values(typed_events) == {"complaint_email": None, "complaint_form_status": "incomplete"}


def test_submit_files_ticket_and_notifies_team(service: ComplaintService, messenger: FakeMessenger) -> None:
    events, dispatcher = run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))
    answer = texts(dispatcher)[0]

    assert "Nomor tiket: *PGD/261203/001*" in answer
    assert "hari ini" in answer
    assert answer.endswith(MENU_HINT)
    for number in TEAM:
        team_message = messenger.to(number)[0]
        assert "PGD/261203/001" in team_message
        assert "5171********0001" in team_message
        assert "5171010101900001" not in team_message
    assert all(value is None for value in slot_values(events).values())
    assert service.store.get_ticket("PGD/261203/001") is not None


def test_submit_after_hours_names_next_working_day(service: ComplaintService, clock: Clock) -> None:
    clock.now = CLOSED_NOW

    _, dispatcher = run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))

    assert "di luar jam kerja" in texts(dispatcher)[0]
    assert "Senin, 7 Desember 2026 pukul 08.00 WITA" in texts(dispatcher)[0]


def test_failed_team_send_keeps_ticket(service: ComplaintService, messenger: FakeMessenger) -> None:
    messenger.failing[TEAM[0]] = WINDOW_CLOSED_CODE

    _, dispatcher = run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))
    history = service.store.events("PGD/261203/001")

    assert "Nomor tiket" in texts(dispatcher)[0]
    assert ("team_notify_failed", TEAM[0], f"code={WINDOW_CLOSED_CODE}") in history
    assert ("team_notified", TEAM[1], None) in history


def test_submit_with_incomplete_slots_sends_nothing(service: ComplaintService, messenger: FakeMessenger) -> None:
    slots = filled_slots() | {"complaint_nik": None}

    _, dispatcher = run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=slots))

    assert "belum lengkap" in texts(dispatcher)[0]
    assert messenger.sent == []


def test_team_relay_end_to_end(service: ComplaintService, messenger: FakeMessenger) -> None:
    run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))
    number = "PGD/261203/001"

    _, listed = run(ActionTeamCommand(), make_tracker("#tiket", sender_id=TEAM[0], intent="team_command"))
    _, replied = run(
        ActionTeamCommand(),
        make_tracker(
            f"#balas {number} Selamat siang Bapak, berkas PBG sedang diverifikasi.",
            sender_id=TEAM[0],
            intent="team_command",
        ),
    )
    _, status = run(ActionCheckTicket(), make_tracker(f"cek tiket {number}", intent="check_ticket"))
    _, closed = run(ActionTeamCommand(), make_tracker(f"#selesai {number}", sender_id=TEAM[1], intent="team_command"))

    assert number in texts(listed)[0]
    assert "sudah dikirim ke warga" in texts(replied)[0]
    relayed = messenger.to(CITIZEN)
    assert "Selamat siang Bapak, berkas PBG sedang diverifikasi." in relayed[0]
    assert relayed[0].endswith(MENU_HINT)
    assert "Sedang diproses" in texts(status)[0]
    assert "sedang diverifikasi" in texts(status)[0]
    assert "ditutup" in texts(closed)[0]
    assert "telah *selesai*" in relayed[1]
    assert service.store.get_ticket(number).status == STATUS_CLOSED


def test_reply_outside_window_is_stored(service: ComplaintService, messenger: FakeMessenger) -> None:
    run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))
    messenger.failing[CITIZEN] = WINDOW_CLOSED_CODE

    _, replied = run(
        ActionTeamCommand(),
        make_tracker("#balas PGD/261203/001 Izin sudah terbit.", sender_id=TEAM[0], intent="team_command"),
    )
    ticket = service.store.get_ticket("PGD/261203/001")

    assert "belum terkirim" in texts(replied)[0]
    assert "24 jam" in texts(replied)[0]
    assert ticket.status == STATUS_IN_PROGRESS
    assert ticket.last_reply == "Izin sudah terbit."


def test_team_command_from_stranger_is_ordinary_text(service: ComplaintService, messenger: FakeMessenger) -> None:
    run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))
    sent_before = len(messenger.sent)

    _, dispatcher = run(
        ActionTeamCommand(), make_tracker("#selesai PGD/261203/001", sender_id=STRANGER, intent="team_command")
    )

    assert dispatcher.messages[0]["response"] == "utter_default"
    assert len(messenger.sent) == sent_before
    assert service.store.get_ticket("PGD/261203/001").status == "baru"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#balas", "Perintah Tim Pengaduan"),
        ("#balas PGD/261203/001", "Perintah Tim Pengaduan"),
        ("#selesai PGD/200101/009", "tidak ditemukan"),
        ("#tiket", "Tidak ada tiket yang terbuka"),
    ],
)
def test_team_command_errors(service: ComplaintService, text: str, expected: str) -> None:
    _, dispatcher = run(ActionTeamCommand(), make_tracker(text, sender_id=TEAM[0], intent="team_command"))

    assert expected in texts(dispatcher)[0]


def test_check_ticket_only_for_its_sender(service: ComplaintService) -> None:
    run(ActionSubmitComplaint(), make_tracker("/affirm", intent="affirm", slots=filled_slots()))

    _, own = run(ActionCheckTicket(), make_tracker("cek tiket pgd-261203-1", intent="check_ticket"))
    _, other = run(
        ActionCheckTicket(), make_tracker("cek tiket PGD/261203/001", sender_id=STRANGER, intent="check_ticket")
    )
    _, missing = run(ActionCheckTicket(), make_tracker("cek tiket", intent="check_ticket"))

    assert "Status tiket PGD/261203/001" in texts(own)[0]
    assert "tidak ditemukan" in texts(other)[0]
    assert "PBG" not in texts(other)[0]
    assert "contoh" in texts(missing)[0]
    for answer in texts(own) + texts(other) + texts(missing):
        assert answer.endswith(MENU_HINT)


def test_cancel_without_form_says_nothing_was_filled(service: ComplaintService) -> None:
    _events, dispatcher = run(ActionComplaintCancel(), make_tracker("batal", intent="cancel"))

    assert "Tidak ada pengisian yang sedang berjalan" in texts(dispatcher)[0]
    assert "dibatalkan" not in texts(dispatcher)[0]


def test_cancel_at_first_question_confirms_cancellation(service: ComplaintService) -> None:
    events = [
        {"event": "active_loop", "name": "complaint_form_fields"},
        {"event": "user", "text": "batal"},
        {"event": "active_loop", "name": None},
    ]
    _events, dispatcher = run(ActionComplaintCancel(), make_tracker("batal", intent="cancel", events=events))

    assert "dibatalkan" in texts(dispatcher)[0]
