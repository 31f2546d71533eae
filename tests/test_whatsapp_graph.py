"""The Graph API client against the sandbox's stand-in on a free port."""

from __future__ import annotations

import asyncio
import logging

import pytest
from whatsapp_harness import run

from chassie.whatsapp.graph import GraphClient, GraphPermanentError, GraphTransientError
from chassie.whatsapp.render import Choice
from sandbox.whatsapp.server import WhatsAppSandbox

TOKEN = "EAAG-secret-token-value"
PHONE_NUMBER_ID = "106540352242922"
RECIPIENT = "6281234567890"


async def start_graph() -> WhatsAppSandbox:
    # The webhook URL points at a closed port: these tests only look at send calls.
    graph = WhatsAppSandbox(webhook_url="http://127.0.0.1:9/none", access_token=TOKEN, status_delay_seconds=60)
    await graph.start()
    return graph


def client_for(graph: WhatsAppSandbox, **options) -> GraphClient:
    return GraphClient(TOKEN, PHONE_NUMBER_ID, base_url=graph.url, backoff_seconds=0.01, **options)


def test_send_text_returns_wamid_and_records_call():
    async def scenario():
        graph = await start_graph()
        try:
            async with client_for(graph) as client:
                message_id = await client.send_text(RECIPIENT, "Selamat datang")
            return message_id, graph.calls
        finally:
            await graph.stop()

    message_id, calls = run(scenario())
    assert message_id.startswith("wamid.")
    assert calls[0].api_version == "v21.0"
    assert calls[0].body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": RECIPIENT,
        "type": "text",
        "text": {"preview_url": False, "body": "Selamat datang"},
    }
    assert calls[0].message_id == message_id


def test_send_text_splits_long_body():
    async def scenario():
        graph = await start_graph()
        try:
            async with client_for(graph) as client:
                await client.send_text(RECIPIENT, "\n\n".join(["kata " * 300] * 4))
            return [len(call.body["text"]["body"]) for call in graph.calls]
        finally:
            await graph.stop()

    lengths = run(scenario())
    assert len(lengths) == 2
    assert all(length <= 4096 for length in lengths)


def test_buttons_list_template_and_mark_read():
    async def scenario():
        graph = await start_graph()
        try:
            async with client_for(graph) as client:
                await client.send_buttons(
                    RECIPIENT, "Lanjut?", [Choice("pl_/affirm", "Ya"), Choice("pl_/deny", "Tidak")]
                )
                await client.send_list(RECIPIENT, "Pilih:", [Choice("menu_31", "OSS", "Perizinan berusaha")])
                await client.send_template(
                    RECIPIENT, "status_izin", "id", ["CSO.1", "Terbit"], quick_reply_payloads=["notif_stop"]
                )
                await client.mark_read("wamid.incoming")
            return graph.calls
        finally:
            await graph.stop()

    calls = run(scenario())
    assert [call.http_status for call in calls] == [200, 200, 200, 200]
    assert calls[0].body["interactive"]["type"] == "button"
    assert calls[1].body["interactive"]["type"] == "list"
    assert calls[2].body["template"]["name"] == "status_izin"
    assert calls[3].body == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.incoming",
    }


def test_buttons_and_rows_accept_plain_dicts():
    async def scenario():
        graph = await start_graph()
        try:
            async with client_for(graph) as client:
                await client.send_buttons(RECIPIENT, "Lanjut?", [{"title": "Ya", "payload": "/affirm"}])
                await client.send_list(RECIPIENT, "Pilih:", [{"id": "team_close", "title": "Tutup tiket"}])
                await client.send_list(RECIPIENT, "Menu:", [{"title": "3", "payload": "3"}])
            return [call.body["interactive"] for call in graph.calls]
        finally:
            await graph.stop()

    buttons, rows, menu = run(scenario())
    assert buttons["action"]["buttons"][0]["reply"] == {"id": "pl_/affirm", "title": "Ya"}
    assert rows["action"]["sections"][0]["rows"] == [{"id": "team_close", "title": "Tutup tiket"}]
    assert menu["action"]["sections"][0]["rows"][0]["title"] == "Aplikasi Perizinan"


