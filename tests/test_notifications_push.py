"""The push endpoint: signed status changes feed the same pipeline as polling."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from chassie.notifications.poller import Notifier
from chassie.notifications.push import (
    PUSH_SIGNATURE_HEADER,
    PushPayloadError,
    make_push_app,
    parse_push,
    sign_push_body,
)
from chassie.tracking.models import StatusCategory
from sandbox.tracking import TrackingSandbox
from tests.notifications_harness import (
    OWNER,
    Clock,
    GraphStandIn,
    graph_stand_in,
    make_notifier,
    migrated_sqlite,
)

SECRET = "push-secret-for-tests"
KODE = "TTD-2023-000123"
REJECTION = {
    "system": "simttd",
    "kode_pendaftaran": KODE,
    "status": "ditolak",
    "tahapan": "Paraf Kepala Bidang",
    "keterangan": "Gambar teknis belum dilampirkan.",
    "jenis_izin": "Izin Usaha Toko Swalayan",
}


@pytest.fixture(scope="module")
def tracking() -> Iterator[TrackingSandbox]:
    with TrackingSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return migrated_sqlite(tmp_path)


@pytest.fixture
def graph(database_url: str) -> Iterator[GraphStandIn]:
    with graph_stand_in(database_url) as stand_in:
        yield stand_in


@pytest.fixture
def notifier(database_url, tracking, graph) -> Notifier:
    tracking.reset()
    notifier = make_notifier(database_url, tracking, graph, Clock())
    notifier.store.subscribe(OWNER, "simttd", KODE, tracking_status(notifier))
    return notifier


def tracking_status(notifier: Notifier):
    return notifier.tracking.lookup("simttd", KODE).application


async def post(
    notifier: Notifier,
    body: bytes,
    signature: str | None,
    secret: str = SECRET,
) -> tuple[int, Any]:
    """Serve the push app on a free port, POST one body, deliver what it queued, return the response."""
    runner = web.AppRunner(make_push_app(notifier, secret), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[PUSH_SIGNATURE_HEADER] = signature
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"http://127.0.0.1:{port}/push", data=body, headers=headers) as response:
                answer = (response.status, await response.json())
        await notifier.deliver_once()
        return answer
    finally:
        await notifier.graph.close()
        await runner.cleanup()


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, sign_push_body(secret, body)


def test_signed_push_sends_rejection(notifier, graph) -> None:
    body, signature = signed(REJECTION)

    status, answer = asyncio.run(post(notifier, body, signature))

    assert status == 200
    assert answer == {"subscriptions": 1, "notifications": 1}
    (sent,) = graph.templates_sent(OWNER)
    assert sent["template"]["name"] == "chassie_izin_ditolak"
    parameters = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert parameters == [KODE, "Izin Usaha Toko Swalayan", "Gambar teknis belum dilampirkan."]


def test_repeated_push_sends_once(notifier, graph) -> None:
    body, signature = signed(REJECTION)

    first = asyncio.run(post(notifier, body, signature))
    second = asyncio.run(post(notifier, body, signature))

    assert first == (200, {"subscriptions": 1, "notifications": 1})
    assert second == (200, {"subscriptions": 0, "notifications": 0})
    assert len(graph.templates_sent(OWNER)) == 1


def test_push_then_poll_sends_once(notifier, graph, tracking) -> None:
    body, signature = signed(REJECTION)
    asyncio.run(post(notifier, body, signature))
    tracking.set_status("simttd", KODE, "ditolak", keterangan="Gambar teknis belum dilampirkan.")

    notifier.store.clock.advance(120)  # type: ignore[attr-defined]
    asyncio.run(notifier.run_once())

    assert len(graph.templates_sent(OWNER)) == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        "sha1=abc",
        sign_push_body("another-secret", json.dumps(REJECTION).encode()),
    ],
    ids=["missing", "empty", "zeros", "wrong-scheme", "wrong-secret"],
)
def test_bad_signature_is_rejected(notifier, graph, signature) -> None:
    body = json.dumps(REJECTION).encode()

    status, answer = asyncio.run(post(notifier, body, signature))

    assert status == 401
    assert answer == {"error": "invalid signature"}
    assert graph.templates_sent() == []
    assert notifier.store.notifications() == []


def test_signature_covers_raw_body(notifier, graph) -> None:
    body, signature = signed(REJECTION)
    tampered = body.replace(b"ditolak", b"terbit!")

    status, _ = asyncio.run(post(notifier, tampered, signature))

    assert status == 401
    assert graph.templates_sent() == []


def test_push_disabled_without_secret(notifier, graph) -> None:
    body, signature = signed(REJECTION)

    status, _ = asyncio.run(post(notifier, body, signature, secret=""))

    assert status == 503
    assert graph.templates_sent() == []


@pytest.mark.parametrize(
    "payload",
    [
        {"kode_pendaftaran": KODE, "status": "ditolak"},
        {"system": "simttd", "kode_pendaftaran": "../etc/passwd", "status": "ditolak"},
        {"system": "simttd", "kode_pendaftaran": KODE},
        {"system": "simttd", "kode_pendaftaran": KODE, "status": 3},
    ],
    ids=["no-system", "bad-kode", "no-status", "status-not-text"],
)
def test_invalid_push_is_rejected(notifier, graph, payload) -> None:
    body, signature = signed(payload)

    status, answer = asyncio.run(post(notifier, body, signature))

    assert status == 400
    assert answer["error"].startswith("invalid push")
    assert graph.templates_sent() == []


def test_signed_non_json_is_rejected(notifier) -> None:
    body = b"not json"

    status, _ = asyncio.run(post(notifier, body, sign_push_body(SECRET, body)))

    assert status == 400


def test_push_in_process_status_is_silent(notifier, graph) -> None:
    body, signature = signed({"system": "71", "kode_pendaftaran": KODE, "status": "proses", "tahapan": "Paraf"})

    status, answer = asyncio.run(post(notifier, body, signature))

    assert status == 200
    assert answer == {"subscriptions": 1, "notifications": 0}
    assert graph.templates_sent() == []


def test_parse_push_uses_office_status_words() -> None:
    overrides = {"sicantik": {"Selesai": StatusCategory.ISSUED}}

    application = parse_push({"system": "72", "kode_pendaftaran": "cso.202212345678", "status": "Selesai"}, overrides)

    assert application.system == "sicantik"
    assert application.kode_pendaftaran == "CSO.202212345678"
    assert application.category is StatusCategory.ISSUED


def test_parse_push_rejects_list_body() -> None:
    with pytest.raises(PushPayloadError):
        parse_push([REJECTION])
