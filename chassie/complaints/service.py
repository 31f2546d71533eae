"""The complaint workflow: file a ticket, bring it to the team, relay answers, close it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chassie.complaints import messages
from chassie.complaints.commands import COMMAND_CLOSE, COMMAND_LIST, COMMAND_REPLY, TeamCommand
from chassie.complaints.config import ComplaintConfig, load_config
from chassie.complaints.hours import AnswerWindow, WorkingCalendar, format_hours
from chassie.complaints.messenger import DeliveryError, GraphMessenger, Messenger
from chassie.complaints.models import (
    EVENT_REPLY_FAILED,
    EVENT_TEAM_NOTIFIED,
    EVENT_TEAM_NOTIFY_FAILED,
    utc_now,
)
from chassie.complaints.store import (
    ComplaintStore,
    ComplaintSubmission,
    TicketClosed,
    TicketNotFound,
    TicketView,
)
from chassie.privacy import mask_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmissionResult:
    """A stored ticket, when the team can answer it, and which team numbers it reached."""

    ticket: TicketView
    window: AnswerWindow
    notified: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()

    def citizen_message(self, config: ComplaintConfig) -> str:
        """Return the confirmation for the citizen."""
        return messages.ticket_received(self.ticket, self.window, format_hours(config))


@dataclass
class ComplaintService:
    """Files tickets and carries out the team's commands."""

    store: ComplaintStore
    messenger: Messenger
    config: ComplaintConfig
    clock: Callable[[], datetime] = utc_now
    calendar: WorkingCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = WorkingCalendar(self.config)

    async def submit(self, submission: ComplaintSubmission, sender_id: str) -> SubmissionResult:
        """Store the ticket first, then send it to every team number; a failed send is recorded, not raised."""
        ticket = await asyncio.to_thread(self.store.create_ticket, submission, sender_id)
        window = self.calendar.answer_window(self.clock())

        team = sorted(self.config.team_numbers)
        if not team:
            logger.warning("Ticket %s reached no team member: COMPLAINT_TEAM_NUMBERS is empty.", ticket.ticket_number)
            await asyncio.to_thread(
                self.store.record_event,
                ticket.ticket_number,
                EVENT_TEAM_NOTIFY_FAILED,
                None,
                "no team numbers configured",
            )
            return SubmissionResult(ticket=ticket, window=window)

        body = messages.team_new_ticket(ticket)
        outcomes = await asyncio.gather(*(self._send(number, body) for number in team))
        notified = tuple(number for number, error in zip(team, outcomes, strict=True) if error is None)
        failed = tuple(number for number, error in zip(team, outcomes, strict=True) if error is not None)
        for number, error in zip(team, outcomes, strict=True):
            kind = EVENT_TEAM_NOTIFIED if error is None else EVENT_TEAM_NOTIFY_FAILED
            await asyncio.to_thread(self.store.record_event, ticket.ticket_number, kind, number, error)
        if failed:
            logger.error(
                "Ticket %s was not delivered to %d of %d team numbers; it stays open in the database.",
                ticket.ticket_number,
                len(failed),
                len(team),
            )
        return SubmissionResult(ticket=ticket, window=window, notified=notified, failed=failed)

    async def _send(self, to: str, body: str) -> str | None:
        """Send a message and return None, or a short description of the failure."""
        try:
            await self.messenger.send_text(to, body)
        except DeliveryError as error:
            logger.warning("Message to %s not delivered: code=%s.", mask_phone(to), error.code)
            return f"code={error.code}" if error.code is not None else str(error)[:200]
        return None

    def is_team_member(self, sender_id: str) -> bool:
        """Tell whether the sender may use the team commands."""
        return self.config.is_team_member(sender_id)

    async def handle_team_command(self, sender_id: str, command: TeamCommand) -> str:
        """Carry out a team command and return the reply for the team member."""
        if command.command == COMMAND_LIST:
            tickets = await asyncio.to_thread(self.store.list_open)
            total = await asyncio.to_thread(self.store.count_open)
            return messages.team_open_tickets(tickets, total)
        if command.ticket_number is None or (command.command == COMMAND_REPLY and not command.text):
            return messages.team_usage()
        try:
            if command.command == COMMAND_REPLY:
                return await self._reply(sender_id, command.ticket_number, command.text or "")
            if command.command == COMMAND_CLOSE:
                return await self._close(sender_id, command.ticket_number)
        except TicketNotFound:
            return messages.team_ticket_not_found(command.ticket_number)
        except TicketClosed:
            return messages.team_ticket_closed(command.ticket_number)
        return messages.team_usage()

    async def _reply(self, sender_id: str, ticket_number: str, text: str) -> str:
        ticket = await asyncio.to_thread(self.store.record_reply, ticket_number, sender_id, text)
        try:
            await self.messenger.send_text(ticket.sender_id, messages.relay_to_citizen(ticket, text))
        except DeliveryError as error:
            logger.warning("Answer on ticket %s not delivered to the citizen: code=%s.", ticket_number, error.code)
            await asyncio.to_thread(
                self.store.record_event, ticket_number, EVENT_REPLY_FAILED, sender_id, f"code={error.code}"
            )
            return messages.team_reply_not_delivered(ticket, error.code)
        return messages.team_reply_sent(ticket)

    async def _close(self, sender_id: str, ticket_number: str) -> str:
        ticket = await asyncio.to_thread(self.store.close, ticket_number, sender_id)
        error = await self._send(ticket.sender_id, messages.closed_to_citizen(ticket))
        if error is not None:
            await asyncio.to_thread(self.store.record_event, ticket_number, EVENT_REPLY_FAILED, sender_id, error)
        return messages.team_closed(ticket, citizen_told=error is None)

    async def ticket_status_for(self, ticket_number: str | None, sender_id: str) -> str:
        """Return the reply to "cek tiket <nomor>": the status, but only for the number that filed the ticket."""
        if ticket_number is None:
            return messages.ticket_not_found(None)
        ticket = await asyncio.to_thread(self.store.get_ticket_for_sender, ticket_number, sender_id)
        if ticket is None:
            logger.info(
                "Ticket %s not shown to %s: unknown or filed by another number.", ticket_number, mask_phone(sender_id)
            )
            return messages.ticket_not_found(ticket_number)
        return messages.ticket_status(ticket)

    @classmethod
    def from_env(cls) -> ComplaintService:
        """Build the service the action server uses: project database, Graph API, configuration from the environment."""
        return cls(store=ComplaintStore(), messenger=GraphMessenger(), config=load_config())
