"""Messages recognised by their form: menu codes, team commands, ticket checks, pasted forms."""

from __future__ import annotations

import pytest

from chassie.commands import recognise_command

PASTED_FORM = """*Nama* : Ni Made Ayu
*Alamat* : Jl. Gatot Subroto 12, Denpasar
*NIK* : 5171014506900001
*Telp/WA* : 081234567890
*Email* : ayu@example.com
*Isi Konsultasi/Pengaduan* : Izin saya belum terbit sejak dua bulan."""


def _entities(text: str) -> dict:
    command = recognise_command(text)
    assert command is not None
    return {entity.name: entity.value for entity in command.entities}


def test_menu_code_with_registration_code() -> None:
    command = recognise_command("72 CSO.202212345678")
    assert command is not None
    assert command.intent == "check_status"
    assert _entities("72 CSO.202212345678") == {"tracking_system": "sicantik", "kode_pendaftaran": "CSO.202212345678"}


def test_team_reply_command() -> None:
    command = recognise_command("#balas PGD-20261204-0001 Izin Bapak sudah kami proses")
    assert command is not None
    assert command.intent == "team_command"


def test_team_list_command_is_not_ticket_check() -> None:
    command = recognise_command("#tiket")
    assert command is not None
    assert command.intent == "team_command"


def test_pasted_form_without_code() -> None:
    command = recognise_command(PASTED_FORM)
    assert command is not None
    assert command.intent == "complaint_form"
    assert _entities(PASTED_FORM)["complaint_text"] == PASTED_FORM


def test_pasted_form_with_code_keeps_fields() -> None:
    command = recognise_command("81\n" + PASTED_FORM)
    assert command is not None
    assert command.intent == "complaint_form"
    assert "*Nama* : Ni Made Ayu" in _entities("81\n" + PASTED_FORM)["complaint_text"]


@pytest.mark.parametrize("text", ["halo", "gmn cara daftar oss", "/affirm", "", "tiket pesawat ke jakarta"])
def test_free_text_is_left_to_classifier(text: str) -> None:
    assert recognise_command(text) is None


@pytest.mark.parametrize("text", ["batal", "Batal.", "gak jadi", "*batal*"])
def test_cancel_words_stop_forms(text: str) -> None:
    command = recognise_command(text)
    assert command is not None
    assert command.intent == "cancel"


def test_subscription_command_carries_application() -> None:
    command = recognise_command("langganan notifikasi 72 CSO.202212345678")
    assert command is not None
    assert command.intent == "notification_subscribe"
    assert _entities("langganan notifikasi 72 CSO.202212345678") == {
        "tracking_system": "sicantik",
        "kode_pendaftaran": "CSO.202212345678",
    }


def test_unsubscribe_command() -> None:
    command = recognise_command("berhenti notifikasi")
    assert command is not None
    assert command.intent == "notification_unsubscribe"


@pytest.mark.parametrize("text", ["ABC123456", "CSO.202212345678", "*TTD-2024-000123*"])
def test_registration_code_alone_is_status_question(text: str) -> None:
    command = recognise_command(text)
    assert command is not None
    assert command.intent == "check_status"
    assert command.entities[0].name == "kode_pendaftaran"


@pytest.mark.parametrize("text", ["5171014506900001", "halo123", "PGD/261204/001x", "nomor saya 081234567890"])
def test_numbers_and_words_are_not_registration_codes(text: str) -> None:
    command = recognise_command(text)
    assert command is None or command.intent != "check_status"


@pytest.mark.parametrize("text", ["gak jadi deh", "batal dong", "batalkan saja", "batal ya kak"])
def test_cancel_with_chat_particles(text: str) -> None:
    command = recognise_command(text)
    assert command is not None
    assert command.intent == "cancel"
