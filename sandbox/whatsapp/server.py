"""Local WhatsApp sandbox: a Graph API stand-in and an Indonesian chat page in one aiohttp app.

The page posts what the user types to `/sandbox/api/send`. The sandbox wraps it
in a Cloud API webhook, signs it with the app secret as Meta does and posts it
to the real channel. The bot's replies arrive at the stand-in's `/messages`
endpoint, are recorded, get a wamid in the response, are shown on the page,
and are followed by `sent` and `delivered` status webhooks (`read` once the
page shows them).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import os
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from chassie.privacy import mask_phone
from chassie.whatsapp.signature import SIGNATURE_HEADER, sign_body
from sandbox.whatsapp.validation import GraphValidationError, validate_message

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_PORT = 5090
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:5005/webhooks/whatsapp/webhook"
# Only for local use: `make run` gives the channel the same value.
DEFAULT_APP_SECRET = "chassie-sandbox-secret"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "6282162523600"
BUSINESS_ACCOUNT_ID = "102290129340398"
DEFAULT_WA_ID = "6281234567890"
DEFAULT_PROFILE_NAME = "Warga Denpasar"
STATUS_DELAY_SECONDS = 0.2
WEBHOOK_TIMEOUT_SECONDS = 10.0
MAX_LONG_POLL_SECONDS = 25.0

FAILURE_KINDS = ("429", "500", "131047")


@dataclass
class RecordedCall:
    """One request to the stand-in's `/messages` endpoint and what it returned."""

    seq: int
    api_version: str
    phone_number_id: str
    body: Any
    http_status: int
    message_id: str | None = None
    error_code: int | None = None
    received_at: float = field(default_factory=time.time)


@dataclass
class ChatItem:
    """A message on the chat page: `in` from the simulated user, `out` from the bot."""

    seq: int
    wa_id: str
    direction: str
    message_id: str
    message: dict[str, Any]
    status: str
    at: float = field(default_factory=time.time)
    error: str | None = None


def new_wamid() -> str:
    """Return a message id shaped like Meta's `wamid.<base64>`."""
    return "wamid." + base64.b64encode(os.urandom(30)).decode("ascii")


def graph_error(http_status: int, code: int, message: str, title: str = "") -> web.Response:
    """Return an error response in the Graph API's shape."""
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": title or message},
        "fbtrace_id": "sandbox",
    }
    return web.json_response({"error": error}, status=http_status)


