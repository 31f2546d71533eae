"""The WhatsApp channel served by Sanic, fed signed Cloud API webhooks, sending to the Graph stand-in."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from datetime import timedelta

import pytest
from whatsapp_harness import (
    ACCESS_TOKEN,
    VERIFY_TOKEN,
    ChannelHarness,
    FakeBot,
    load_payload,
    migrated_database,
    run,
)

from chassie.menu import APP_MENU_ROWS
from chassie.whatsapp.processing import FAILURE_REPLY
from chassie.whatsapp.settings import ChannelSettings
from chassie.whatsapp.store import DeliveryStatusStore, MessageIdStore, utcnow

SENDER = "6281234567890"


@pytest.fixture
def database_url(tmp_path):
    """A migrated SQLite database, created before the test body (see `migrated_database`)."""
    return migrated_database(tmp_path)


def test_verification_echoes_challenge(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            params = {
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            }
            return await harness.get("/webhooks/whatsapp/webhook", params)

    status, text = run(scenario())
    assert status == 200
    assert text == "1158201444"


def test_verification_rejects_wrong_token_or_mode(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            wrong_token = await harness.get(
                "/webhooks/whatsapp/webhook",
                {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
            )
            wrong_mode = await harness.get(
                "/webhooks/whatsapp/webhook",
                {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            )
            no_params = await harness.get("/webhooks/whatsapp/webhook", {})
            return wrong_token, wrong_mode, no_params

    wrong_token, wrong_mode, no_params = run(scenario())
    assert wrong_token[0] == 403
    assert wrong_mode[0] == 403
    assert no_params[0] == 403
    assert "1" not in wrong_token[1]


def test_missing_settings_disable_webhook(database_url):
    async def scenario():
        async with ChannelHarness(database_url, app_secret="", access_token="") as harness:
            health = await harness.get("/webhooks/whatsapp/", {})
            response = await harness.post(load_payload("text"))
            return health, response.status, harness.channel.get_output_channel(), harness.bot.received

    health, status, output, received = run(scenario())
    assert health == (200, '{"status":"missing configuration"}')
    assert status == 503
    assert output is None
    assert received == []


def test_settings_read_credentials_then_environment():
    environ = {
        "WHATSAPP_VERIFY_TOKEN": "env-verify",
        "WHATSAPP_APP_SECRET": "env-secret",
        "WHATSAPP_ACCESS_TOKEN": "env-token",
        "WHATSAPP_PHONE_NUMBER_ID": "123",
    }

    settings = ChannelSettings.from_credentials({"verify_token": "yml-verify", "mark_read": False}, environ)

    assert settings.verify_token == "yml-verify"
    assert settings.app_secret == "env-secret"
    assert settings.api_base_url == "https://graph.facebook.com"
    assert settings.api_version == "v21.0"
    assert settings.mark_read is False
    assert settings.missing_variables() == []
    assert "env-secret" not in repr(settings)
    assert "env-token" not in repr(settings)
    assert ChannelSettings.from_credentials(None, {}).missing_variables() == [
        "WHATSAPP_VERIFY_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
    ]


def test_text_message_reaches_bot_with_metadata(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            response = await harness.post(load_payload("text"))
            await harness.drain()
            return response.status, harness.bot.received, harness.sends_to(SENDER), harness.read_receipts()

    status, received, sends, read = run(scenario())
    assert status == 200
    assert len(received) == 1
    message = received[0]
    assert message.text == "halo"
    assert message.sender_id == SENDER
    assert message.input_channel == "whatsapp"
    assert message.message_id.startswith("wamid.")
    assert message.metadata["profile_name"] == "Made Wirawan"
    assert message.metadata["whatsapp_message_type"] == "text"
    assert sends[0]["text"]["body"] == "echo: halo"
    assert read == [message.message_id]


def test_bad_signature_is_rejected_and_not_processed(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            wrong = await harness.post(load_payload("text"), secret="another-secret")
            missing = await harness.post(load_payload("text"), secret=None)
            body = json.dumps(load_payload("text")).encode()
            tampered_body = body.replace(b"halo", b"HALO")
            from chassie.whatsapp.signature import sign_body

            headers = {"X-Hub-Signature-256": sign_body("test-app-secret", body)}
            assert harness.session is not None
            async with harness.session.post(
                harness.url + "/webhooks/whatsapp/webhook", data=tampered_body, headers=headers
            ) as tampered:
                tampered_status = tampered.status
            await harness.drain()
            return wrong.status, missing.status, tampered_status, harness.bot.received, harness.graph.calls

    wrong, missing, tampered, received, calls = run(scenario())
    assert wrong == 403
    assert missing == 401
    assert tampered == 403
    assert received == []
    assert calls == []


def test_oversized_body_is_rejected(database_url):
    async def scenario():
        async with ChannelHarness(database_url, max_body_bytes=2048) as harness:
            payload = load_payload("text")
            payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "x" * 4000
            response = await harness.post(payload)
            await harness.drain()
            return response.status, harness.bot.received

    status, received = run(scenario())
    assert status == 413
    assert received == []


def test_malformed_json_is_rejected(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            broken = await harness.post(None, raw=b'{"object": "whatsapp_business_account", "entry": [')
            not_object = await harness.post(["a", "list"])
            wrong_object = await harness.post({"object": "page", "entry": []})
            await harness.drain()
            return broken.status, not_object.status, wrong_object.status, harness.bot.received

    broken, not_object, wrong_object, received = run(scenario())
    assert broken == 400
    assert not_object == 400
    assert wrong_object == 400
    assert received == []


def test_other_fields_are_acknowledged_and_ignored(database_url):
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [{"field": "message_template_status_update", "value": {"event": "APPROVED"}}],
            }
        ],
    }

    async def scenario():
        async with ChannelHarness(database_url) as harness:
            response = await harness.post(payload)
            await harness.drain()
            return response.status, harness.bot.received, harness.graph.calls

    status, received, calls = run(scenario())
    assert status == 200
    assert received == []
    assert calls == []


def test_answers_before_bot_finishes(database_url):
    bot = FakeBot(delay_seconds=1.5)

    async def scenario():
        async with ChannelHarness(database_url, bot=bot) as harness:
            started = time.monotonic()
            response = await harness.post(load_payload("text"))
            elapsed = time.monotonic() - started
            await harness.drain()
            return response.status, elapsed, harness.sends_to(SENDER)

    status, elapsed, sends = run(scenario())
    assert status == 200
    assert elapsed < 1.0
    assert len(sends) == 1


def test_shutdown_finishes_accepted_messages(database_url):
    bot = FakeBot(delay_seconds=0.5)

    async def scenario():
        async with ChannelHarness(database_url, bot=bot) as harness:
            response = await harness.post(load_payload("two_messages_one_delivery"))
            replies_at_200 = len(harness.sends_to(SENDER))
            await harness.stop_server()
            return response.status, replies_at_200, harness.sends_to(SENDER)

    status, replies_at_200, sends = run(scenario())
    assert status == 200
    assert replies_at_200 == 0
    assert [body["text"]["body"] for body in sends] == ["echo: 3", "echo: 31"]


def test_batch_is_handled_in_order(database_url):
    bot = FakeBot(delay_seconds=0.05)

    async def scenario():
        async with ChannelHarness(database_url, bot=bot) as harness:
            await harness.post(load_payload("two_messages_one_delivery"))
            await harness.drain()
            return bot.texts, [body["text"]["body"] for body in harness.sends_to(SENDER)]

    texts, replies = run(scenario())
    assert texts == ["3", "31"]
    assert replies == ["echo: 3", "echo: 31"]


def test_order_kept_across_deliveries_per_sender(database_url):
    bot = FakeBot(delay_seconds=0.05)

    def text_payload(sender: str, index: int) -> dict:
        payload = load_payload("text")
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = sender
        message = value["messages"][0]
        message["from"] = sender
        message["id"] = f"wamid.order-{sender}-{index}"
        message["text"]["body"] = f"{sender[-1]}-{index}"
        return payload

    async def scenario():
        async with ChannelHarness(database_url, bot=bot) as harness:
            for index in range(5):
                await harness.post(text_payload("6281111111111", index))
                await harness.post(text_payload("6282222222222", index))
            await harness.drain()
            return bot.texts

    texts = run(scenario())
    assert [t for t in texts if t.startswith("1-")] == [f"1-{i}" for i in range(5)]
    assert [t for t in texts if t.startswith("2-")] == [f"2-{i}" for i in range(5)]


def test_duplicate_webhook_is_processed_once(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            first = await harness.post(load_payload("text"))
            second = await harness.post(load_payload("text"))
            await harness.drain()
            third = await harness.post(load_payload("text"))
            await harness.drain()
            return [first.status, second.status, third.status], harness.bot.texts, harness.sends_to(SENDER)

    statuses, texts, sends = run(scenario())
    assert statuses == [200, 200, 200]
    assert texts == ["halo"]
    assert len(sends) == 1


def test_duplicate_after_restart_is_processed_once(database_url):
    async def first_run():
        async with ChannelHarness(database_url) as harness:
            await harness.post(load_payload("text"))
            await harness.drain()
            return harness.bot.texts

    async def second_run():
        async with ChannelHarness(database_url) as harness:
            await harness.post(load_payload("text"))
            await harness.post(load_payload("list_reply"))
            await harness.drain()
            return harness.bot.texts

    assert run(first_run()) == ["halo"]
    assert run(second_run()) == ["3"]


def test_interactive_and_template_replies_map_to_bot_text(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            for name in ("list_reply", "button_reply", "template_quick_reply"):
                await harness.post(load_payload(name))
            await harness.drain()
            return harness.bot.texts

    assert run(scenario()) == ["3", "0", "/notification_unsubscribe"]


def test_image_caption_is_read_as_text(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            await harness.post(load_payload("image"))
            await harness.drain()
            return harness.bot.texts

    assert run(scenario()) == ["ini bukti pembayaran"]


def test_unreadable_types_get_polite_answer_without_bot(database_url):
    kinds = {
        "audio": {"mime_type": "audio/ogg; codecs=opus", "voice": True, "id": "1"},
        "video": {"mime_type": "video/mp4", "id": "2"},
        "sticker": {"mime_type": "image/webp", "id": "3"},
        "contacts": [{"name": {"formatted_name": "Ibu Sari"}}],
        "reaction": {"message_id": "wamid.x", "emoji": "\U0001f44d"},
        "unsupported": {},
        "image": {"mime_type": "image/jpeg", "id": "4"},
    }

    def payload_for(kind: str, index: int) -> dict:
        payload = load_payload("text")
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["id"] = f"wamid.media-{index}"
        message["type"] = kind
        message[kind] = kinds[kind]
        return payload

    async def scenario():
        async with ChannelHarness(database_url) as harness:
            await harness.post(load_payload("location"))
            for index, kind in enumerate(kinds):
                await harness.post(payload_for(kind, index))
            await harness.drain()
            return harness.bot.received, [body["text"]["body"] for body in harness.sends_to(SENDER)]

    received, replies = run(scenario())
    assert received == []
    assert len(replies) == 1 + len(kinds)
    assert "lokasi" in replies[0]
    assert "pesan suara" in replies[1]
    assert all(reply.startswith("Mohon maaf, Bapak/Ibu") for reply in replies)
    assert all("nomor menu" in reply for reply in replies)


def test_statuses_are_stored_not_sent_to_bot(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            read = await harness.post(load_payload("status_read"))
            failed = await harness.post(load_payload("status_failed_outside_window"))
            await harness.post(load_payload("status_read"))
            await harness.drain()
            return read.status, failed.status, harness.bot.received

    read, failed, received = run(scenario())
    assert (read, failed) == (200, 200)
    assert received == []
    store = DeliveryStatusStore(database_url)
    read_statuses = store.statuses_for("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjk5OEFCQzEyMzQ1Njc4OTAA")
    assert [s.status for s in read_statuses] == ["read"]
    failed_statuses = store.statuses_for("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjk5OEFCQzEyMzQ1Njc4OTEA")
    assert failed_statuses[0].status == "failed"
    assert failed_statuses[0].error_code == 131047


def test_menu_buttons_become_list_with_menu_ids(database_url):
    buttons = [{"title": entry.title, "payload": entry.code} for entry in APP_MENU_ROWS]
    bot = FakeBot(reply=lambda text: {"text": "*Aplikasi Perizinan*\nSilakan pilih aplikasi:", "buttons": buttons})

    async def scenario():
        async with ChannelHarness(database_url, bot=bot) as harness:
            await harness.post(load_payload("list_reply"))
            await harness.drain()
            return harness.sends_to(SENDER), harness.graph.calls

    sends, calls = run(scenario())
    assert all(call.http_status == 200 for call in calls)
    interactive = sends[0]["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [f"menu_{entry.code}" for entry in APP_MENU_ROWS]
    assert rows[0]["title"] == "OSS"


def test_bot_failure_gets_apology(database_url):
    bot = FakeBot(fail_on="halo")

    async def scenario():
        async with ChannelHarness(database_url, bot=bot) as harness:
            await harness.post(load_payload("text"))
            await harness.drain()
            return [body["text"]["body"] for body in harness.sends_to(SENDER)]

    assert run(scenario()) == [FAILURE_REPLY]


def test_send_retries_transient_errors(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            harness.graph.fail_next(1, "429")
            harness.graph.fail_next(1, "500")
            harness.channel._processor.mark_read = False  # type: ignore[union-attr]
            await harness.post(load_payload("text"))
            await harness.drain()
            return [(call.http_status, call.error_code) for call in harness.graph.calls], harness.sends_to(SENDER)

    calls, sends = run(scenario())
    assert calls == [(429, 130429), (500, 1), (200, None)]
    assert sends[0]["text"]["body"] == "echo: halo"


def test_closed_window_is_not_retried_and_logged_masked(database_url, caplog):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            harness.channel._processor.mark_read = False  # type: ignore[union-attr]
            harness.graph.fail_next(2, "131047")
            await harness.post(load_payload("text"))
            await harness.drain()
            return [(call.http_status, call.error_code) for call in harness.graph.calls]

    with caplog.at_level(logging.DEBUG):
        calls = run(scenario())
    # The reply fails with 131047, and so does the apology after it; neither is retried.
    assert calls == [(400, 131047), (400, 131047)]
    assert "6281****7890" in caplog.text
    assert SENDER not in caplog.text
    assert ACCESS_TOKEN not in caplog.text
    assert "131047" in caplog.text


def test_many_senders_get_replies_within_a_second(database_url):
    def payload_for(index: int) -> dict:
        payload = copy.deepcopy(load_payload("text"))
        value = payload["entry"][0]["changes"][0]["value"]
        sender = f"62812000000{index:02d}"
        value["contacts"][0]["wa_id"] = sender
        value["messages"][0]["from"] = sender
        value["messages"][0]["id"] = f"wamid.load-{index}"
        return payload

    async def scenario():
        async with ChannelHarness(database_url) as harness:
            started = time.monotonic()
            await asyncio.gather(*(harness.post(payload_for(i)) for i in range(20)))
            await harness.processor.drain()
            elapsed = time.monotonic() - started
            return elapsed, len(harness.graph.sent_messages())

    elapsed, sent = run(scenario())
    assert sent == 20
    assert elapsed < 5.0


def _leave_unfinished(database_url, message_id: str, text: str, age_seconds: float) -> None:
    """Claim a message the way a server does just before it stops, without finishing it."""
    payload = {"message_id": message_id, "sender": SENDER, "type": "text", "text": text}
    received = utcnow() - timedelta(seconds=age_seconds)
    MessageIdStore(database_url).claim(message_id, now=received, payload=json.dumps(payload))


def test_message_left_by_stopped_server_is_answered_after_restart(database_url):
    _leave_unfinished(database_url, "wamid.crash", "halo", age_seconds=120)

    async def scenario():
        async with ChannelHarness(database_url) as harness:
            recovered = await harness.processor.recover(started_at=utcnow())
            await harness.drain()
            again = await harness.processor.recover(started_at=utcnow())
            return recovered, again, harness.sends_to(SENDER)

    recovered, again, sends = run(scenario())
    assert recovered == 1
    assert again == 0
    assert [body["text"]["body"] for body in sends] == ["echo: halo"]


def test_recovery_waits_while_another_server_may_finish(database_url):
    _leave_unfinished(database_url, "wamid.inflight", "3", age_seconds=0.2)

    async def scenario():
        async with ChannelHarness(database_url) as harness:
            started = time.monotonic()
            recovered = await harness.processor.recover(started_at=utcnow(), grace=timedelta(seconds=0.5))
            await harness.drain()
            return recovered, time.monotonic() - started, harness.sends_to(SENDER)

    recovered, waited, sends = run(scenario())
    assert recovered == 1
    assert waited >= 0.25
    assert len(sends) == 1


def test_redelivered_webhook_after_recovery_is_ignored(database_url):
    _leave_unfinished(database_url, "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBBMDFBMkIzQzRENUU2RjcwAA==", "halo", 120)

    async def scenario():
        async with ChannelHarness(database_url) as harness:
            await harness.processor.recover(started_at=utcnow())
            await harness.drain()
            await harness.post(load_payload("text"))
            await harness.drain()
            return harness.sends_to(SENDER)

    sends = run(scenario())
    assert len(sends) == 1
