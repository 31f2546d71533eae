"""GraphMessenger against a local Graph API stand-in on a free loopback port."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web

from chassie.complaints.messenger import DeliveryError, GraphMessenger

WINDOW_CLOSED_CODE = 131047
CLOSED_WINDOW_NUMBER = "6289900000000"


async def _serve(received: list[dict[str, Any]]) -> tuple[web.AppRunner, int]:
    async def messages(request: web.Request) -> web.Response:
        body = await request.json()
        received.append({"path": request.path, "auth": request.headers.get("Authorization"), **body})
        if body["to"] == CLOSED_WINDOW_NUMBER:
            error = {"error": {"code": WINDOW_CLOSED_CODE, "message": "Re-engagement message"}}
            return web.json_response(error, status=400)
        return web.json_response({"messages": [{"id": "wamid.test"}]})

    app = web.Application()
    app.router.add_post("/{version}/{phone_number_id}/messages", messages)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


def _configure(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "test-token")
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "1234567890")
    monkeypatch.setenv("WHATSAPP_API_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("WHATSAPP_API_VERSION", "v21.0")


def test_send_text_posts_to_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        runner, port = await _serve(received)
        _configure(monkeypatch, port)
        try:
            await GraphMessenger().send_text("6281234567890", "Tiket baru PGD/261204/001")
        finally:
            await runner.cleanup()

    asyncio.run(scenario())

    assert len(received) == 1
    assert received[0]["path"] == "/v21.0/1234567890/messages"
    assert received[0]["auth"] == "Bearer test-token"
    assert received[0]["to"] == "6281234567890"
    assert received[0]["text"]["body"] == "Tiket baru PGD/261204/001"


def test_closed_window_raises_delivery_error(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[dict[str, Any]] = []
    raised: list[DeliveryError] = []

    async def scenario() -> None:
        runner, port = await _serve(received)
        _configure(monkeypatch, port)
        try:
            await GraphMessenger().send_text(CLOSED_WINDOW_NUMBER, "Jawaban petugas")
        except DeliveryError as error:
            raised.append(error)
        finally:
            await runner.cleanup()

    asyncio.run(scenario())

    assert len(raised) == 1
    assert raised[0].code == WINDOW_CLOSED_CODE
    assert raised[0].permanent


def test_missing_credentials_raise_delivery_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHATSAPP_ACCESS_TOKEN", raising=False)

    with pytest.raises(DeliveryError, match="not configured"):
        asyncio.run(GraphMessenger().send_text("6281234567890", "halo"))
