"""Running the sandbox on its own event loop in a background thread, for synchronous callers."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any, Awaitable, TypeVar

from sandbox.whatsapp.server import WhatsAppSandbox

T = TypeVar("T")
START_TIMEOUT_SECONDS = 10.0


class SandboxThread:
    """Starts a `WhatsAppSandbox` on a free port in a daemon thread: `with SandboxThread(...) as sandbox:`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **sandbox_options: Any) -> None:
        self.host = host
        self.port = port
        self.sandbox_options = sandbox_options
        self.sandbox: WhatsAppSandbox | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="whatsapp-sandbox", daemon=True)

    def __enter__(self) -> WhatsAppSandbox:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def start(self) -> WhatsAppSandbox:
        """Start the loop thread and the sandbox, and return the running sandbox."""
        self._thread.start()

        async def create() -> WhatsAppSandbox:
            sandbox = WhatsAppSandbox(**self.sandbox_options)
            await sandbox.start(self.host, self.port)
            return sandbox

        self.sandbox = self.call(create())
        return self.sandbox

    def call(self, coroutine: Awaitable[T], timeout: float = START_TIMEOUT_SECONDS) -> T:
        """Run a coroutine on the sandbox's loop and return its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def stop(self) -> None:
        """Stop the sandbox and its loop thread."""
        if self.sandbox is not None:
            self.call(self.sandbox.stop())
            self.sandbox = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT_SECONDS)
        self._loop.close()
