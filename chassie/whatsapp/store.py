"""Database tables of the WhatsApp channel: claimed message ids and delivery statuses.

A claimed message keeps its content until the bot has handled it, so that a
server that stopped in between can handle it after a restart: Meta got 200
for it and will not deliver it again.

The functions here block on the database; call them from a thread executor
when running inside an event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError

from chassie.db import Base, session_scope
from chassie.whatsapp.inbound import DeliveryStatus

logger = logging.getLogger(__name__)

# Meta keeps retrying an unacknowledged webhook for up to 7 days, so a message
# id must be remembered at least that long to recognise every redelivery.
DEFAULT_MESSAGE_ID_TTL = timedelta(days=7)
MAX_MESSAGE_ID_CHARS = 255


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (how the tables store times)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ProcessedMessage(Base):
    """An incoming WhatsApp message id already taken for processing, until it expires.

    `payload` holds the message (JSON) while it is being handled and is cleared
    when `completed_at` is set, so message bodies are not kept longer than needed.
    """

    __tablename__ = "whatsapp_processed_messages"

    message_id = Column(String(MAX_MESSAGE_ID_CHARS), primary_key=True)
    received_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
    payload = Column(Text, nullable=True)
    completed_at = Column(DateTime, nullable=True)


@dataclass(frozen=True)
class UnfinishedMessage:
    """A claimed message whose handling never completed."""

    message_id: str
    received_at: datetime
    payload: str


class DeliveryStatusRecord(Base):
    """One status callback (sent, delivered, read, failed) of a message the bot sent."""

    __tablename__ = "whatsapp_delivery_statuses"
    __table_args__ = (UniqueConstraint("message_id", "status", name="uq_whatsapp_status_message_status"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    message_id = Column(String(MAX_MESSAGE_ID_CHARS), nullable=False, index=True)
    recipient_id = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False)
    status_at = Column(DateTime, nullable=True)
    error_code = Column(Integer, nullable=True)
    error_title = Column(String(255), nullable=True)
    recorded_at = Column(DateTime, nullable=False)


@dataclass(frozen=True)
class StoredStatus:
    """A delivery status as read back from the database."""

    message_id: str
    recipient_id: str
    status: str
    status_at: datetime | None
    error_code: int | None
    error_title: str | None


class MessageIdStore:
    """Remembers processed message ids so that a redelivered webhook is handled once."""

    def __init__(self, database_url: str | None = None, ttl: timedelta = DEFAULT_MESSAGE_ID_TTL) -> None:
        self.database_url = database_url
        self.ttl = ttl

    def claim(self, message_id: str, now: datetime | None = None, payload: str | None = None) -> bool:
        """Record `message_id` (with the message as `payload`) and return True.

        Returns False while an earlier claim of the same id has not expired.
        """
        now = now or utcnow()
        try:
            with session_scope(self.database_url) as session:
                existing = session.get(ProcessedMessage, message_id)
                if existing is not None and existing.expires_at > now:
                    return False
                if existing is not None:
                    existing.received_at = now
                    existing.expires_at = now + self.ttl
                    existing.payload = payload
                    existing.completed_at = None
                else:
                    session.add(
                        ProcessedMessage(
                            message_id=message_id, received_at=now, expires_at=now + self.ttl, payload=payload
                        )
                    )
        except IntegrityError:
            # Another worker inserted the same id between our read and our commit.
            return False
        return True

    def complete(self, message_id: str, now: datetime | None = None) -> None:
        """Mark a claimed message as handled and drop its stored content."""
        with session_scope(self.database_url) as session:
            session.execute(
                update(ProcessedMessage)
                .where(ProcessedMessage.message_id == message_id)
                .values(completed_at=now or utcnow(), payload=None)
            )

    def unfinished(self, received_before: datetime) -> list[UnfinishedMessage]:
        """Return the claimed messages received before `received_before` that were never completed."""
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(ProcessedMessage.message_id, ProcessedMessage.received_at, ProcessedMessage.payload)
                .where(ProcessedMessage.completed_at.is_(None))
                .where(ProcessedMessage.payload.is_not(None))
                .where(ProcessedMessage.received_at < received_before)
                .order_by(ProcessedMessage.received_at)
            ).all()
            return [UnfinishedMessage(row.message_id, row.received_at, row.payload) for row in rows]

    def reclaim(self, message: UnfinishedMessage, now: datetime | None = None) -> bool:
        """Take over an unfinished message; False when another server took it or it completed meanwhile."""
        with session_scope(self.database_url) as session:
            result = session.execute(
                update(ProcessedMessage)
                .where(ProcessedMessage.message_id == message.message_id)
                .where(ProcessedMessage.completed_at.is_(None))
                .where(ProcessedMessage.received_at == message.received_at)
                .values(received_at=now or utcnow())
            )
            return result.rowcount == 1

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete expired message ids and return how many were deleted."""
        now = now or utcnow()
        with session_scope(self.database_url) as session:
            result = session.execute(delete(ProcessedMessage).where(ProcessedMessage.expires_at <= now))
            return int(result.rowcount or 0)


class DeliveryStatusStore:
    """Stores the delivery statuses Meta reports for messages the bot sent."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url

    def record(self, status: DeliveryStatus, now: datetime | None = None) -> bool:
        """Store a status and return True, or return False when the same status of that message is stored."""
        status_at = (
            datetime.fromtimestamp(status.timestamp, timezone.utc).replace(tzinfo=None)
            if status.timestamp is not None
            else None
        )
        record = DeliveryStatusRecord(
            message_id=status.message_id[:MAX_MESSAGE_ID_CHARS],
            recipient_id=status.recipient_id[:32],
            status=status.status[:16],
            status_at=status_at,
            error_code=status.error_code,
            error_title=(status.error_title or None) and status.error_title[:255],
            recorded_at=now or utcnow(),
        )
        try:
            with session_scope(self.database_url) as session:
                session.add(record)
        except IntegrityError:
            return False
        return True

    def statuses_for(self, message_id: str) -> list[StoredStatus]:
        """Return every stored status of one sent message, oldest first."""
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(DeliveryStatusRecord)
                .where(DeliveryStatusRecord.message_id == message_id)
                .order_by(DeliveryStatusRecord.id)
            ).scalars()
            return [
                StoredStatus(r.message_id, r.recipient_id, r.status, r.status_at, r.error_code, r.error_title)
                for r in rows
            ]