class WhatsAppSandbox:
    """The sandbox server; start it with `await sandbox.start()` (port 0 picks a free port)."""

    def __init__(
        self,
        webhook_url: str = DEFAULT_WEBHOOK_URL,
        app_secret: str = DEFAULT_APP_SECRET,
        access_token: str | None = None,
        phone_number_id: str | None = None,
        status_delay_seconds: float = STATUS_DELAY_SECONDS,
    ) -> None:
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.access_token = access_token
        self.phone_number_id = phone_number_id or DEFAULT_PHONE_NUMBER_ID
        self.status_delay_seconds = status_delay_seconds
        self.calls: list[RecordedCall] = []
        self.items: list[ChatItem] = []
        self.webhook_results: list[int] = []
        self._failures: deque[str] = deque()
        self._seq = itertools.count(1)
        self._version = 0
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ---- lifecycle -------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL of the running sandbox, e.g. http://127.0.0.1:5090."""
        return f"http://127.0.0.1:{self.port}"

    def make_app(self) -> web.Application:
        """Build the aiohttp application with every route."""
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post("/{version}/{phone_number_id}/messages", self.handle_graph_messages)
        app.router.add_post("/sandbox/control/fail", self.handle_fail_next)
        app.router.add_get("/sandbox/control/calls", self.handle_list_calls)
        app.router.add_delete("/sandbox/control/calls", self.handle_reset)
        app.router.add_post("/sandbox/control/reset", self.handle_reset)
        app.router.add_get("/sandbox/api/config", self.handle_config)
        app.router.add_post("/sandbox/api/send", self.handle_page_send)
        app.router.add_get("/sandbox/api/conversation", self.handle_conversation)
        app.router.add_get("/", self.handle_index)
        app.router.add_static("/static/", STATIC_DIR)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on `host:port`; port 0 binds a free ephemeral port."""
        self._changed = asyncio.Event()
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        logger.info("WhatsApp sandbox listening on %s, webhooks go to %s", self.url, self.webhook_url)

    async def stop(self) -> None:
        """Stop serving, release waiting long polls and cancel pending status webhooks."""
        self._notify()
        await asyncio.sleep(0)
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WhatsAppSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.stop()

    # ---- control ---------------------------------------------------------

    def fail_next(self, count: int, kind: str) -> None:
        """Make the next `count` send calls fail with 429, 500 or 131047 (closed 24-hour window)."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"failure kind must be one of {FAILURE_KINDS}, got {kind!r}")
        self._failures.extend([kind] * count)

    def reset(self) -> None:
        """Forget recorded calls, chat items and queued failures."""
        self.calls.clear()
        self.items.clear()
        self.webhook_results.clear()
        self._failures.clear()
        self._notify()

    def sent_messages(self, to: str | None = None) -> list[RecordedCall]:
        """Return the successful send calls (not read receipts), optionally only those to `to`."""
        return [
            call
            for call in self.calls
            if call.message_id and isinstance(call.body, dict) and (to is None or call.body.get("to") == to)
        ]

    def _notify(self) -> None:
        self._version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- Graph API stand-in ----------------------------------------------

    async def handle_graph_messages(self, request: web.Request) -> web.Response:
        """Accept a `/messages` call like the Cloud API: a send, or a read receipt."""
        version = request.match_info["version"]
        phone_number_id = request.match_info["phone_number_id"]

        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or (
            self.access_token and authorization != f"Bearer {self.access_token}"
        ):
            return graph_error(401, 190, "Invalid OAuth access token.")
        if phone_number_id != self.phone_number_id:
            return graph_error(400, 100, f"Object with ID '{phone_number_id}' does not exist.")
        try:
            body = await request.json()
        except ValueError:
            return graph_error(400, 100, "Invalid JSON in request body.")

        call = RecordedCall(next(self._seq), version, phone_number_id, body, 200)
        self.calls.append(call)
        failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            return self._fail(call, failure)

        if isinstance(body, dict) and body.get("status") == "read":
            self._mark_item_read(str(body.get("message_id")))
            return web.json_response({"success": True})

        try:
            validate_message(body)
        except GraphValidationError as error:
            call.http_status, call.error_code = 400, error.code
            logger.warning("Sandbox rejected a send call: %s", error)
            return graph_error(400, error.code, str(error))

        call.message_id = new_wamid()
        to = str(body["to"])
        item = ChatItem(next(self._seq), to, "out", call.message_id, _message_part(body), "sent")
        self.items.append(item)
        self._notify()
        self._spawn(self._send_statuses(item, ("sent", "delivered")))
        result: dict[str, Any] = {"id": call.message_id}
        if body.get("type") == "template":
            result["message_status"] = "accepted"
        return web.json_response(
            {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [result]}
        )

    def _fail(self, call: RecordedCall, kind: str) -> web.Response:
        if kind == "429":
            call.http_status, call.error_code = 429, 130429
            return graph_error(429, 130429, "Rate limit hit", "Cloud API message throughput has been reached.")
        if kind == "500":
            call.http_status, call.error_code = 500, 1
            return graph_error(500, 1, "An unknown error occurred")
        call.http_status, call.error_code = 400, 131047
        return graph_error(
            400,
            131047,
            "Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied.",
        )

    def _mark_item_read(self, message_id: str) -> None:
        for item in self.items:
            if item.message_id == message_id and item.direction == "in":
                item.status = "read"
                self._notify()

    async def handle_fail_next(self, request: web.Request) -> web.Response:
        """Control: `{"count": N, "kind": "429"|"500"|"131047"}` makes the next N sends fail."""
        try:
            data = await request.json()
            self.fail_next(int(data.get("count", 1)), str(data.get("kind")))
        except (ValueError, TypeError, AttributeError) as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"queued_failures": list(self._failures)})

    async def handle_list_calls(self, _: web.Request) -> web.Response:
        """Control: every recorded `/messages` call, oldest first."""
        return web.json_response({"calls": [asdict(call) for call in self.calls]})

    async def handle_reset(self, _: web.Request) -> web.Response:
        """Control: forget calls, chat items and queued failures."""
        self.reset()
        return web.json_response({"status": "reset"})

    # ---- webhooks to the channel -----------------------------------------

    def _webhook_envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": DISPLAY_PHONE_NUMBER,
                "phone_number_id": self.phone_number_id,
            },
            **value,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": BUSINESS_ACCOUNT_ID, "changes": [{"field": "messages", "value": value}]}],
        }

    async def post_webhook(self, payload: dict[str, Any]) -> int:
        """Sign `payload` as Meta does, POST it to the channel and return the HTTP status (0: unreachable)."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign_body(self.app_secret, body)}
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_SECONDS))
        try:
            async with self._session.post(self.webhook_url, data=body, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("Sandbox could not reach the channel at %s: %s", self.webhook_url, error)
            status = 0
        self.webhook_results.append(status)
        return status

    async def _send_statuses(self, item: ChatItem, statuses: tuple[str, ...]) -> None:
        for status in statuses:
            await asyncio.sleep(self.status_delay_seconds)
            item.status = status
            self._notify()
            await self.post_webhook(
                self._webhook_envelope(
                    {
                        "statuses": [
                            {
                                "id": item.message_id,
                                "status": status,
                                "timestamp": str(int(time.time())),
                                "recipient_id": item.wa_id,
                            }
                        ]
                    }
                )
            )

    # ---- chat page -------------------------------------------------------

    async def handle_index(self, _: web.Request) -> web.FileResponse:
        """Serve the chat page."""
        return web.FileResponse(STATIC_DIR / "index.html")

    async def handle_config(self, _: web.Request) -> web.Response:
        """Page: numbers and names to show."""
        return web.json_response(
            {
                "default_wa_id": DEFAULT_WA_ID,
                "default_profile_name": DEFAULT_PROFILE_NAME,
                "display_phone_number": DISPLAY_PHONE_NUMBER,
                "webhook_url": self.webhook_url,
            }
        )

    async def handle_page_send(self, request: web.Request) -> web.Response:
        """Page: turn what the user typed or tapped into a signed webhook for the channel."""
        try:
            data = await request.json()
            message = build_user_message(data)
        except (ValueError, TypeError, AttributeError) as error:
            return web.json_response({"error": str(error)}, status=400)

        wa_id = "".join(ch for ch in str(data.get("wa_id") or DEFAULT_WA_ID) if ch.isdigit()) or DEFAULT_WA_ID
        name = str(data.get("name") or DEFAULT_PROFILE_NAME)
        message_id = new_wamid()
        message = {"from": wa_id, "id": message_id, "timestamp": str(int(time.time())), **message}
        item = ChatItem(next(self._seq), wa_id, "in", message_id, message, "pending")
        self.items.append(item)
        self._notify()

        payload = self._webhook_envelope(
            {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
        )
        status = await self.post_webhook(payload)
        if status == 200:
            item.status = "read" if item.status == "read" else "delivered"
        else:
            item.status = "failed"
            item.error = f"HTTP {status}" if status else "tidak terhubung"
        self._notify()
        logger.info("Sandbox sent %s from %s, channel returned HTTP %s", message["type"], mask_phone(wa_id), status)
        return web.json_response({"message_id": message_id, "webhook_status": status})

    async def handle_conversation(self, request: web.Request) -> web.Response:
        """Page: the chat with one number; waits up to `wait` seconds for a change after `version`."""
        wa_id = request.query.get("wa_id", DEFAULT_WA_ID)
        try:
            known_version = int(request.query.get("version", "-1"))
            wait = min(MAX_LONG_POLL_SECONDS, float(request.query.get("wait", "0")))
        except ValueError:
            return web.json_response({"error": "version and wait must be numbers"}, status=400)

        if known_version >= self._version and wait > 0:
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass

        items = [item for item in self.items if item.wa_id == wa_id]
        for item in items:
            # The page shows the message now, so the user has read it.
            if item.direction == "out" and item.status == "delivered":
                item.status = "read"
                self._spawn(self._send_statuses(item, ("read",)))
        return web.json_response({"version": self._version, "items": [asdict(item) for item in items]})


def _message_part(body: dict[str, Any]) -> dict[str, Any]:
    """Return the part of a send call the page renders: `type` and its content."""
    message_type = str(body.get("type"))
    return {"type": message_type, message_type: body.get(message_type)}


# Sample media the page can send, shaped like Meta's webhook messages.
SAMPLE_MEDIA: dict[str, dict[str, Any]] = {
    "image": {
        "type": "image",
        "image": {"mime_type": "image/jpeg", "sha256": "c2FuZGJveA==", "id": "900001"},
    },
    "document": {
        "type": "document",
        "document": {
            "filename": "berkas.pdf",
            "mime_type": "application/pdf",
            "sha256": "c2FuZGJveA==",
            "id": "900002",
        },
    },
    "audio": {
        "type": "audio",
        "audio": {"mime_type": "audio/ogg; codecs=opus", "voice": True, "id": "900003"},
    },
    "sticker": {"type": "sticker", "sticker": {"mime_type": "image/webp", "animated": False, "id": "900004"}},
    "location": {
        "type": "location",
        "location": {"latitude": -8.65, "longitude": 115.2167, "name": "Graha Sewaka Dharma"},
    },
}


def build_user_message(data: dict[str, Any]) -> dict[str, Any]:
    """Build the webhook `message` (without from/id/timestamp) for what the page sent."""
    kind = data.get("kind", "text")
    context = {"context": {"from": DISPLAY_PHONE_NUMBER, "id": data["context_id"]}} if data.get("context_id") else {}
    if kind == "text":
        text = str(data.get("text") or "").strip()
        if not text:
            raise ValueError("text is empty")
        return {"type": "text", "text": {"body": text}}
    if kind in ("list_reply", "button_reply"):
        reply = {"id": str(data["id"]), "title": str(data.get("title") or "")}
        if kind == "list_reply" and data.get("description"):
            reply["description"] = str(data["description"])
        return {"type": "interactive", **context, "interactive": {"type": kind, kind: reply}}
    if kind == "button":
        return {
            "type": "button",
            **context,
            "button": {"payload": str(data["payload"]), "text": str(data.get("text") or "")},
        }
    if kind in SAMPLE_MEDIA:
        return json.loads(json.dumps(SAMPLE_MEDIA[kind]))
    raise ValueError(f"unknown message kind {kind!r}")
