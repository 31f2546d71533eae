"""Parsing of Cloud API webhook payloads into inbound messages and statuses."""

from __future__ import annotations

import pytest
from whatsapp_harness import FIXTURES, load_payload

from chassie.privacy import mask_phone
from chassie.whatsapp.inbound import WebhookPayloadError, parse_delivery, text_for_bot
from chassie.whatsapp.signature import is_valid_signature, sign_body

ALL_FIXTURES = sorted(path.stem for path in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_parses(name):
    delivery = parse_delivery(load_payload(name))

    assert delivery.messages or delivery.statuses


@pytest.mark.parametrize(
    ("name", "expected_text", "expected_type"),
    [
        ("text", "halo", "text"),
        ("list_reply", "3", "interactive"),
        ("button_reply", "0", "interactive"),
        ("template_quick_reply", "/notification_unsubscribe", "button"),
        ("image", "ini bukti pembayaran", "image"),
        ("location", None, "location"),
    ],
)
def test_message_text_for_bot(name, expected_text, expected_type):
    [message] = parse_delivery(load_payload(name)).messages

    assert message.text == expected_text
    assert message.type == expected_type
    assert message.sender == "6281234567890"
    assert message.profile_name == "Made Wirawan"
    assert message.phone_number_id == "106540352242922"


def test_reply_keeps_context_message_id():
    [message] = parse_delivery(load_payload("list_reply")).messages

    assert message.context_message_id == "wamid.HBgNNjI4MjE2MjUyMzYwMBUCABEYEjQ1NkFCQzEyMzQ1Njc4OTAA"


def test_two_messages_keep_payload_order():
    messages = parse_delivery(load_payload("two_messages_one_delivery")).messages

    assert [m.text for m in messages] == ["3", "31"]
    assert messages[0].timestamp < messages[1].timestamp


def test_failed_status_carries_error_code():
    [status] = parse_delivery(load_payload("status_failed_outside_window")).statuses

    assert status.status == "failed"
    assert status.error_code == 131047
    assert status.error_title == "Re-engagement message"
    assert status.recipient_id == "6281234567890"


def test_read_status_has_no_error():
    [status] = parse_delivery(load_payload("status_read")).statuses

    assert status.status == "read"
    assert status.error_code is None
    assert status.timestamp == 1764820300


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "button", "button": {"payload": "menu_3", "text": "Aplikasi"}}, "3"),
        ({"type": "button", "button": {"payload": "unknown_payload", "text": "Tombol"}}, "unknown_payload"),
        ({"type": "button", "button": {"text": "Tombol"}}, "Tombol"),
        (
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "pl_/affirm"}},
            },
            "/affirm",
        ),
        ({"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {}}}, None),
        ({"type": "document", "document": {"caption": "  formulir  "}}, "formulir"),
        ({"type": "document", "document": {"filename": "a.pdf"}}, None),
        ({"type": "text", "text": {"body": "   "}}, None),
        ({"type": "sticker", "sticker": {}}, None),
        ({"type": "reaction", "reaction": {"emoji": "x"}}, None),
        ({"type": "unsupported", "errors": [{"code": 131051}]}, None),
        ({"type": None}, None),
    ],
)
def test_text_for_bot_cases(raw, expected):
    assert text_for_bot(raw) == expected


def test_non_messages_fields_are_listed_as_ignored():
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "account_update", "value": {}}, {"field": "messages", "value": {}}]}],
    }

    delivery = parse_delivery(payload)

    assert delivery.ignored_fields == ["account_update"]
    assert delivery.messages == []


def test_broken_pieces_are_skipped_not_raised():
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            "not an entry",
            {"changes": "not a list"},
            {"changes": [{"field": "messages", "value": {"messages": [{"type": "text"}, "x"], "statuses": [{}]}}]},
        ],
    }

    delivery = parse_delivery(payload)

    assert delivery.messages == []
    assert delivery.statuses == []


@pytest.mark.parametrize(
    "payload", [[], "text", {"object": "page", "entry": []}, {"object": "whatsapp_business_account"}]
)
def test_non_webhook_bodies_raise(payload):
    with pytest.raises(WebhookPayloadError):
        parse_delivery(payload)


def test_signature_check():
    body = b'{"object": "whatsapp_business_account"}'
    header = sign_body("secret", body)

    assert header.startswith("sha256=")
    assert is_valid_signature("secret", body, header)
    assert not is_valid_signature("other", body, header)
    assert not is_valid_signature("secret", body + b" ", header)
    assert not is_valid_signature("secret", body, None)
    assert not is_valid_signature("secret", body, header.replace("sha256=", "sha1="))
    assert not is_valid_signature("", body, sign_body("", body))
    assert not is_valid_signature("secret", body, "sha256=zz\u00e9")


def test_mask_phone():
    assert mask_phone("6281234567890") == "6281****7890"
    assert mask_phone("12345") == "****45"
    assert mask_phone(None) == "<none>"
