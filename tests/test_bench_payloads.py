"""Webhook bodies `make bench` posts: they must pass the channel's own signature check and parser."""

from __future__ import annotations

import json

import pytest

from chassie.menu import parse_menu_code
from chassie.whatsapp.inbound import parse_delivery
from chassie.whatsapp.signature import SIGNATURE_HEADER, is_valid_signature
from tools.bench_payloads import (
    CHASSIE_SESSION,
    PLAIN_SESSION,
    new_message_id,
    reply_fingerprint,
    sign_webhook,
    status_webhook,
    text_message_webhook,
    wa_id_for,
)

APP_SECRET = "bench-test-secret"
PHONE_NUMBER_ID = "100000000000001"


def test_text_webhook_passes_signature_check_and_parser() -> None:
    text = "gmn cara daftar oss"
    payload = text_message_webhook(PHONE_NUMBER_ID, "6289900000007", text, "wamid.X1", 1700000000)
    signed = sign_webhook(APP_SECRET, payload)

    assert is_valid_signature(APP_SECRET, signed.body, signed.headers[SIGNATURE_HEADER])
    assert not is_valid_signature("another-secret", signed.body, signed.headers[SIGNATURE_HEADER])
    delivery = parse_delivery(json.loads(signed.body))
    assert len(delivery.messages) == 1
    message = delivery.messages[0]
    assert message.sender == "6289900000007"
    assert message.text == text
    assert message.message_id == "wamid.X1"
    assert message.phone_number_id == PHONE_NUMBER_ID
    assert message.timestamp == 1700000000
    assert delivery.statuses == []


def test_status_webhook_parses_as_delivery_status() -> None:
    payload = status_webhook(PHONE_NUMBER_ID, "6289900000007", "wamid.OUT", "delivered", 1700000001)
    delivery = parse_delivery(json.loads(sign_webhook(APP_SECRET, payload).body))

    assert delivery.messages == []
    assert len(delivery.statuses) == 1
    status = delivery.statuses[0]
    assert status.message_id == "wamid.OUT"
    assert status.recipient_id == "6289900000007"
    assert status.status == "delivered"


def test_signed_body_keeps_indonesian_text_as_utf8() -> None:
    payload = text_message_webhook(PHONE_NUMBER_ID, "6289900000001", "izin usaha – café", "wamid.X2", 1)
    signed = sign_webhook(APP_SECRET, payload)
    assert "izin usaha – café".encode() in signed.body
    assert signed.headers["Content-Type"] == "application/json"


def test_wa_ids_are_distinct_digit_strings() -> None:
    ids = [wa_id_for(index) for index in (0, 1, 99_999_999)]
    assert ids == ["6289900000000", "6289900000001", "6289999999999"]
    assert all(wa_id.isdigit() for wa_id in ids)


@pytest.mark.parametrize("index", [-1, 100_000_000])
def test_wa_id_rejects_index_out_of_range(index: int) -> None:
    with pytest.raises(ValueError, match="conversation index"):
        wa_id_for(index)


def test_message_ids_are_unique() -> None:
    ids = {new_message_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(message_id.startswith("wamid.") for message_id in ids)


def test_chassie_session_uses_real_menu_codes() -> None:
    codes = [parse_menu_code(text) for text in CHASSIE_SESSION]
    assert codes[0] is None  # the greeting is free text
    assert [selection.code for selection in codes[1:5] if selection] == ["1", "3", "31", "0"]
    assert codes[5] is None  # the free-text question
    tracking = codes[6]
    assert tracking is not None
    assert tracking.code == "72"
    assert tracking.argument == "CSO.202212345678"


def test_sessions_have_the_same_length() -> None:
    assert len(CHASSIE_SESSION) == len(PLAIN_SESSION)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "text", "text": {"body": "Selamat datang di Chassie"}}, "text:Selamat datang di Chassie"),
        (
            {"type": "interactive", "interactive": {"type": "list", "body": {"text": "Silakan pilih menu"}}},
            "interactive:Silakan pilih menu",
        ),
        ({"type": "template", "template": {"name": "x"}}, "template:"),
        ("not a dict", "invalid"),
    ],
)
def test_reply_fingerprint(body: object, expected: str) -> None:
    assert reply_fingerprint(body) == expected


def test_reply_fingerprint_cuts_long_text() -> None:
    assert reply_fingerprint({"type": "text", "text": {"body": "a" * 100}}) == "text:" + "a" * 40
