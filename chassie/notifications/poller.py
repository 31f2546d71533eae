"""The notifier: polls subscribed applications, queues notifications and delivers the outbox.

One `Notifier` runs per process; several processes may share a database
(see `chassie.notifications.store` for why none sends a notification twice).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from chassie.notifications.settings import NotifierSettings, TemplateSettings
from chassie.notifications.store import (
    ClaimedNotification,
    NotificationStore,
    ObservationResult,
    SubscriptionView,
)
from chassie.privacy import mask_phone
from chassie.tracking.models import ApplicationStatus
from chassie.tracking.service import LookupKind, LookupOutcome, TrackingService
from chassie.whatsapp.graph import GraphClient, GraphPermanentError, GraphTransientError

logger = logging.getLogger(__name__)

# Backoff jitter, as a fraction of the delay, so that notifications that failed
# together do not all retry in the same second.
RETRY_JITTER = 0.2


def default_owner() -> str:
    """Return an id unique to this process, written into the leases it takes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class CycleReport:
    """What one poll-and-deliver cycle did."""

    polled: int
    queued: int
    delivered: int


class Notifier:
    """Watches subscriptions through the tracking service and sends template messages."""

    def __init__(
        self,
        store: NotificationStore,
        tracking: TrackingService,
        graph: GraphClient,
        templates: TemplateSettings,
        settings: NotifierSettings,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.tracking = tracking
        self.graph = graph
        self.templates = templates
        self.settings = settings
        self.owner = owner or default_owner()
        self.rng = rng or random.Random()
        self._lookup_slots = asyncio.Semaphore(settings.max_concurrent_lookups)
        self._send_slots = asyncio.Semaphore(settings.max_concurrent_sends)
        self._wake = asyncio.Event()

    # ---- polling -----------------------------------------------------

    def next_poll_delay(self) -> timedelta:
        """Return the poll interval with random jitter, so subscriptions spread out over time."""
        jitter = self.settings.poll_jitter
        factor = 1.0 + self.rng.uniform(-jitter, jitter)
        return timedelta(seconds=self.settings.poll_interval_seconds * factor)

    async def poll_once(self) -> tuple[int, int]:
        """Look up every due subscription once; return (subscriptions polled, notifications queued)."""
        subscriptions = await asyncio.to_thread(
            self.store.claim_due_subscriptions,
            self.owner,
            self.settings.poll_lease_seconds,
            self.settings.batch_size,
        )
        if not subscriptions:
            return 0, 0

        # Several numbers may follow one application: one lookup serves all.
        by_application: dict[tuple[str, str], list[SubscriptionView]] = defaultdict(list)
        for subscription in subscriptions:
            by_application[(subscription.system, subscription.kode_pendaftaran)].append(subscription)

        results = await asyncio.gather(
            *(self._poll_application(system, kode, subs) for (system, kode), subs in by_application.items())
        )
        return len(subscriptions), sum(results)

    async def _poll_application(self, system: str, kode: str, subscriptions: list[SubscriptionView]) -> int:
        async with self._lookup_slots:
            outcome = await self._lookup(system, kode)

        if outcome.kind is not LookupKind.FOUND or outcome.application is None:
            # NOTE: a code that stays not found is polled until the applicant
            # unsubscribes; the office systems do not say whether it will return.
            logger.warning(
                "notification poll without status system=%s kode_pendaftaran=%s outcome=%s subscriptions=%d",
                system,
                kode,
                outcome.kind.value,
                len(subscriptions),
            )
            next_poll_at = self.store.clock() + self.next_poll_delay()
            for subscription in subscriptions:
                await asyncio.to_thread(self.store.reschedule_poll, subscription.id, self.owner, next_poll_at)
            return 0

        queued = 0
        for subscription in subscriptions:
            result = await self._record(subscription.id, outcome.application, with_next_poll=True)
            queued += result.notification_id is not None
        return queued

    async def _lookup(self, system: str, kode: str) -> LookupOutcome:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self.tracking.lookup, system, kode),
                timeout=self.tracking.deadline_seconds,
            )
        except asyncio.TimeoutError:
            logger.warning(
                "notification lookup exceeded deadline system=%s kode_pendaftaran=%s deadline_seconds=%s",
                system,
                kode,
                self.tracking.deadline_seconds,
            )
        except Exception:
            logger.exception("notification lookup crashed system=%s kode_pendaftaran=%s", system, kode)
        return LookupOutcome(LookupKind.UNAVAILABLE, system, kode)

    async def _record(
        self, subscription_id: int, application: ApplicationStatus, with_next_poll: bool
    ) -> ObservationResult:
        next_poll_at = self.store.clock() + self.next_poll_delay() if with_next_poll else None
        return await asyncio.to_thread(
            self.store.record_observation,
            subscription_id,
            application,
            self.templates,
            self.settings.notify_stages,
            next_poll_at,
        )

    async def observe(self, application: ApplicationStatus) -> list[ObservationResult]:
        """Feed a status pushed by an office system to every subscription of that application."""
        subscriptions = await asyncio.to_thread(
            self.store.subscriptions_for, application.system, application.kode_pendaftaran
        )
        results = [
            await self._record(subscription.id, application, with_next_poll=False) for subscription in subscriptions
        ]
        if any(result.notification_id is not None for result in results):
            self._wake.set()
        return results

    # ---- delivery ----------------------------------------------------

    async def deliver_once(self) -> int:
        """Send every notification that is due; return how many were attempted."""
        claimed = await asyncio.to_thread(
            self.store.claim_due_notifications,
            self.owner,
            self.settings.lease_seconds,
            self.settings.batch_size,
        )
        await asyncio.gather(*(self._deliver(notification) for notification in claimed))
        return len(claimed)

    async def _deliver(self, notification: ClaimedNotification) -> None:
        async with self._send_slots:
            await self._send(notification)

    async def _send(self, notification: ClaimedNotification) -> None:
        ids = (
            f"id={notification.id} kode_pendaftaran={notification.kode_pendaftaran} "
            f"event={notification.event} to={mask_phone(notification.wa_id)} attempt={notification.attempts}"
        )
        if notification.attempts > self.settings.max_attempts:
            # Claimed again and again without an outcome: the process died
            # during each attempt, so trying once more is not safe either.
            await asyncio.to_thread(
                self.store.mark_failed,
                notification.id,
                self.owner,
                f"gave up after {notification.attempts - 1} attempts without an outcome",
                None,
            )
            logger.error("notification failed permanently %s reason=attempts_exhausted", ids)
            return
        if self.store.clock() >= notification.lease_expires_at:
            logger.warning("notification lease expired before sending, left for the next claim %s", ids)
            return

        try:
            wamid = await self.graph.send_template(
                notification.wa_id,
                notification.template_name,
                notification.language_code,
                notification.body_parameters,
                notification.quick_replies,
            )
        except GraphPermanentError as error:
            await asyncio.to_thread(self.store.mark_failed, notification.id, self.owner, str(error), error.code)
            logger.error(
                "notification failed permanently %s graph_code=%s http_status=%s error=%s",
                ids,
                error.code,
                error.http_status,
                error,
            )
            return
        except GraphTransientError as error:
            await self._retry_or_fail(notification, ids, str(error), error.code)
            return
        except ValueError as error:
            # The message itself is invalid (an empty template name, say).
            await asyncio.to_thread(self.store.mark_failed, notification.id, self.owner, str(error), None)
            logger.error("notification failed permanently %s error=%s", ids, error)
            return
        except Exception as error:
            logger.exception("notification send crashed %s", ids)
            await self._retry_or_fail(notification, ids, f"{type(error).__name__}: {error}", None)
            return

        recorded = await asyncio.to_thread(self.store.mark_sent, notification.id, self.owner, wamid)
        if recorded:
            logger.info("notification sent %s wamid=%s", ids, wamid)
        else:
            # NOTE: only a stall longer than the lease gets here; the
            # notifier that took the lease over may send the message again.
            logger.error("notification sent after its lease was taken over %s wamid=%s", ids, wamid)

    async def _retry_or_fail(self, notification: ClaimedNotification, ids: str, error: str, code: int | None) -> None:
        if notification.attempts >= self.settings.max_attempts:
            await asyncio.to_thread(self.store.mark_failed, notification.id, self.owner, error, code)
            logger.error("notification failed permanently %s reason=retries_exhausted error=%s", ids, error)
            return

        delay = self.retry_delay(notification.attempts)
        await asyncio.to_thread(
            self.store.mark_retry,
            notification.id,
            self.owner,
            self.store.clock() + delay,
            error,
            code,
        )
        logger.warning(
            "notification send failed, retry in %.1f s %s graph_code=%s error=%s",
            delay.total_seconds(),
            ids,
            code,
            error,
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """Return the exponential backoff after `attempts` failed attempts, with jitter."""
        base = self.settings.retry_base_seconds * (2 ** max(0, attempts - 1))
        delay = min(self.settings.retry_max_seconds, base)
        delay *= 1.0 + self.rng.uniform(-RETRY_JITTER, RETRY_JITTER)
        return timedelta(seconds=max(0.0, delay))

    # ---- loop --------------------------------------------------------

    async def run_once(self) -> CycleReport:
        """Poll the due subscriptions, then deliver the due notifications."""
        polled, queued = await self.poll_once()
        delivered = await self.deliver_once()
        return CycleReport(polled, queued, delivered)

    async def run(self, stop: asyncio.Event) -> None:
        """Run cycles every `tick_seconds` (sooner after a push) until `stop` is set."""
        logger.info(
            "notifier started owner=%s poll_interval_s=%s tick_s=%s notify_stages=%s",
            self.owner,
            self.settings.poll_interval_seconds,
            self.settings.tick_seconds,
            self.settings.notify_stages,
        )
        while not stop.is_set():
            try:
                report = await self.run_once()
                if report.polled or report.delivered:
                    logger.info(
                        "notifier cycle polled=%d queued=%d delivered=%d",
                        report.polled,
                        report.queued,
                        report.delivered,
                    )
            except Exception:
                # A database or network outage must not end the process; the
                # next cycle tries again and the leases keep the work safe.
                logger.exception("notifier cycle failed owner=%s", self.owner)
            await self._sleep(stop)
        logger.info("notifier stopped owner=%s", self.owner)

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waiters, timeout=self.settings.tick_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()
