"""Storage of complaint tickets: numbering, status changes and history."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassie.complaints.hours import WITA
from chassie.complaints.models import (
    EVENT_CLOSED,
    EVENT_CREATED,
    EVENT_REPLY,
    OPEN_STATUSES,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    ComplaintTicket,
    ComplaintTicketCounter,
    ComplaintTicketEvent,
    utc_now,
)
from chassie.db import session_scope
from chassie.privacy import mask_phone

logger = logging.getLogger(__name__)

TICKET_PREFIX = "PGD"
DEFAULT_OPEN_TICKET_LIMIT = 20

# "PGD/261204/007", also typed as "PGD-261204-007", "pgd 261204 7" or "PGD2612047".
# Slashes, because "PGD-261204" would also match the kode_pendaftaran pattern.
TICKET_NUMBER_PATTERN = re.compile(rf"\b{TICKET_PREFIX}[\s\-./]*(\d{{6}})[\s\-./]*(\d{{1,6}})\b", re.IGNORECASE)


class TicketNotFound(LookupError):
    """No ticket has that number."""


class TicketClosed(RuntimeError):
    """The ticket is already closed."""


@dataclass(frozen=True)
class ComplaintSubmission:
    """The validated fields of a form, ready to be stored."""

    nama: str
    alamat: str
    nik: str
    telp: str
    email: str
    isi: str


@dataclass(frozen=True)
class TicketView:
    """A ticket detached from the database session."""

    ticket_number: str
    status: str
    sender_id: str
    nama: str
    alamat: str
    nik: str
    telp: str
    email: str
    isi: str
    created_at: datetime
    updated_at: datetime
    first_reply_at: datetime | None
    closed_at: datetime | None
    last_reply: str | None


def format_ticket_number(day: str, sequence: int) -> str:
    """Format a ticket number from its day (yymmdd, WITA) and the sequence of that day."""
    return f"{TICKET_PREFIX}/{day}/{sequence:03d}"


def find_ticket_number(text: str) -> str | None:
    """Find a ticket number in free text and return it in its canonical form."""
    match = TICKET_NUMBER_PATTERN.search(text or "")
    if not match:
        return None
    return format_ticket_number(match.group(1), int(match.group(2)))


def _view(ticket: ComplaintTicket) -> TicketView:
    return TicketView(
        ticket_number=ticket.ticket_number,
        status=ticket.status,
        sender_id=ticket.sender_id,
        nama=ticket.nama,
        alamat=ticket.alamat,
        nik=ticket.nik,
        telp=ticket.telp,
        email=ticket.email,
        isi=ticket.isi,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_reply_at=ticket.first_reply_at,
        closed_at=ticket.closed_at,
        last_reply=ticket.last_reply,
    )


class ComplaintStore:
    """Tickets in the project database (`chassie.db`; SQLite or PostgreSQL)."""

    def __init__(self, url: str | None = None, clock: Callable[[], datetime] = utc_now) -> None:
        self._url = url
        self._clock = clock

    def _next_ticket_number(self, session: Session, now: datetime) -> str:
        """Take the next number of the day; the counter row lock serialises concurrent submissions."""
        day = now.astimezone(WITA).strftime("%y%m%d")
        self._ensure_counter(session, day)
        session.execute(
            update(ComplaintTicketCounter)
            .where(ComplaintTicketCounter.day == day)
            .values(last_value=ComplaintTicketCounter.last_value + 1)
        )
        sequence = session.execute(
            select(ComplaintTicketCounter.last_value).where(ComplaintTicketCounter.day == day)
        ).scalar_one()
        return format_ticket_number(day, sequence)

    @staticmethod
    def _ensure_counter(session: Session, day: str) -> None:
        dialect = session.get_bind().dialect.name
        values = {"day": day, "last_value": 0}
        if dialect == "postgresql":
            session.execute(postgresql.insert(ComplaintTicketCounter).values(**values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            session.execute(sqlite.insert(ComplaintTicketCounter).values(**values).on_conflict_do_nothing())
        else:
            try:
                with session.begin_nested():
                    session.add(ComplaintTicketCounter(**values))
            except IntegrityError:
                pass

    def create_ticket(self, submission: ComplaintSubmission, sender_id: str) -> TicketView:
        """Store a new ticket with status baru and return it with its number."""
        now = self._clock()
        with session_scope(self._url) as session:
            number = self._next_ticket_number(session, now)
            ticket = ComplaintTicket(
                ticket_number=number,
                status=STATUS_NEW,
                sender_id=sender_id,
                nama=submission.nama,
                alamat=submission.alamat,
                nik=submission.nik,
                telp=submission.telp,
                email=submission.email,
                isi=submission.isi,
                created_at=now,
                updated_at=now,
            )
            session.add(ticket)
            session.flush()
            session.add(ComplaintTicketEvent(ticket_id=ticket.id, kind=EVENT_CREATED, actor=sender_id, created_at=now))
            view = _view(ticket)
        logger.info("Complaint ticket %s created for sender %s.", number, mask_phone(sender_id))
        return view

    def get_ticket(self, ticket_number: str) -> TicketView | None:
        """Return the ticket with that number, or None."""
        with session_scope(self._url) as session:
            ticket = self._load(session, ticket_number)
            return _view(ticket) if ticket else None

    def get_ticket_for_sender(self, ticket_number: str, sender_id: str) -> TicketView | None:
        """Return the ticket only when `sender_id` filed it, so that other numbers cannot learn that it exists."""
        ticket = self.get_ticket(ticket_number)
        if ticket is None or ticket.sender_id != sender_id:
            return None
        return ticket

    def list_open(self, limit: int = DEFAULT_OPEN_TICKET_LIMIT) -> list[TicketView]:
        """Return the open tickets (baru, diproses), oldest first."""
        with session_scope(self._url) as session:
            tickets = session.execute(
                select(ComplaintTicket)
                .where(ComplaintTicket.status.in_(OPEN_STATUSES))
                .order_by(ComplaintTicket.created_at, ComplaintTicket.id)
                .limit(limit)
            ).scalars()
            return [_view(ticket) for ticket in tickets]

    def count_open(self) -> int:
        """Count the open tickets."""
        with session_scope(self._url) as session:
            return len(
                session.execute(select(ComplaintTicket.id).where(ComplaintTicket.status.in_(OPEN_STATUSES))).all()
            )

    def record_event(self, ticket_number: str, kind: str, actor: str | None = None, body: str | None = None) -> None:
        """Add a step to a ticket's history (a notification sent or failed, for example)."""
        with session_scope(self._url) as session:
            ticket = self._require(session, ticket_number)
            session.add(
                ComplaintTicketEvent(ticket_id=ticket.id, kind=kind, actor=actor, body=body, created_at=self._clock())
            )

    def record_reply(self, ticket_number: str, actor: str, text: str) -> TicketView:
        """Store a team member's answer; a new ticket becomes diproses."""
        now = self._clock()
        with session_scope(self._url) as session:
            ticket = self._require(session, ticket_number, for_update=True)
            if ticket.status == STATUS_CLOSED:
                raise TicketClosed(ticket_number)
            if ticket.status == STATUS_NEW:
                ticket.status = STATUS_IN_PROGRESS
            ticket.first_reply_at = ticket.first_reply_at or now
            ticket.last_reply = text
            ticket.updated_at = now
            session.add(
                ComplaintTicketEvent(ticket_id=ticket.id, kind=EVENT_REPLY, actor=actor, body=text, created_at=now)
            )
            view = _view(ticket)
        logger.info("Complaint ticket %s answered by %s.", ticket_number, mask_phone(actor))
        return view

    def close(self, ticket_number: str, actor: str) -> TicketView:
        """Close a ticket (status selesai); closing a closed ticket raises TicketClosed."""
        now = self._clock()
        with session_scope(self._url) as session:
            ticket = self._require(session, ticket_number, for_update=True)
            if ticket.status == STATUS_CLOSED:
                raise TicketClosed(ticket_number)
            ticket.status = STATUS_CLOSED
            ticket.closed_at = now
            ticket.closed_by = actor
            ticket.updated_at = now
            session.add(ComplaintTicketEvent(ticket_id=ticket.id, kind=EVENT_CLOSED, actor=actor, created_at=now))
            view = _view(ticket)
        logger.info("Complaint ticket %s closed by %s.", ticket_number, mask_phone(actor))
        return view

    def events(self, ticket_number: str) -> list[tuple[str, str | None, str | None]]:
        """Return a ticket's history as (kind, actor, body), oldest first."""
        with session_scope(self._url) as session:
            ticket = self._require(session, ticket_number)
            return [(event.kind, event.actor, event.body) for event in ticket.events]

    @staticmethod
    def _load(session: Session, ticket_number: str, for_update: bool = False) -> ComplaintTicket | None:
        query = select(ComplaintTicket).where(ComplaintTicket.ticket_number == ticket_number)
        if for_update:
            # Two team members closing or answering at once must not both see "baru".
            query = query.with_for_update()
        return session.execute(query).scalar_one_or_none()

    def _require(self, session: Session, ticket_number: str, for_update: bool = False) -> ComplaintTicket:
        ticket = self._load(session, ticket_number, for_update)
        if ticket is None:
            raise TicketNotFound(ticket_number)
        return ticket
