"""Tables of the notification feature: subscriptions and the notification outbox.

Times are naive UTC datetimes, as in the other tables of the project. The
schema is created by the Alembic revision `notifications_0001`.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from chassie.db import Base

MAX_WA_ID_CHARS = 32
MAX_KODE_CHARS = 64
MAX_OWNER_CHARS = 128
MAX_ERROR_CHARS = 500


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (how the tables store times)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class SubscriptionStatus(str, enum.Enum):
    """Life of a subscription: active until a final status, a stop request or expiry."""

    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class NotificationStatus(str, enum.Enum):
    """Life of one notification in the outbox."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EventKind(str, enum.Enum):
    """What a notification tells the applicant."""

    ISSUED = "issued"
    FINISHED = "finished"
    REJECTED = "rejected"
    STAGE = "stage"


class Subscription(Base):
    """A WhatsApp number that wants to hear when one application reaches a final status."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (
        UniqueConstraint("wa_id", "system", "kode_pendaftaran", name="uq_notification_subscriptions_target"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    wa_id = Column(String(MAX_WA_ID_CHARS), nullable=False, index=True)
    system = Column(String(16), nullable=False)
    kode_pendaftaran = Column(String(MAX_KODE_CHARS), nullable=False)
    status = Column(String(16), nullable=False, index=True)
    # The last status observed, the baseline a change is compared with.
    # NULL until the first successful lookup.
    last_category = Column(String(16), nullable=True)
    last_status_text = Column(String(200), nullable=True)
    last_tahapan = Column(String(200), nullable=True)
    last_checked_at = Column(DateTime, nullable=True)
    # Incremented by every recorded observation; writers compare it to detect
    # that another process recorded one in between (optimistic locking).
    version = Column(Integer, nullable=False, default=0)
    next_poll_at = Column(DateTime, nullable=False, index=True)
    poll_owner = Column(String(MAX_OWNER_CHARS), nullable=True)
    poll_lease_until = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    closed_at = Column(DateTime, nullable=True)
    closed_reason = Column(String(32), nullable=True)


class Notification(Base):
    """One template message to send, claimed by one notifier at a time under a lease."""

    __tablename__ = "notification_outbox"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_notification_outbox_dedupe_key"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    subscription_id = Column(
        Integer,
        ForeignKey("notification_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    # Makes the creation of a notification idempotent: two notifiers, or a
    # poll and a push, that observe the same change insert the same key.
    dedupe_key = Column(String(128), nullable=False)
    wa_id = Column(String(MAX_WA_ID_CHARS), nullable=False)
    system = Column(String(16), nullable=False)
    kode_pendaftaran = Column(String(MAX_KODE_CHARS), nullable=False)
    event = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, index=True)
    template_name = Column(String(512), nullable=False)
    language_code = Column(String(16), nullable=False)
    # JSON: {"body": [...], "quick_replies": [...]}, rendered when the change
    # was observed so that every retry sends the same text.
    parameters = Column(Text, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, index=True)
    lease_owner = Column(String(MAX_OWNER_CHARS), nullable=True)
    lease_expires_at = Column(DateTime, nullable=True)
    wamid = Column(String(255), nullable=True, index=True)
    last_error_code = Column(Integer, nullable=True)
    last_error = Column(String(MAX_ERROR_CHARS), nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime, nullable=True)
