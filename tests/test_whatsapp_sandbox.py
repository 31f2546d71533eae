"""The sandbox's HTTP API: page sends become signed webhooks, control endpoints, conversation view."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
from whatsapp_harness import ChannelHarness, FakeBot, migrated_database, run

from chassie.menu import MAIN_MENU_ROWS
from sandbox.whatsapp.server import STATIC_DIR, WhatsAppSandbox, build_user_message

SENDER = "6281234567890"
TEAM_MEMBER = "6289876543210"


@pytest.fixture
def database_url(tmp_path):
    """A migrated SQLite database, created before the test body (see `migrated_database`)."""
    return migrated_database(tmp_path)


def menu_bot(text: str) -> dict:
    if text == "halo":
        return {
            "text": "Silakan pilih menu:",
            "buttons": [{"title": e.title, "payload": e.code} for e in MAIN_MENU_ROWS],
        }
    return {"text": f"Anda memilih *{text}*"}


async def page_send(session: aiohttp.ClientSession, graph: WhatsAppSandbox, **fields) -> dict:
    async with session.post(graph.url + "/sandbox/api/send", json=fields) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def conversation(session: aiohttp.ClientSession, graph: WhatsAppSandbox, wa_id: str) -> dict:
    async with session.get(graph.url + "/sandbox/api/conversation", params={"wa_id": wa_id}) as response:
        return await response.json()


def test_page_text_goes_through_channel_and_back(database_url):
    async def scenario():
        async with ChannelHarness(database_url, bot=FakeBot(reply=menu_bot)) as harness:
            assert harness.session is not None
            result = await page_send(
                harness.session, harness.graph, wa_id=SENDER, name="Made", kind="text", text="halo"
            )
            await harness.drain()
            chat = await conversation(harness.session, harness.graph, SENDER)
            await harness.drain()
            return result, chat, harness

    result, chat, harness = run(scenario())
    assert result["webhook_status"] == 200
    assert harness.bot.received[0].metadata["profile_name"] == "Made"
    incoming, reply = chat["items"]
    assert incoming["direction"] == "in"
    assert incoming["status"] == "read"
    assert reply["direction"] == "out"
    assert reply["message"]["interactive"]["type"] == "list"
    # sent and delivered came back as webhooks, then read once the page fetched the reply.
    statuses = harness.channel.statuses.statuses_for(reply["message_id"])  # type: ignore[union-attr]
    assert [s.status for s in statuses] == ["sent", "delivered", "read"]


def test_page_list_tap_reaches_bot_as_menu_code(database_url):
    async def scenario():
        async with ChannelHarness(database_url, bot=FakeBot(reply=menu_bot)) as harness:
            assert harness.session is not None
            await page_send(
                harness.session,
                harness.graph,
                wa_id=SENDER,
                kind="list_reply",
                id="menu_3",
                title="Aplikasi Perizinan",
            )
            await page_send(
                harness.session, harness.graph, wa_id=SENDER, kind="button_reply", id="pl_/affirm", title="Ya"
            )
            await page_send(
                harness.session, harness.graph, wa_id=SENDER, kind="button", payload="notif_stop", text="Stop"
            )
            await page_send(harness.session, harness.graph, wa_id=SENDER, kind="sticker")
            await harness.drain()
            return harness.bot.texts, harness.sends_to(SENDER)

    texts, sends = run(scenario())
    assert texts == ["3", "/affirm", "/notification_unsubscribe"]
    assert "stiker" in sends[-1]["text"]["body"]


def test_unprompted_message_shows_for_second_number(database_url):
    async def scenario():
        async with ChannelHarness(database_url) as harness:
            assert harness.session is not None and harness.channel is not None
            output = harness.channel.get_output_channel()
            await output.send_response(TEAM_MEMBER, {"text": "Pengaduan baru: *ADU-0001*"})
            team_chat = await conversation(harness.session, harness.graph, TEAM_MEMBER)
            citizen_chat = await conversation(harness.session, harness.graph, SENDER)
            return team_chat, citizen_chat

    team_chat, citizen_chat = run(scenario())
    assert team_chat["items"][0]["message"]["text"]["body"] == "Pengaduan baru: *ADU-0001*"
    assert citizen_chat["items"] == []


def test_webhook_to_closed_port_marks_message_failed():
    async def scenario():
        async with WhatsAppSandbox(webhook_url="http://127.0.0.1:9/webhook") as graph:
            async with aiohttp.ClientSession() as session:
                result = await page_send(session, graph, wa_id=SENDER, kind="text", text="halo")
                chat = await conversation(session, graph, SENDER)
        return result, chat

    result, chat = run(scenario())
    assert result["webhook_status"] == 0
    assert chat["items"][0]["status"] == "failed"


def test_control_endpoints_over_http():
    async def scenario():
        async with WhatsAppSandbox() as graph:
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer any"}) as session:
                async with session.post(graph.url + "/sandbox/control/fail", json={"count": 2, "kind": "131047"}) as r:
                    queued = await r.json()
                async with session.post(graph.url + "/sandbox/control/fail", json={"count": 1, "kind": "404"}) as r:
                    bad_kind = r.status
                url = f"{graph.url}/v21.0/{graph.phone_number_id}/messages"
                body = {"messaging_product": "whatsapp", "to": SENDER, "type": "text", "text": {"body": "x"}}
                statuses = []
                for _ in range(3):
                    async with session.post(url, json=body) as r:
                        statuses.append((r.status, (await r.json()).get("error", {}).get("code")))
                async with session.get(graph.url + "/sandbox/control/calls") as r:
                    calls = (await r.json())["calls"]
                async with session.post(graph.url + "/sandbox/control/reset") as r:
                    assert r.status == 200
                async with session.get(graph.url + "/sandbox/control/calls") as r:
                    after_reset = (await r.json())["calls"]
                async with session.post(f"{graph.url}/v21.0/999/messages", json=body) as r:
                    wrong_number = r.status
        return queued, bad_kind, statuses, calls, after_reset, wrong_number

    queued, bad_kind, statuses, calls, after_reset, wrong_number = run(scenario())
    assert queued["queued_failures"] == ["131047", "131047"]
    assert bad_kind == 400
    assert statuses == [(400, 131047), (400, 131047), (200, None)]
    assert [c["http_status"] for c in calls] == [400, 400, 200]
    assert calls[2]["message_id"].startswith("wamid.")
    assert after_reset == []
    assert wrong_number == 400


def test_send_without_token_is_rejected():
    async def scenario():
        async with WhatsAppSandbox() as graph:
            async with aiohttp.ClientSession() as session:
                async with session.post(f"{graph.url}/v21.0/{graph.phone_number_id}/messages", json={}) as r:
                    return r.status, (await r.json())["error"]["code"]

    assert run(scenario()) == (401, 190)


def test_page_loads_no_external_resources():
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), path.name
        assert "@import" not in text, path.name
        assert "fonts.googleapis" not in text, path.name


def test_page_is_indonesian():
    html = (Path(STATIC_DIR) / "index.html").read_text(encoding="utf-8")

    assert 'lang="id"' in html
    assert "Ketik pesan" in html
    assert "Nomor WhatsApp Anda" in html


def test_user_message_shapes():
    assert build_user_message({"kind": "text", "text": " halo "}) == {
        "type": "text",
        "text": {"body": "halo"},
    }
    reply = build_user_message({"kind": "list_reply", "id": "menu_3", "title": "Aplikasi", "context_id": "wamid.x"})
    assert reply["interactive"]["list_reply"] == {"id": "menu_3", "title": "Aplikasi"}
    assert reply["context"]["id"] == "wamid.x"
    assert build_user_message({"kind": "location"})["location"]["name"] == "Graha Sewaka Dharma"
