"""Actions for consultations and complaints: the pasted form, the guided form, tickets and team commands."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from chassie.complaints import messages
from chassie.complaints.commands import is_cancel_command, parse_team_command, parse_ticket_check
from chassie.complaints.form import (
    FIELD_ALIASES,
    check_complaint_form,
    looks_like_complaint_form,
    parse_complaint_form,
)
from chassie.complaints.service import ComplaintService
from chassie.complaints.store import ComplaintSubmission, find_ticket_number
from chassie.complaints.validators import FIELD_LABELS, FIELDS, validate_field
from chassie.privacy import mask_phone

logger = logging.getLogger(__name__)

FORM_NAME = "complaint_form_fields"
STATUS_SLOT = "complaint_form_status"
STATUS_TEMPLATE = "template"
STATUS_INCOMPLETE = "incomplete"
STATUS_COMPLETE = "complete"
STATUS_CANCELLED = "cancelled"
REQUESTED_SLOT = "requested_slot"
COMPLAINT_TEXT_ENTITY = "complaint_text"
TICKET_NUMBER_ENTITY = "ticket_number"
FIELD_ENTITY = "complaint_field"
CHANGE_FIELD_INTENT = "complaint_change_field"
# The fallback response of the base domain, for team commands sent from numbers outside the team.
NOT_UNDERSTOOD_RESPONSE = "utter_default"
CONFIRM_PAYLOAD = "/affirm"
CHANGE_PAYLOAD = "/deny"

SLOT_BY_FIELD: dict[str, str] = {name: f"complaint_{name}" for name in FIELDS}

_service: ComplaintService | None = None


def get_complaint_service() -> ComplaintService:
    """Return the process-wide complaint service, built from the environment on first use."""
    global _service
    if _service is None:
        _service = ComplaintService.from_env()
    return _service


def set_complaint_service(service: ComplaintService | None) -> None:
    """Replace the process-wide complaint service (tests use a fake messenger and a temporary database)."""
    global _service
    _service = service


def _typed_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    # A button payload carries its values as entities, not as text.
    return "" if text.startswith("/") else text


def _latest_entity(tracker: Tracker, entity: str) -> str | None:
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value is not None else None


def _form_values(tracker: Tracker) -> dict[str, str]:
    values = {}
    for name, slot in SLOT_BY_FIELD.items():
        value = tracker.get_slot(slot)
        if value:
            values[name] = str(value)
    return values


def _reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in SLOT_BY_FIELD.values()] + [SlotSet(STATUS_SLOT, None)]


def _pasted_form_text(tracker: Tracker) -> str | None:
    """Return the filled form in the latest message: the text after 81, or a form pasted without it."""
    entity_text = _latest_entity(tracker, COMPLAINT_TEXT_ENTITY)
    if entity_text and entity_text.strip():
        return entity_text
    text = _typed_text(tracker)
    if text and looks_like_complaint_form(text):
        return text
    return None


class ActionReceiveComplaintForm(Action):
    """Reads "81" (shows the template) or a pasted form (keeps the valid fields, asks for the rest)."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_receive_complaint_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Show the template, or validate the pasted form and set the form's slots."""
        text = _pasted_form_text(tracker)
        if text is None:
            dispatcher.utter_message(text=messages.form_template())
            dispatcher.utter_message(text=messages.form_instructions())
            return [SlotSet(STATUS_SLOT, STATUS_TEMPLATE)]

        check = check_complaint_form(parse_complaint_form(text))
        events: list[EventType] = [SlotSet(slot, check.valid.get(name)) for name, slot in SLOT_BY_FIELD.items()]
        logger.info(
            "Pasted complaint form from %s: %d valid fields, invalid: %s.",
            mask_phone(tracker.sender_id),
            len(check.valid),
            ",".join(sorted(check.errors)) or "none",
        )
        if check.complete:
            return events + [SlotSet(STATUS_SLOT, STATUS_COMPLETE)]

        if check.valid:
            dispatcher.utter_message(text=messages.form_errors(check.errors, check.valid))
        else:
            dispatcher.utter_message(text=messages.empty_form())
        return events + [SlotSet(STATUS_SLOT, STATUS_INCOMPLETE)]


class ActionComplaintStart(Action):
    """Starts the guided form from a clean state."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_complaint_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Clear earlier answers and say how to stop."""
        dispatcher.utter_message(text=messages.field_by_field_intro())
        return _reset_events()


