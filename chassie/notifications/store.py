"""Subscriptions and the notification outbox in the database.

Every claim is one conditional UPDATE (`... WHERE status = 'pending' AND
next_attempt_at <= now`, or a lease that has expired) whose row count shows
the caller whether it won. On PostgreSQL a concurrent UPDATE of the same row
waits for the first to commit and then re-checks the WHERE clause against the
new row, and SQLite runs one writer at a time, so two notifiers never both win
a row. A holder that dies leaves its lease to expire, after which any notifier
claims the row again; that is how a crash between claim and send is recovered.

The functions block on the database; call them from a worker thread when
running inside an event loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from chassie.db import session_scope
from chassie.notifications.events import Snapshot, decide_event, render_template
from chassie.notifications.models import (
    MAX_ERROR_CHARS,
    EventKind,
    Notification,
    NotificationStatus,
    Subscription,
    SubscriptionStatus,
    utcnow,
)
from chassie.notifications.settings import TemplateSettings
from chassie.privacy import mask_phone
from chassie.tracking.models import ApplicationStatus

logger = logging.getLogger(__name__)

# Two writers recording observations of one subscription at the same moment
# (a poll and a push) make one of them read the row again. More rounds than
# this mean something keeps writing the row, which is a bug worth an error.
MAX_OBSERVATION_ROUNDS = 5
# On SQLite a claim looks at this many times the rows it wants, because some
# may be won by another process between the SELECT and the UPDATE.
CLAIM_OVERSCAN = 3
ACTIVE = SubscriptionStatus.ACTIVE.value
PENDING = NotificationStatus.PENDING.value
SENDING = NotificationStatus.SENDING.value

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as read from the database."""

    id: int
    wa_id: str
    system: str
    kode_pendaftaran: str
    status: str
    snapshot: Snapshot | None
    version: int
    closed_reason: str | None = None


@dataclass(frozen=True)
class SubscribeResult:
    """The subscription after a subscribe request, and whether it was already active."""

    subscription: SubscriptionView
    already_active: bool


@dataclass(frozen=True)
class UnsubscribeResult:
    """The subscriptions an unsubscribe request cancelled and the queued notifications it dropped."""

    subscriptions: list[SubscriptionView]
    notifications_dropped: int

    @property
    def changed(self) -> bool:
        """True when anything was cancelled."""
        return bool(self.subscriptions) or self.notifications_dropped > 0


@dataclass(frozen=True)
class ObservationResult:
    """The outcome of recording one observed status."""

    subscription_id: int
    event: EventKind | None = None
    notification_id: int | None = None
    closed: bool = False
    skipped: bool = False


@dataclass(frozen=True)
class ClaimedNotification:
    """A notification this notifier holds the lease of and may send now."""

    id: int
    wa_id: str
    system: str
    kode_pendaftaran: str
    event: str
    template_name: str
    language_code: str
    body_parameters: tuple[str, ...]
    quick_replies: tuple[str, ...]
    attempts: int
    lease_expires_at: datetime


def _view(row: Subscription) -> SubscriptionView:
    snapshot = Snapshot(row.last_category, row.last_status_text, row.last_tahapan) if row.last_category else None
    return SubscriptionView(
        id=row.id,
        wa_id=row.wa_id,
        system=row.system,
        kode_pendaftaran=row.kode_pendaftaran,
        status=row.status,
        snapshot=snapshot,
        version=row.version,
        closed_reason=row.closed_reason,
    )


