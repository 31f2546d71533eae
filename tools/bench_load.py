"""Load generators of `make bench`: simulated citizens on the WhatsApp webhook, and on Rasa's REST channel.

Each conversation behaves like a person: it sends its next message only after
the previous reply has arrived. For WhatsApp the replies arrive as send calls
at `GraphReceiver`, an in-process stand-in for the Graph API that records when
each call arrived. The rasa server reaches it through the channel's own
GraphClient, so the channel's real code path is measured.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Sequence, Set

import aiohttp
from aiohttp import web

from tools.bench_payloads import (
    new_message_id,
    reply_fingerprint,
    sign_webhook,
    status_webhook,
    text_message_webhook,
    wa_id_for,
)

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/whatsapp/webhook"
REST_PATH = "/webhooks/rest/webhook"

# How long a reply may take before the message counts as failed.
DEFAULT_REPLY_TIMEOUT_SECONDS = 30.0
# During calibration a turn is complete when no further send call arrives for this long.
CALIBRATION_QUIET_SECONDS = 1.5
CALIBRATION_TIMEOUT_SECONDS = 120.0
# Late send calls are collected this long after the load before replies are compared.
LATE_REPLY_GRACE_SECONDS = 2.0
# Meta reports status changes a moment after the send call; the exact delay does not matter here.
STATUS_DELAY_SECONDS = 0.1
CLIENT_CONNECTION_LIMIT = 256


def milliseconds(start: float, end: float) -> float:
    """Return the interval between two perf_counter readings in milliseconds."""
    return (end - start) * 1000.0


@dataclass
class Arrival:
    """One send call the Graph stand-in received for a recipient."""

    at: float
    fingerprint: str


class Inbox:
    """The send calls to one recipient, in arrival order, with a way to wait for more."""

    def __init__(self) -> None:
        self.arrivals: List[Arrival] = []
        self._changed = asyncio.Event()

    def add(self, arrival: Arrival) -> None:
        """Record a send call and wake any waiter."""
        self.arrivals.append(arrival)
        self._changed.set()

    async def wait_for_count(self, count: int, deadline: float) -> bool:
        """Wait until at least `count` calls arrived; False when `deadline` (perf_counter) passes first."""
        while len(self.arrivals) < count:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                return len(self.arrivals) >= count
        return True

    async def wait_until_quiet(self, min_count: int, quiet_seconds: float, deadline: float) -> bool:
        """Wait for at least `min_count` calls and then `quiet_seconds` without a new one."""
        if not await self.wait_for_count(min_count, deadline):
            return False
        while True:
            seen = len(self.arrivals)
            await asyncio.sleep(quiet_seconds)
            if len(self.arrivals) == seen or time.perf_counter() > deadline:
                return True


class GraphReceiver:
    """An in-process Graph API `/messages` endpoint that timestamps every send call.

    It responds as the Cloud API does (a wamid per message, `success` for read
    receipts). When `statuses` is not empty it also posts the signed status
    webhooks Meta would post after each send (`sent`, `delivered`, `read`).
    """

    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        app_secret: str,
        webhook_url: str,
        statuses: Sequence[str] = (),
    ) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.webhook_url = webhook_url
        self.statuses = tuple(statuses)
        self.inboxes: Dict[str, Inbox] = {}
        self.read_receipts = 0
        self.rejected_calls = 0
        self.status_webhook_ms: List[float] = []
        self.status_webhook_failures = 0
        self._tasks: Set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def inbox(self, wa_id: str) -> Inbox:
        """Return the inbox of one recipient, creating it on first use."""
        return self.inboxes.setdefault(wa_id, Inbox())

    async def start(self, port: int) -> None:
        """Serve the stand-in on 127.0.0.1:`port`."""
        app = web.Application()
        app.router.add_post("/{version}/{phone_number_id}/messages", self._handle_messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        connector = aiohttp.TCPConnector(limit=CLIENT_CONNECTION_LIMIT)
        self._session = aiohttp.ClientSession(connector=connector)
        logger.info("Graph API stand-in listening on 127.0.0.1:%d", port)

    async def drain(self) -> None:
        """Wait for the status webhooks still being posted."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Stop serving after the pending status webhooks are posted."""
        await self.drain()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle_messages(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            self.rejected_calls += 1
            return web.json_response({"error": {"message": "Invalid OAuth access token.", "code": 190}}, status=401)
        if request.match_info["phone_number_id"] != self.phone_number_id:
            self.rejected_calls += 1
            return web.json_response({"error": {"message": "Unknown phone number id.", "code": 100}}, status=400)
        body: Any = await request.json()

        if isinstance(body, dict) and body.get("status") == "read":
            self.read_receipts += 1
            return web.json_response({"success": True})

        to = str(body.get("to")) if isinstance(body, dict) else ""
        if not to:
            self.rejected_calls += 1
            return web.json_response({"error": {"message": "Missing recipient.", "code": 100}}, status=400)
        message_id = new_message_id()
        self.inbox(to).add(Arrival(arrived, reply_fingerprint(body)))
        if self.statuses:
            task = asyncio.ensure_future(self._post_statuses(to, message_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": message_id}],
            }
        )

    async def _post_statuses(self, wa_id: str, message_id: str) -> None:
        assert self._session is not None
        for status in self.statuses:
            await asyncio.sleep(STATUS_DELAY_SECONDS)
            payload = status_webhook(self.phone_number_id, wa_id, message_id, status, int(time.time()))
            signed = sign_webhook(self.app_secret, payload)
            started = time.perf_counter()
            try:
                async with self._session.post(self.webhook_url, data=signed.body, headers=signed.headers) as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.warning("Status webhook for %s failed: %s", message_id, error)
                ok = False
            if ok:
                self.status_webhook_ms.append(milliseconds(started, time.perf_counter()))
            else:
                self.status_webhook_failures += 1


@dataclass
class MessageSample:
    """The measurements of one message a simulated citizen sent."""

    conversation: str
    step: int
    ok: bool
    reply_ms: float | None = None
    first_reply_ms: float | None = None
    webhook_ms: float | None = None
    error: str | None = None


@dataclass
class Calibration:
    """Replies of one session run alone: their number per message and their fingerprints."""

    reply_counts: List[int]
    fingerprints: List[List[str]]
    reply_ms: List[float]


@dataclass
class LoadResult:
    """Everything one load run measured."""

    label: str
    conversations: int
    samples: List[MessageSample]
    elapsed_seconds: float
    sessions_started: int = 0
    mismatched_sessions: int = 0
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def completed(self) -> List[MessageSample]:
        """The messages that got their full reply in time."""
        return [sample for sample in self.samples if sample.ok]

    @property
    def errors(self) -> int:
        """Messages that failed or timed out, plus sessions whose replies differed from calibration."""
        return sum(1 for sample in self.samples if not sample.ok) + self.mismatched_sessions

    @property
    def messages_per_second(self) -> float:
        """Completed messages per second of wall time."""
        return len(self.completed) / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


@dataclass(frozen=True)
class LoadShape:
    """How many conversations run at once and when they stop."""

    conversations: int
    seconds: float
    rounds: int | None = None
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT_SECONDS


class WhatsAppTarget:
    """Sends signed webhooks to the channel and waits for the send calls at the Graph stand-in."""

    label = "chassie"

    def __init__(self, rasa_url: str, receiver: GraphReceiver) -> None:
        self.webhook_url = rasa_url + WEBHOOK_PATH
        self.receiver = receiver
        self.session: aiohttp.ClientSession | None = None
        self._ids: Iterator[int] = itertools.count(0)
        self.calibration: Calibration | None = None

    def new_conversation(self) -> str:
        """Return the number of a citizen who has not written yet."""
        return wa_id_for(next(self._ids))

    async def _post(self, wa_id: str, text: str) -> tuple[int, float]:
        assert self.session is not None
        payload = text_message_webhook(self.receiver.phone_number_id, wa_id, text, new_message_id(), int(time.time()))
        signed = sign_webhook(self.receiver.app_secret, payload)
        started = time.perf_counter()
        async with self.session.post(self.webhook_url, data=signed.body, headers=signed.headers) as response:
            await response.read()
            return response.status, started

    async def calibrate(self, texts: Sequence[str]) -> Calibration:
        """Run one session alone, counting the replies to each message once the sender falls quiet."""
        wa_id = self.new_conversation()
        inbox = self.receiver.inbox(wa_id)
        counts: List[int] = []
        fingerprints: List[List[str]] = []
        reply_ms: List[float] = []
        for text in texts:
            before = len(inbox.arrivals)
            status, started = await self._post(wa_id, text)
            if status != 200:
                raise RuntimeError(f"webhook returned HTTP {status} during calibration for {text!r}")
            deadline = started + CALIBRATION_TIMEOUT_SECONDS
            if not await inbox.wait_until_quiet(before + 1, CALIBRATION_QUIET_SECONDS, deadline):
                raise RuntimeError(
                    f"no reply within {CALIBRATION_TIMEOUT_SECONDS:.0f} s to {text!r} during calibration"
                )
            replies = inbox.arrivals[before:]
            counts.append(len(replies))
            fingerprints.append([arrival.fingerprint for arrival in replies])
            reply_ms.append(milliseconds(started, replies[-1].at))
        self.calibration = Calibration(counts, fingerprints, reply_ms)
        return self.calibration

    async def exchange(self, conversation: str, step: int, text: str, timeout: float) -> MessageSample:
        """Send one message and wait for as many send calls as calibration saw for this step."""
        assert self.calibration is not None
        inbox = self.receiver.inbox(conversation)
        before = sum(self.calibration.reply_counts[:step])
        expected = before + self.calibration.reply_counts[step]
        try:
            status, started = await self._post(conversation, text)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return MessageSample(conversation, step, False, error=f"webhook POST failed: {error}")
        webhook_ms = milliseconds(started, time.perf_counter())
        if status != 200:
            return MessageSample(conversation, step, False, webhook_ms=webhook_ms, error=f"webhook HTTP {status}")

        if not await inbox.wait_for_count(expected, started + timeout):
            return MessageSample(conversation, step, False, webhook_ms=webhook_ms, error="reply timed out")
        arrivals = inbox.arrivals
        return MessageSample(
            conversation,
            step,
            True,
            reply_ms=milliseconds(started, arrivals[expected - 1].at),
            first_reply_ms=milliseconds(started, arrivals[before].at),
            webhook_ms=webhook_ms,
        )

    def mismatched(self, conversation: str, steps_sent: int) -> bool:
        """Tell whether a session's send calls differ from calibration (count, order, type or text)."""
        assert self.calibration is not None
        expected = [fp for step in self.calibration.fingerprints[:steps_sent] for fp in step]
        actual = [arrival.fingerprint for arrival in self.receiver.inbox(conversation).arrivals]
        return actual != expected

    async def settle(self) -> None:
        """Give late send calls time to arrive, then wait for pending status webhooks."""
        await asyncio.sleep(LATE_REPLY_GRACE_SECONDS)
        await self.receiver.drain()


class RestTarget:
    """Sends messages to Rasa's REST channel, whose HTTP response carries the replies."""

    label = "plain"

    def __init__(self, rasa_url: str) -> None:
        self.url = rasa_url + REST_PATH
        self.session: aiohttp.ClientSession | None = None
        self._ids: Iterator[int] = itertools.count(0)
        self.calibration: Calibration | None = None
        self._replies: Dict[str, List[str]] = {}

    def new_conversation(self) -> str:
        """Return a sender id that has not written yet."""
        return f"bench-{next(self._ids):08d}"

    async def _post(self, sender: str, text: str) -> tuple[int, List[Any]]:
        assert self.session is not None
        async with self.session.post(self.url, json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None) if response.status == 200 else []
            return response.status, body if isinstance(body, list) else []

    @staticmethod
    def _fingerprints(replies: List[Any]) -> List[str]:
        return [
            f"{'image' if 'image' in reply else 'text'}:{str(reply.get('text') or '')[:40]}"
            for reply in replies
            if isinstance(reply, dict)
        ]

    async def calibrate(self, texts: Sequence[str]) -> Calibration:
        """Run one session alone and record the replies to each message."""
        sender = self.new_conversation()
        counts: List[int] = []
        fingerprints: List[List[str]] = []
        reply_ms: List[float] = []
        for text in texts:
            started = time.perf_counter()
            status, replies = await self._post(sender, text)
            reply_ms.append(milliseconds(started, time.perf_counter()))
            if status != 200 or not replies:
                raise RuntimeError(f"REST channel returned HTTP {status} with {len(replies)} replies to {text!r}")
            counts.append(len(replies))
            fingerprints.append(self._fingerprints(replies))
        self.calibration = Calibration(counts, fingerprints, reply_ms)
        return self.calibration

    async def exchange(self, conversation: str, step: int, text: str, timeout: float) -> MessageSample:
        """Send one message and wait for the HTTP response with its replies."""
        started = time.perf_counter()
        try:
            status, replies = await asyncio.wait_for(self._post(conversation, text), timeout)
        except asyncio.TimeoutError:
            return MessageSample(conversation, step, False, error="reply timed out")
        except aiohttp.ClientError as error:
            return MessageSample(conversation, step, False, error=f"REST POST failed: {error}")
        elapsed = milliseconds(started, time.perf_counter())
        if status != 200 or not replies:
            return MessageSample(conversation, step, False, error=f"HTTP {status} with {len(replies)} replies")
        self._replies.setdefault(conversation, []).extend(self._fingerprints(replies))
        return MessageSample(conversation, step, True, reply_ms=elapsed, first_reply_ms=elapsed)

    def mismatched(self, conversation: str, steps_sent: int) -> bool:
        """Tell whether a session's replies differ from calibration."""
        assert self.calibration is not None
        expected = [fp for step in self.calibration.fingerprints[:steps_sent] for fp in step]
        return self._replies.get(conversation, []) != expected

    async def settle(self) -> None:
        """Nothing arrives late on the REST channel."""


async def _run_citizen(
    target: Any,
    texts: Sequence[str],
    shape: LoadShape,
    deadline: float,
    result: LoadResult,
    finished_sessions: List[tuple[str, int]],
) -> None:
    rounds = 0
    while time.perf_counter() < deadline and (shape.rounds is None or rounds < shape.rounds):
        conversation = target.new_conversation()
        result.sessions_started += 1
        sent = 0
        failed = False
        for step, text in enumerate(texts):
            if time.perf_counter() >= deadline:
                break
            sample = await target.exchange(conversation, step, text, shape.reply_timeout)
            result.samples.append(sample)
            if not sample.ok:
                logger.warning("%s conversation %s step %d failed: %s", target.label, conversation, step, sample.error)
                failed = True
                break
            sent += 1
        rounds += 1
        # A session cut by a failure is not compared: its failure is already counted as an error.
        if sent and not failed:
            finished_sessions.append((conversation, sent))


async def drive_load(target: Any, texts: Sequence[str], shape: LoadShape) -> LoadResult:
    """Run `shape.conversations` simulated citizens against `target` until time or rounds run out."""
    connector = aiohttp.TCPConnector(limit=CLIENT_CONNECTION_LIMIT)
    timeout = aiohttp.ClientTimeout(total=shape.reply_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        target.session = session
        logger.info("Calibrating %s with one session alone", target.label)
        await target.calibrate(texts)
        # With a rounds limit the run ends by rounds, the time limit only guards against a hang.
        seconds = shape.seconds if shape.rounds is None else max(shape.seconds, 3600.0)
        result = LoadResult(target.label, shape.conversations, [], 0.0)
        sessions: List[tuple[str, int]] = []
        logger.info("Driving %d concurrent %s conversations", shape.conversations, target.label)
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(_run_citizen(target, texts, shape, deadline, result, sessions) for _ in range(shape.conversations))
        )
        result.elapsed_seconds = time.perf_counter() - started
        await target.settle()
        result.mismatched_sessions = sum(1 for conversation, sent in sessions if target.mismatched(conversation, sent))
        result.extra["calibration_reply_counts"] = target.calibration.reply_counts
        result.extra["calibration_reply_ms"] = [round(value, 1) for value in target.calibration.reply_ms]
        target.session = None
        return result