class ValidateComplaintFormFields(FormValidationAction):
    """Validates each answer of the guided form; a whole pasted form fills every field it can."""

    def name(self) -> str:
        """Return the action's name."""
        return f"validate_{FORM_NAME}"

    def _validate(self, name: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        if value is None:
            # Cleared slots are validated too when the form starts (after
            # "isi satu per satu"); an empty slot is simply asked for.
            return {SLOT_BY_FIELD[name]: None}
        text = str(value)
        if is_cancel_command(text) and text.strip() == (tracker.latest_message.get("text") or "").strip():
            return self._cancel(dispatcher)
        if self._is_pasted_form(text, tracker):
            return self._fill_from_pasted_form(name, text, dispatcher, tracker)

        check = validate_field(name, text)
        if not check.ok:
            dispatcher.utter_message(text=check.error)
            return {SLOT_BY_FIELD[name]: None}
        return {SLOT_BY_FIELD[name]: check.value}

    @staticmethod
    def _cancel(dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """End the form on "batal" that the classifier took for another intent (deny, usually).

        Setting requested_slot to None ends the form. The summary that the
        rules run next sees the cancelled status and stays silent.
        """
        dispatcher.utter_message(text=messages.cancelled())
        updates: dict[str, Any] = {slot: None for slot in SLOT_BY_FIELD.values()}
        return updates | {STATUS_SLOT: STATUS_CANCELLED, REQUESTED_SLOT: None}

    @staticmethod
    def _is_pasted_form(text: str, tracker: Tracker) -> bool:
        """Tell a whole form typed in answer to one question from an ordinary answer.

        The intent alone is not enough: the form also validates the slots that
        a pasted form filled before it started, while the latest intent is
        still complaint_form, and the classifier may call an email address
        complaint_form.
        """
        if text.strip() != (tracker.latest_message.get("text") or "").strip():
            return False
        return looks_like_complaint_form(text) or bool(_latest_entity(tracker, COMPLAINT_TEXT_ENTITY))

    @staticmethod
    def _fill_from_pasted_form(
        name: str, text: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Take every valid field of a form pasted in answer to one question."""
        parsed = parse_complaint_form(_pasted_form_text(tracker) or text)
        check = check_complaint_form(parsed)
        # Fields the paste left out keep what the citizen answered before.
        errors = {field: error for field, error in check.errors.items() if parsed.values.get(field)}
        if errors:
            dispatcher.utter_message(text=messages.form_errors(errors, check.valid))
        updates: dict[str, Any] = {SLOT_BY_FIELD[field]: value for field, value in check.valid.items()}
        updates.setdefault(SLOT_BY_FIELD[name], None)
        return updates

    def validate_complaint_nama(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Validate the name."""
        return self._validate("nama", value, dispatcher, tracker)

    def validate_complaint_alamat(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Validate the address."""
        return self._validate("alamat", value, dispatcher, tracker)

    def validate_complaint_nik(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Validate the NIK."""
        return self._validate("nik", value, dispatcher, tracker)

    def validate_complaint_telp(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Validate and normalise the phone number."""
        return self._validate("telp", value, dispatcher, tracker)

    def validate_complaint_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Validate the email address."""
        return self._validate("email", value, dispatcher, tracker)

    def validate_complaint_isi(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Validate the message text."""
        return self._validate("isi", value, dispatcher, tracker)


class ActionComplaintSummary(Action):
    """Shows the filled form with the NIK masked and asks to send or change it."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_complaint_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Show the summary with Kirim and Ubah buttons."""
        if tracker.get_slot(STATUS_SLOT) == STATUS_CANCELLED:
            return [SlotSet(STATUS_SLOT, None)]
        values = _form_values(tracker)
        if set(values) != set(FIELDS):
            dispatcher.utter_message(text=messages.nothing_to_send())
            return []
        dispatcher.utter_message(
            text=messages.summary(values),
            buttons=[
                {"title": "Kirim", "payload": CONFIRM_PAYLOAD},
                {"title": "Ubah", "payload": CHANGE_PAYLOAD},
            ],
        )
        return [SlotSet(STATUS_SLOT, STATUS_COMPLETE)]


class ActionSubmitComplaint(Action):
    """Stores the ticket, sends it to the team and gives the citizen the ticket number."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_submit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Revalidate the slots, file the ticket and answer with its number."""
        values = _form_values(tracker)
        checks = {name: validate_field(name, values.get(name)) for name in FIELDS}
        if not all(check.ok for check in checks.values()):
            dispatcher.utter_message(text=messages.nothing_to_send())
            return []

        submission = ComplaintSubmission(**{name: str(check.value) for name, check in checks.items()})
        service = get_complaint_service()
        try:
            result = await service.submit(submission, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception(
                "Complaint from %s could not be stored; check DATABASE_URL.", mask_phone(tracker.sender_id)
            )
            dispatcher.utter_message(text=messages.submit_failed())
            return []

        dispatcher.utter_message(text=result.citizen_message(service.config))
        return _reset_events()


class ActionComplaintChange(Action):
    """Asks which field to change after "Ubah"."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_complaint_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Offer one button per field."""
        buttons = [
            {"title": FIELD_LABELS[name].split()[0], "payload": f'/{CHANGE_FIELD_INTENT}{{"{FIELD_ENTITY}":"{name}"}}'}
            for name in FIELDS
        ]
        dispatcher.utter_message(text=messages.choose_field_to_change(), buttons=buttons)
        return []


def _field_from_text(text: str) -> str | None:
    lowered = text.lower()
    for alias, name in sorted(
        ((alias, name) for name, aliases in FIELD_ALIASES.items() for alias in aliases), key=lambda pair: -len(pair[0])
    ):
        if alias in lowered:
            return name
    return None


class ActionComplaintChangeField(Action):
    """Clears the chosen field so that the guided form asks for it again."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_complaint_change_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Clear one field, or show the summary again when the field is not clear."""
        name = _latest_entity(tracker, FIELD_ENTITY) or _field_from_text(_typed_text(tracker))
        if name not in SLOT_BY_FIELD:
            return [SlotSet(STATUS_SLOT, STATUS_COMPLETE)]
        return [SlotSet(SLOT_BY_FIELD[name], None), SlotSet(STATUS_SLOT, STATUS_INCOMPLETE)]


def _form_stopped_this_turn(tracker: Tracker) -> bool:
    """Tell whether the rule for "batal" deactivated the form after the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") is None:
            return True
    return False


class ActionComplaintCancel(Action):
    """Drops the answers of an unfinished form after "batal"."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_complaint_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Clear the form and confirm, or say that nothing was being filled."""
        filled = any(tracker.get_slot(slot) is not None for slot in (*SLOT_BY_FIELD.values(), STATUS_SLOT))
        running = filled or _form_stopped_this_turn(tracker)
        dispatcher.utter_message(text=messages.cancelled() if running else messages.nothing_to_cancel())
        return _reset_events()


class ActionComplaintReset(Action):
    """Drops the answers of an unfinished form silently (the citizen chose the main menu)."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_complaint_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Clear the form."""
        return _reset_events()


class ActionCheckTicket(Action):
    """Shows a ticket's status, only to the WhatsApp number that filed it."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_check_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Look the ticket up for this sender and answer with its status."""
        entity = _latest_entity(tracker, TICKET_NUMBER_ENTITY)
        ticket_number = find_ticket_number(entity or "") or parse_ticket_check(_typed_text(tracker))
        ticket_number = ticket_number or find_ticket_number(_typed_text(tracker))
        try:
            answer = await get_complaint_service().ticket_status_for(ticket_number, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Ticket %s could not be read; check DATABASE_URL.", ticket_number)
            answer = messages.lookup_failed()
        dispatcher.utter_message(text=answer)
        return []


class ActionTeamCommand(Action):
    """Carries out #balas, #selesai and #tiket for team numbers; for anyone else it is ordinary text."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_team_command"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Run the command and tell the team member the outcome."""
        service = get_complaint_service()
        command = parse_team_command(_typed_text(tracker))
        if command is None or not service.is_team_member(tracker.sender_id):
            if command is not None:
                logger.info("Team command from %s ignored: not a team number.", mask_phone(tracker.sender_id))
            dispatcher.utter_message(response=NOT_UNDERSTOOD_RESPONSE)
            return []

        logger.info(
            "Team command #%s on %s from %s.", command.command, command.ticket_number, mask_phone(tracker.sender_id)
        )
        try:
            reply = await service.handle_team_command(tracker.sender_id, command)
        except SQLAlchemyError:
            logger.exception("Team command on ticket %s failed; check DATABASE_URL.", command.ticket_number)
            reply = messages.team_command_failed()
        dispatcher.utter_message(text=reply)
        return []