def _truncate(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else text


class NotificationStore:
    """Subscriptions, observations and the outbox on one database URL (default: DATABASE_URL)."""

    def __init__(self, database_url: str | None = None, clock: Clock = utcnow) -> None:
        self.database_url = database_url
        self.clock = clock

    # ---- subscriptions -----------------------------------------------

    def subscribe(
        self,
        wa_id: str,
        system: str,
        kode_pendaftaran: str,
        current: ApplicationStatus | None = None,
    ) -> SubscribeResult:
        """Create or reactivate the subscription of `wa_id` to one application.

        `current` is the status the applicant was just shown; it becomes the
        baseline, so only later changes are notified. Without it the first
        poll sets the baseline. The first poll is due at once either way.
        """
        try:
            return self._subscribe(wa_id, system, kode_pendaftaran, current)
        except IntegrityError:
            # The same number subscribed to the same application from a
            # second request at the same moment; the row exists now.
            return self._subscribe(wa_id, system, kode_pendaftaran, current)

    def _subscribe(
        self,
        wa_id: str,
        system: str,
        kode_pendaftaran: str,
        current: ApplicationStatus | None,
    ) -> SubscribeResult:
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.execute(
                select(Subscription).where(
                    Subscription.wa_id == wa_id,
                    Subscription.system == system,
                    Subscription.kode_pendaftaran == kode_pendaftaran,
                )
            ).scalar_one_or_none()
            already_active = row is not None and row.status == ACTIVE
            if row is None:
                row = Subscription(
                    wa_id=wa_id,
                    system=system,
                    kode_pendaftaran=kode_pendaftaran,
                    version=0,
                    created_at=now,
                )
                session.add(row)
            row.status = ACTIVE
            row.version = (row.version or 0) + 1
            row.next_poll_at = now
            row.updated_at = now
            row.closed_at = None
            row.closed_reason = None
            if current is not None:
                row.last_category = current.category.value
                row.last_status_text = _truncate(current.status_text, 200)
                row.last_tahapan = _truncate(current.tahapan, 200)
                row.last_checked_at = now
            session.flush()
            view = _view(row)

        logger.info(
            "notification subscription %s id=%d system=%s kode_pendaftaran=%s wa_id=%s",
            "kept" if already_active else "active",
            view.id,
            system,
            kode_pendaftaran,
            mask_phone(wa_id),
        )
        return SubscribeResult(view, already_active)

    def unsubscribe(
        self, wa_id: str, system: str | None = None, kode_pendaftaran: str | None = None
    ) -> UnsubscribeResult:
        """Cancel the active subscriptions of `wa_id` and drop its queued notifications.

        With `system` and `kode_pendaftaran` only those of one application.
        """
        now = self.clock()
        subscription_filter = [Subscription.wa_id == wa_id, Subscription.status == ACTIVE]
        notification_filter = [Notification.wa_id == wa_id, Notification.status == PENDING]
        if kode_pendaftaran:
            subscription_filter.append(Subscription.kode_pendaftaran == kode_pendaftaran)
            notification_filter.append(Notification.kode_pendaftaran == kode_pendaftaran)
        if system:
            subscription_filter.append(Subscription.system == system)
            notification_filter.append(Notification.system == system)

        with session_scope(self.database_url) as session:
            rows = session.execute(select(Subscription).where(*subscription_filter)).scalars().all()
            ids = [row.id for row in rows]
            if ids:
                session.execute(
                    update(Subscription)
                    .where(Subscription.id.in_(ids), Subscription.status == ACTIVE)
                    .values(
                        status=SubscriptionStatus.CANCELLED.value,
                        closed_at=now,
                        closed_reason="unsubscribed",
                        updated_at=now,
                        version=Subscription.version + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            # A notification already being sent cannot be recalled. One that
            # is only queued is dropped, also when its subscription already
            # closed on the final status, because the applicant asked for quiet.
            dropped = session.execute(
                update(Notification)
                .where(*notification_filter)
                .values(status=NotificationStatus.CANCELLED.value, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            views = [_view(row) for row in rows]
            result = UnsubscribeResult(views, int(dropped.rowcount or 0))

        logger.info(
            "notification unsubscribe wa_id=%s subscriptions=%s notifications_dropped=%d",
            mask_phone(wa_id),
            [view.kode_pendaftaran for view in views],
            result.notifications_dropped,
        )
        return result

    def active_subscriptions(self, wa_id: str | None = None) -> list[SubscriptionView]:
        """Return the active subscriptions, of one number or of everyone, oldest first."""
        query = select(Subscription).where(Subscription.status == ACTIVE)
        if wa_id is not None:
            query = query.where(Subscription.wa_id == wa_id)
        with session_scope(self.database_url) as session:
            rows = session.execute(query.order_by(Subscription.id)).scalars().all()
            return [_view(row) for row in rows]

    def subscriptions_for(self, system: str, kode_pendaftaran: str) -> list[SubscriptionView]:
        """Return the active subscriptions to one application."""
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(Subscription)
                .where(
                    Subscription.status == ACTIVE,
                    Subscription.system == system,
                    Subscription.kode_pendaftaran == kode_pendaftaran,
                )
                .order_by(Subscription.id)
            ).scalars()
            return [_view(row) for row in rows]

    def get_subscription(self, subscription_id: int) -> SubscriptionView | None:
        """Return one subscription, or None."""
        with session_scope(self.database_url) as session:
            row = session.get(Subscription, subscription_id)
            return _view(row) if row is not None else None

    def claim_due_subscriptions(self, owner: str, lease_seconds: float, limit: int) -> list[SubscriptionView]:
        """Take the poll lease of up to `limit` active subscriptions whose next poll is due."""
        now = self.clock()
        due = and_(
            Subscription.status == ACTIVE,
            Subscription.next_poll_at <= now,
            or_(Subscription.poll_lease_until.is_(None), Subscription.poll_lease_until < now),
        )
        claimed = self._claim(
            Subscription,
            due,
            Subscription.next_poll_at,
            {"poll_owner": owner, "poll_lease_until": now + timedelta(seconds=lease_seconds)},
            limit,
        )
        if not claimed:
            return []
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(Subscription).where(Subscription.id.in_(claimed)).order_by(Subscription.id)
            ).scalars()
            return [_view(row) for row in rows]

    def _claim(
        self,
        model: type[Subscription] | type[Notification],
        claimable: ColumnElement,
        order_by: ColumnElement,
        values: dict[str, object],
        limit: int,
    ) -> list[int]:
        """Claim up to `limit` rows matching `claimable` by setting `values`, and return their ids."""
        with session_scope(self.database_url) as session:
            if session.get_bind().dialect.name == "postgresql":
                # SKIP LOCKED lets concurrent notifiers take disjoint rows
                # instead of queueing behind each other's locks. The locks
                # are held until this transaction commits the UPDATE. (One
                # UPDATE ... WHERE id IN (SELECT ... SKIP LOCKED) is not used:
                # PostgreSQL may re-run that subquery while rechecking rows
                # and then update more rows than the LIMIT.)
                locked = (
                    session.execute(
                        select(model.id)
                        .where(claimable)
                        .order_by(order_by)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                    .scalars()
                    .all()
                )
                if not locked:
                    return []
                session.execute(
                    update(model)
                    .where(model.id.in_(locked))
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                return sorted(locked)

            # SQLite has no row locks: look at a few more rows than needed and
            # claim them one conditional UPDATE at a time, so rows another
            # process won in between are skipped, not waited for.
            ids = (
                session.execute(select(model.id).where(claimable).order_by(order_by).limit(limit * CLAIM_OVERSCAN))
                .scalars()
                .all()
            )

        claimed: list[int] = []
        for row_id in ids:
            if len(claimed) >= limit:
                break
            with session_scope(self.database_url) as session:
                result = session.execute(
                    update(model)
                    .where(model.id == row_id, claimable)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    claimed.append(row_id)
        return claimed

    def reschedule_poll(self, subscription_id: int, owner: str, next_poll_at: datetime) -> None:
        """Release the poll lease after a failed lookup and set the next poll."""
        with session_scope(self.database_url) as session:
            session.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id, Subscription.poll_owner == owner)
                .values(next_poll_at=next_poll_at, poll_owner=None, poll_lease_until=None)
                .execution_options(synchronize_session=False)
            )

    # ---- observations ------------------------------------------------

    def record_observation(
        self,
        subscription_id: int,
        application: ApplicationStatus,
        templates: TemplateSettings,
        notify_stages: bool = False,
        next_poll_at: datetime | None = None,
    ) -> ObservationResult:
        """Compare an observed status with the subscription's baseline and queue a notification for a change.

        The new baseline, the closing of the subscription on a final status
        and the queued notification are written in one transaction. The
        transaction is guarded by the subscription's version, so a poll and a
        push of the same change queue one notification between them.
        """
        for _ in range(MAX_OBSERVATION_ROUNDS):
            result = self._try_record(subscription_id, application, templates, notify_stages, next_poll_at)
            if result is not None:
                return result
        logger.error(
            "notification observation gave up after %d concurrent updates subscription=%d kode_pendaftaran=%s",
            MAX_OBSERVATION_ROUNDS,
            subscription_id,
            application.kode_pendaftaran,
        )
        return ObservationResult(subscription_id, skipped=True)

    def _try_record(
        self,
        subscription_id: int,
        application: ApplicationStatus,
        templates: TemplateSettings,
        notify_stages: bool,
        next_poll_at: datetime | None,
    ) -> ObservationResult | None:
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.get(Subscription, subscription_id)
            if row is None or row.status != ACTIVE:
                return ObservationResult(subscription_id, skipped=True)
            subscription = _view(row)

            event = decide_event(subscription.snapshot, application, notify_stages)
            new_version = subscription.version + 1
            values: dict[str, object] = {
                "last_category": application.category.value,
                "last_status_text": _truncate(application.status_text, 200),
                "last_tahapan": _truncate(application.tahapan, 200),
                "last_checked_at": now,
                "version": new_version,
                "updated_at": now,
            }
            if next_poll_at is not None:
                values.update(next_poll_at=next_poll_at, poll_owner=None, poll_lease_until=None)
            closed = application.is_final
            if closed:
                values.update(
                    status=SubscriptionStatus.CLOSED.value,
                    closed_at=now,
                    closed_reason=application.category.value,
                )

            updated = session.execute(
                update(Subscription)
                .where(
                    Subscription.id == subscription_id,
                    Subscription.version == subscription.version,
                    Subscription.status == ACTIVE,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if updated.rowcount != 1:
                session.rollback()
                return None

            notification_id = None
            if event is not None:
                notification_id = self._queue(session, subscription, event, application, templates, new_version, now)

        if event is not None:
            logger.info(
                "notification event=%s subscription=%d kode_pendaftaran=%s notification=%s closed=%s",
                event.value,
                subscription_id,
                application.kode_pendaftaran,
                notification_id,
                closed,
            )
        return ObservationResult(subscription_id, event, notification_id, closed)

    def _queue(
        self,
        session,  # type: ignore[no-untyped-def]
        subscription: SubscriptionView,
        event: EventKind,
        application: ApplicationStatus,
        templates: TemplateSettings,
        version: int,
        now: datetime,
    ) -> int | None:
        rendered = render_template(templates, event, application)
        if rendered is None:
            logger.warning(
                "notification template not configured event=%s kode_pendaftaran=%s; "
                "set it in NOTIFIER_TEMPLATES_FILE or NOTIFIER_TEMPLATE_%s",
                event.value,
                application.kode_pendaftaran,
                event.value.upper(),
            )
            return None

        # One final notification per subscription, ever: a subscription
        # reactivated after it was closed must not repeat it.
        suffix = "final" if event is not EventKind.STAGE else f"stage:{version}"
        dedupe_key = f"subscription:{subscription.id}:{suffix}"
        existing = session.execute(
            select(Notification.id).where(Notification.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if existing is not None:
            return None

        notification = Notification(
            subscription_id=subscription.id,
            dedupe_key=dedupe_key,
            wa_id=subscription.wa_id,
            system=subscription.system,
            kode_pendaftaran=subscription.kode_pendaftaran,
            event=event.value,
            status=PENDING,
            template_name=rendered.name,
            language_code=rendered.language_code,
            parameters=rendered.to_json(),
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(notification)
        session.flush()
        return int(notification.id)

    # ---- outbox ------------------------------------------------------

    def claim_due_notifications(self, owner: str, lease_seconds: float, limit: int) -> list[ClaimedNotification]:
        """Take the lease of up to `limit` notifications that are due or whose holder's lease expired."""
        now = self.clock()
        claimable = or_(
            and_(Notification.status == PENDING, Notification.next_attempt_at <= now),
            and_(Notification.status == SENDING, Notification.lease_expires_at < now),
        )
        with session_scope(self.database_url) as session:
            expired = dict(
                session.execute(
                    select(Notification.id, Notification.lease_owner).where(
                        Notification.status == SENDING, Notification.lease_expires_at < now
                    )
                ).all()
            )

        claimed_ids = self._claim(
            Notification,
            claimable,
            Notification.id,
            {
                "status": SENDING,
                "lease_owner": owner,
                "lease_expires_at": now + timedelta(seconds=lease_seconds),
                "attempts": Notification.attempts + 1,
                "updated_at": now,
            },
            limit,
        )
        for notification_id in claimed_ids:
            if notification_id in expired:
                logger.warning(
                    "notification lease expired, taken over id=%d previous_owner=%s owner=%s",
                    notification_id,
                    expired[notification_id],
                    owner,
                )
        if not claimed_ids:
            return []
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(Notification).where(Notification.id.in_(claimed_ids)).order_by(Notification.id)
            ).scalars()
            return [_claimed(row) for row in rows]

    def mark_sent(self, notification_id: int, owner: str, wamid: str) -> bool:
        """Record a send the Graph API accepted; False when this owner no longer held the lease."""
        now = self.clock()
        return self._finish(
            notification_id,
            owner,
            status=NotificationStatus.SENT.value,
            wamid=wamid[:255],
            sent_at=now,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )

    def mark_retry(
        self,
        notification_id: int,
        owner: str,
        next_attempt_at: datetime,
        error: str,
        error_code: int | None,
    ) -> bool:
        """Put a notification back in the queue for another attempt at `next_attempt_at`."""
        return self._finish(
            notification_id,
            owner,
            status=PENDING,
            next_attempt_at=next_attempt_at,
            last_error=_truncate(error, MAX_ERROR_CHARS),
            last_error_code=error_code,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=self.clock(),
        )

    def mark_failed(self, notification_id: int, owner: str, error: str, error_code: int | None) -> bool:
        """Give a notification up for good, keeping the error for the office to see."""
        return self._finish(
            notification_id,
            owner,
            status=NotificationStatus.FAILED.value,
            last_error=_truncate(error, MAX_ERROR_CHARS),
            last_error_code=error_code,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=self.clock(),
        )

    def _finish(self, notification_id: int, owner: str, **values: object) -> bool:
        # Fenced by the lease: a notifier whose lease was taken over must not
        # overwrite what the new holder records.
        with session_scope(self.database_url) as session:
            result = session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.lease_owner == owner,
                    Notification.status == SENDING,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def notifications(self, ids: Sequence[int] | None = None) -> list[Notification]:
        """Return outbox rows (all, or the given ids), oldest first, detached from the session."""
        query = select(Notification).order_by(Notification.id)
        if ids is not None:
            query = query.where(Notification.id.in_(list(ids)))
        with session_scope(self.database_url) as session:
            return list(session.execute(query).scalars().all())


def _claimed(row: Notification) -> ClaimedNotification:
    parameters = json.loads(row.parameters or "{}")
    return ClaimedNotification(
        id=row.id,
        wa_id=row.wa_id,
        system=row.system,
        kode_pendaftaran=row.kode_pendaftaran,
        event=row.event,
        template_name=row.template_name,
        language_code=row.language_code,
        body_parameters=tuple(parameters.get("body") or ()),
        quick_replies=tuple(parameters.get("quick_replies") or ()),
        attempts=row.attempts,
        lease_expires_at=row.lease_expires_at,
    )
