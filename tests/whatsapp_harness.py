"""Test harness for the WhatsApp channel: the channel blueprint on a real Sanic server, the
Graph API stand-in on a free port, a fake bot, and a fresh SQLite database per test."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp
import pytest
from sanic import Sanic

from chassie.db import upgrade_schema
from chassie.whatsapp.settings import ChannelSettings
from chassie.whatsapp.signature import SIGNATURE_HEADER, sign_body
from chassie.whatsapp.store import DeliveryStatusStore, MessageIdStore
from connectors.whatsapp import WhatsAppInput
from sandbox.whatsapp.server import WhatsAppSandbox

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "whatsapp"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token-do-not-log"
PHONE_NUMBER_ID = "106540352242922"
WEBHOOK_PATH = "/webhooks/whatsapp/webhook"

_app_names = itertools.count(1)

# Several Sanic apps start in one process here. Test mode keeps Sanic's start-up
# code rewriting ("touchup") from failing on the second app, as sanic-testing does.
Sanic.test_mode = True


def load_payload(name: str) -> dict[str, Any]:
    """Load one webhook payload from tests/fixtures/whatsapp."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def migrated_database(tmp_path: Path) -> str:
    """Create a migrated SQLite database under `tmp_path` and return its URL.

    Call it from a fixture, not the test body: Alembic's logging set-up replaces
    the root handlers, which would detach pytest's log capture for the test.
    """
    url = f"sqlite:///{tmp_path / 'chassie.db'}"
    upgrade_schema(url)
    return url


def run(coroutine: Awaitable[Any]) -> Any:
    """Run one async test scenario on a fresh event loop."""
    return asyncio.run(coroutine)  # type: ignore[arg-type]


@dataclass
class FakeBot:
    """Stand-in for Rasa's `on_new_message`: records each message and sends the response of `reply(text)`."""

    reply: Callable[[str], dict[str, Any] | None] | None = None
    delay_seconds: float = 0.0
    received: list[Any] = field(default_factory=list)
    fail_on: str | None = None

    async def __call__(self, message: Any) -> None:
        self.received.append(message)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.fail_on is not None and message.text == self.fail_on:
            raise RuntimeError("bot failed")
        answer = self.reply(message.text) if self.reply else {"text": f"echo: {message.text}"}
        if answer is not None:
            await message.output_channel.send_response(message.sender_id, answer)

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.received]


class ChannelHarness:
    """The channel served by Sanic on a free port, with the Graph stand-in as its API."""

    def __init__(
        self,
        database_url: str,
        bot: FakeBot | None = None,
        max_body_bytes: int = 1024 * 1024,
        **setting_overrides: Any,
    ) -> None:
        self.database_url = database_url
        self.setting_overrides = setting_overrides
        self.bot = bot or FakeBot()
        self.max_body_bytes = max_body_bytes
        self.graph = WhatsAppSandbox(app_secret=APP_SECRET, access_token=ACCESS_TOKEN, status_delay_seconds=0.01)
        self.channel: WhatsAppInput | None = None
        self.session: aiohttp.ClientSession | None = None
        self._server: Any = None
        self.url = ""

    async def __aenter__(self) -> ChannelHarness:
        await self.graph.start()
        settings = ChannelSettings(
            verify_token=VERIFY_TOKEN,
            app_secret=APP_SECRET,
            access_token=ACCESS_TOKEN,
            phone_number_id=PHONE_NUMBER_ID,
            api_base_url=self.graph.url,
            api_version="v21.0",
            max_body_bytes=self.max_body_bytes,
        )
        settings = dataclasses.replace(settings, **self.setting_overrides)
        self.channel = WhatsAppInput(
            settings, MessageIdStore(self.database_url), DeliveryStatusStore(self.database_url)
        )
        if self.channel.client is not None:
            self.channel.client.backoff_seconds = 0.01
        app = Sanic(f"whatsapp_test_{next(_app_names)}")
        app.blueprint(self.channel.blueprint(self.bot), url_prefix="/webhooks/whatsapp")
        # Sanic 21.12 turns port 0 into 8000, so bind the free port ourselves.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        self._server = await app.create_server(sock=listener, return_asyncio_server=True)
        await self._server.startup()
        self.url = f"http://127.0.0.1:{port}"
        self.graph.webhook_url = self.url + WEBHOOK_PATH
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.drain()
        if self.session is not None:
            await self.session.close()
        await self.stop_server()
        await self.graph.stop()

    async def stop_server(self) -> None:
        """Stop the Sanic server the way Rasa's does, running the blueprint's stop listeners."""
        if self._server is None:
            return
        await self._server.before_stop()
        self._server.close()
        await self._server.wait_closed()
        await self._server.after_stop()
        self._server = None

    @property
    def processor(self) -> Any:
        return self.channel._processor  # type: ignore[union-attr]

    async def drain(self) -> None:
        """Wait until the channel finished its background work and the stand-in sent its statuses."""
        for _ in range(3):
            if self.processor is not None:
                await self.processor.drain()
            await asyncio.sleep(0.05)
            while self.graph._tasks:
                await asyncio.gather(*self.graph._tasks, return_exceptions=True)

    async def post(
        self, payload: Any, secret: str | None = APP_SECRET, raw: bytes | None = None
    ) -> aiohttp.ClientResponse:
        """POST a payload (or raw bytes) to the webhook, signed with `secret` unless it is None."""
        body = raw if raw is not None else json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign_body(secret, body)
        assert self.session is not None
        async with self.session.post(self.url + WEBHOOK_PATH, data=body, headers=headers) as response:
            await response.read()
            return response

    async def get(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        """GET a path of the channel and return the status and text."""
        assert self.session is not None
        async with self.session.get(self.url + path, params=params) as response:
            return response.status, await response.text()

    def sends_to(self, wa_id: str) -> list[dict[str, Any]]:
        """Return the bodies of the send calls the stand-in accepted for `wa_id`, oldest first."""
        return [call.body for call in self.graph.sent_messages(wa_id)]

    def read_receipts(self) -> list[str]:
        """Return the message ids the channel marked read."""
        return [
            call.body["message_id"]
            for call in self.graph.calls
            if isinstance(call.body, dict) and call.body.get("status") == "read"
        ]


class BackgroundLoop:
    """An event loop in a daemon thread, so synchronous code (Selenium) can drive async servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-loop", daemon=True)

    def __enter__(self) -> BackgroundLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def call(self, coroutine: Awaitable[Any], timeout: float = 30.0) -> Any:
        """Run a coroutine on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1100,900",
)


def chromium_driver(profile_dir: Path) -> Any:
    """Start headless Debian Chromium through Selenium, or skip the test with the reason."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/install-browser.sh)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
