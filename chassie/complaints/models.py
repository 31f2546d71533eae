"""SQLAlchemy models of complaint tickets; the schema itself is created by Alembic."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import relationship

from chassie.db import Base

STATUS_NEW = "baru"
STATUS_IN_PROGRESS = "diproses"
STATUS_CLOSED = "selesai"
STATUSES: tuple[str, ...] = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_CLOSED)
OPEN_STATUSES: tuple[str, ...] = (STATUS_NEW, STATUS_IN_PROGRESS)

EVENT_CREATED = "created"
EVENT_TEAM_NOTIFIED = "team_notified"
EVENT_TEAM_NOTIFY_FAILED = "team_notify_failed"
EVENT_REPLY = "reply"
EVENT_REPLY_FAILED = "reply_failed"
EVENT_CLOSED = "closed"


def utc_now() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so a naive value read from it is UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs a timezone-aware datetime.")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class ComplaintTicket(Base):
    """A consultation or complaint filed by a citizen."""

    __tablename__ = "complaint_tickets"

    id = Column(Integer, primary_key=True)
    ticket_number = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default=STATUS_NEW)
    # The WhatsApp id of the citizen who filed it: answers go there, and only
    # that number may see the ticket's status.
    sender_id = Column(String(64), nullable=False, index=True)
    nama = Column(String(100), nullable=False)
    alamat = Column(String(300), nullable=False)
    nik = Column(String(16), nullable=False)
    telp = Column(String(20), nullable=False)
    email = Column(String(254), nullable=False)
    isi = Column(Text, nullable=False)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    updated_at = Column(UtcDateTime, nullable=False, default=utc_now)
    first_reply_at = Column(UtcDateTime, nullable=True)
    closed_at = Column(UtcDateTime, nullable=True)
    closed_by = Column(String(64), nullable=True)
    last_reply = Column(Text, nullable=True)

    events = relationship("ComplaintTicketEvent", back_populates="ticket", order_by="ComplaintTicketEvent.id")

    __table_args__ = (
        UniqueConstraint("ticket_number", name="uq_complaint_tickets_ticket_number"),
        Index("ix_complaint_tickets_status", "status"),
    )


class ComplaintTicketEvent(Base):
    """One step in a ticket's history: created, sent to the team, answered, closed."""

    __tablename__ = "complaint_ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("complaint_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    # The WhatsApp id of the team member who acted, or of the team number a
    # notification went to.
    actor = Column(String(64), nullable=True)
    body = Column(Text, nullable=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)

    ticket = relationship("ComplaintTicket", back_populates="events")


class ComplaintTicketCounter(Base):
    """The last ticket sequence number given out on one day (WITA)."""

    __tablename__ = "complaint_ticket_counters"

    day = Column(String(8), primary_key=True)
    last_value = Column(Integer, nullable=False, default=0)
