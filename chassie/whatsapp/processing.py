"""Background processing of webhook deliveries: dedupe, per-sender order, read receipts, statuses.

The webhook handler calls `WebhookProcessor.accept()` and answers 200 at once;
the work runs in tasks on the same event loop, one queue per sender so that a
sender's messages reach the bot in the order they arrived.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from chassie.privacy import mask_phone
from chassie.whatsapp.graph import GraphClient, GraphError
from chassie.whatsapp.inbound import DeliveryStatus, InboundMessage, WebhookDelivery
from chassie.whatsapp.store import DeliveryStatusStore, MessageIdStore, UnfinishedMessage, utcnow

logger = logging.getLogger(__name__)

DeliverFn = Callable[[InboundMessage], Awaitable[None]]

PURGE_INTERVAL_SECONDS = 3600.0

# A message left unfinished by a stopped server is handled again after a
# restart, but only once it is this old: until then another running server
# may still be working on it.
RECOVERY_GRACE = timedelta(seconds=60)

# Indonesian names of the message types the assistant cannot read, used in its reply.
UNREADABLE_TYPE_NAMES = {
    "image": "gambar tanpa keterangan",
    "document": "dokumen tanpa keterangan",
    "video": "video",
    "audio": "audio",
    "voice": "pesan suara",
    "sticker": "stiker",
    "location": "lokasi",
    "contacts": "kartu kontak",
    "reaction": "reaksi",
}
UNREADABLE_DEFAULT_NAME = "jenis pesan ini"

UNREADABLE_REPLY = (
    "Mohon maaf, Bapak/Ibu, Chassie belum dapat membaca {kind}.\n\n"
    "Chassie dapat membaca pesan teks, nomor menu (misalnya *3*), "
    "serta pilihan dari daftar atau tombol yang Chassie kirim.\n"
    "Ketik *0* untuk melihat menu utama."
)

FAILURE_REPLY = (
    "Mohon maaf, Bapak/Ibu, pesan Bapak/Ibu belum dapat kami proses karena gangguan sistem.\n"
    "Silakan kirim ulang beberapa saat lagi."
)


def unreadable_reply(message: InboundMessage) -> str:
    """Return the polite Indonesian reply for a message without text the bot could read."""
    kind_key = "voice" if message.type == "audio" and message.voice else message.type
    return UNREADABLE_REPLY.format(kind=UNREADABLE_TYPE_NAMES.get(kind_key, UNREADABLE_DEFAULT_NAME))


class WebhookProcessor:
    """Runs the work of accepted webhook deliveries in the background."""

    def __init__(
        self,
        client: GraphClient,
        deliver: DeliverFn,
        message_ids: MessageIdStore,
        statuses: DeliveryStatusStore,
        mark_read: bool = True,
    ) -> None:
        self.client = client
        self.deliver = deliver
        self.message_ids = message_ids
        self.statuses = statuses
        self.mark_read = mark_read
        self._queues: dict[str, asyncio.Queue[tuple[InboundMessage, bool]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_purge = 0.0

    def accept(self, delivery: WebhookDelivery) -> None:
        """Queue a parsed delivery for background work and return immediately."""
        for message in delivery.messages:
            self._enqueue(message, recovered=False)
        if delivery.statuses:
            self._spawn(self._record_statuses(delivery.statuses))
        if time.monotonic() - self._last_purge > PURGE_INTERVAL_SECONDS:
            self._last_purge = time.monotonic()
            self._spawn(self._purge_expired())

    def _enqueue(self, message: InboundMessage, recovered: bool) -> None:
        queue = self._queues.setdefault(message.sender, asyncio.Queue())
        queue.put_nowait((message, recovered))
        if message.sender not in self._workers:
            self._workers[message.sender] = asyncio.create_task(self._run_sender(message.sender))

    async def recover(self, started_at: datetime | None = None, grace: timedelta = RECOVERY_GRACE) -> int:
        """Handle again the messages a stopped server claimed but never finished; return how many.

        Only messages received before `started_at` (this server's start) count,
        and each is taken over once it is `grace` old, so a message another live
        server is still handling is left to it.
        """
        started_at = started_at or utcnow()
        loop = asyncio.get_running_loop()
        try:
            unfinished = await loop.run_in_executor(None, self.message_ids.unfinished, started_at)
        except Exception:
            logger.exception("Could not read unfinished WhatsApp messages; none recovered")
            return 0
        if not unfinished:
            return 0

        wait = (unfinished[-1].received_at + grace - utcnow()).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)
        recovered = 0
        for row in unfinished:
            message = self._decode(row)
            if message is None:
                continue
            if not await loop.run_in_executor(None, self.message_ids.reclaim, row):
                continue
            logger.info("Recovering unfinished WhatsApp message %s from %s", row.message_id, mask_phone(message.sender))
            self._enqueue(message, recovered=True)
            recovered += 1
        return recovered

    @staticmethod
    def _decode(row: UnfinishedMessage) -> InboundMessage | None:
        try:
            return InboundMessage(**json.loads(row.payload))
        except (TypeError, ValueError):
            logger.error("Stored WhatsApp message %s cannot be read; it is not recovered", row.message_id)
            return None

    async def drain(self) -> None:
        """Wait until every queued message and status has been handled."""
        while self._workers or self._tasks:
            await asyncio.gather(*self._workers.values(), *self._tasks, return_exceptions=True)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_sender(self, sender: str) -> None:
        queue = self._queues[sender]
        try:
            while not queue.empty():
                message, recovered = queue.get_nowait()
                try:
                    await self._handle_message(message, recovered)
                except Exception:
                    logger.exception("Unexpected error on WhatsApp message %s", message.message_id)
        finally:
            # No await between the empty check and the removal, so nothing can be queued in between.
            del self._workers[sender]
            del self._queues[sender]

    async def _handle_message(self, message: InboundMessage, recovered: bool = False) -> None:
        sender = mask_phone(message.sender)
        if not recovered and not await self._claim(message):
            logger.info("Skipped duplicate WhatsApp message %s from %s", message.message_id, sender)
            return
        logger.info("Received WhatsApp %s message %s from %s", message.type, message.message_id, sender)

        if self.mark_read:
            self._spawn(self._mark_read(message))
        try:
            if message.text is None:
                await self.client.send_text(message.sender, unreadable_reply(message))
            else:
                await self.deliver(message)
        except Exception:
            logger.exception("Failed to handle WhatsApp message %s from %s", message.message_id, sender)
            await self._send_failure_reply(message)
        await self._complete(message)

    # The claim stores the message itself, so that a server stopped before
    # `_complete` hands it to `recover` after the restart instead of losing it.
    # NOTE: a stop after the reply but before `_complete` makes the citizen get
    # that reply twice; handling twice is preferred over losing a message.
    async def _claim(self, message: InboundMessage) -> bool:
        loop = asyncio.get_running_loop()
        payload = json.dumps(dataclasses.asdict(message))
        try:
            return await loop.run_in_executor(None, self._claim_with_payload, message.message_id, payload)
        except Exception:
            # Handling a message twice is better than losing it while the database is down.
            logger.exception("Could not record WhatsApp message id %s; handling it anyway", message.message_id)
            return True

    def _claim_with_payload(self, message_id: str, payload: str) -> bool:
        return self.message_ids.claim(message_id, payload=payload)

    async def _complete(self, message: InboundMessage) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.message_ids.complete, message.message_id)
        except Exception:
            logger.exception("Could not mark WhatsApp message %s as handled", message.message_id)

    async def _mark_read(self, message: InboundMessage) -> None:
        try:
            await self.client.mark_read(message.message_id)
        except GraphError as error:
            logger.warning("Could not mark WhatsApp message %s read: %s", message.message_id, error)

    async def _send_failure_reply(self, message: InboundMessage) -> None:
        try:
            await self.client.send_text(message.sender, FAILURE_REPLY)
        except GraphError as error:
            logger.warning(
                "Could not tell %s that message %s failed: %s",
                mask_phone(message.sender),
                message.message_id,
                error,
            )

    async def _record_statuses(self, statuses: list[DeliveryStatus]) -> None:
        loop = asyncio.get_running_loop()
        for status in statuses:
            recipient = mask_phone(status.recipient_id)
            if status.status == "failed":
                logger.warning(
                    "WhatsApp message %s to %s failed: code %s (%s)",
                    status.message_id,
                    recipient,
                    status.error_code,
                    status.error_title,
                )
            else:
                logger.info("WhatsApp message %s to %s is %s", status.message_id, recipient, status.status)
            try:
                await loop.run_in_executor(None, self.statuses.record, status)
            except Exception:
                logger.exception("Could not store status %s of WhatsApp message %s", status.status, status.message_id)

    async def _purge_expired(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            deleted = await loop.run_in_executor(None, self.message_ids.purge_expired)
        except Exception:
            logger.exception("Could not purge expired WhatsApp message ids")
            return
        if deleted:
            logger.info("Purged %d expired WhatsApp message ids", deleted)