@pytest.mark.parametrize("kind", ["429", "500"])
def test_transient_errors_are_retried(kind):
    async def scenario():
        graph = await start_graph()
        graph.fail_next(2, kind)
        try:
            async with client_for(graph) as client:
                message_id = await client.send_text(RECIPIENT, "halo")
            return message_id, [call.http_status for call in graph.calls]
        finally:
            await graph.stop()

    message_id, statuses = run(scenario())
    assert message_id.startswith("wamid.")
    assert statuses == [int(kind), int(kind), 200]


def test_retries_are_bounded():
    async def scenario():
        graph = await start_graph()
        graph.fail_next(10, "500")
        try:
            async with client_for(graph, max_attempts=3) as client:
                with pytest.raises(GraphTransientError) as raised:
                    await client.send_text(RECIPIENT, "halo")
            return raised.value, len(graph.calls)
        finally:
            await graph.stop()

    error, attempts = run(scenario())
    assert attempts == 3
    assert error.http_status == 500


def test_closed_window_raises_permanent_error_without_retry(caplog):
    async def scenario():
        graph = await start_graph()
        graph.fail_next(1, "131047")
        try:
            async with client_for(graph) as client:
                with pytest.raises(GraphPermanentError) as raised:
                    await client.send_text(RECIPIENT, "halo")
            return raised.value, len(graph.calls)
        finally:
            await graph.stop()

    with caplog.at_level(logging.DEBUG):
        error, attempts = run(scenario())
    assert error.code == 131047
    assert attempts == 1
    assert "6281****7890" in caplog.text
    assert RECIPIENT not in caplog.text
    assert TOKEN not in caplog.text


def test_invalid_request_is_permanent():
    async def scenario():
        graph = await start_graph()
        try:
            async with client_for(graph) as client:
                with pytest.raises(GraphPermanentError) as raised:
                    await client.send_message(RECIPIENT, {"type": "text", "text": {"body": "x" * 5000}})
            return raised.value
        finally:
            await graph.stop()

    assert run(scenario()).code == 131009


def test_wrong_token_is_permanent():
    async def scenario():
        graph = await start_graph()
        try:
            async with GraphClient("wrong", PHONE_NUMBER_ID, base_url=graph.url) as client:
                with pytest.raises(GraphPermanentError) as raised:
                    await client.send_text(RECIPIENT, "halo")
            return raised.value
        finally:
            await graph.stop()

    assert run(scenario()).code == 190


def test_unreachable_server_is_transient_after_retries():
    async def scenario():
        async with GraphClient(TOKEN, PHONE_NUMBER_ID, base_url="http://127.0.0.1:9", backoff_seconds=0.01) as client:
            with pytest.raises(GraphTransientError):
                await client.send_text(RECIPIENT, "halo")

    run(scenario())


def test_timeout_is_transient():
    async def scenario():
        graph = await start_graph()
        original = graph.handle_graph_messages

        async def slow(request):
            await asyncio.sleep(1.0)
            return await original(request)

        graph.handle_graph_messages = slow  # type: ignore[method-assign]
        await graph.stop()
        await graph.start()
        try:
            client = client_for(graph, timeout_seconds=0.2, max_attempts=2)
            with pytest.raises(GraphTransientError):
                await client.send_text(RECIPIENT, "halo")
            await client.close()
        finally:
            await graph.stop()

    run(scenario())


def test_from_env_reads_settings_and_hides_token():
    env = {
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_BASE_URL": "http://127.0.0.1:5090/",
    }

    client = GraphClient.from_env(env)

    assert client.messages_url == f"http://127.0.0.1:5090/v21.0/{PHONE_NUMBER_ID}/messages"
    assert TOKEN not in repr(client)
    with pytest.raises(ValueError, match="WHATSAPP_ACCESS_TOKEN"):
        GraphClient.from_env({"WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID})
    assert GraphClient.from_env({**env, "WHATSAPP_API_VERSION": "v19.0"}).api_version == "v19.0"
