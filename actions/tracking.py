"""Actions that look up applications in SIM TTD and SiCantik Cloud for status questions."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from chassie.privacy import mask_phone
from chassie.tracking.privacy import phones_match
from chassie.tracking.replies import (
    Reply,
    ask_kode_reply,
    ask_system_reply,
    declined_reply,
    invalid_kode_reply,
    not_found_reply,
    status_reply,
    unavailable_reply,
)
from chassie.tracking.request import TrackingRequest, resolve_request
from chassie.tracking.service import LookupKind, LookupOutcome, TrackingService

logger = logging.getLogger(__name__)

KODE_SLOT = "kode_pendaftaran"
SYSTEM_SLOT = "tracking_system"
LAST_KODE_SLOT = "last_kode_pendaftaran"
LAST_SYSTEM_SLOT = "last_tracking_system"
OFFERED_SLOT = "tracking_notification_offered"

_service: TrackingService | None = None


def get_tracking_service() -> TrackingService:
    """Return the process-wide tracking service, built from the environment on first use."""
    global _service
    if _service is None:
        _service = TrackingService.from_env()
    return _service


def set_tracking_service(service: TrackingService | None) -> None:
    """Replace the process-wide tracking service (tests point it at a sandbox)."""
    global _service
    _service = service


def _send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    if reply.buttons:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
    else:
        dispatcher.utter_message(text=reply.text)


def _latest_entity(tracker: Tracker, entity: str) -> str | None:
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value is not None else None


def _typed_text(tracker: Tracker) -> str | None:
    text = tracker.latest_message.get("text") or ""
    # A button payload ("/check_status{...}") carries its values as entities;
    # reading its text would find codes in the JSON.
    return None if text.startswith("/") else text


async def lookup_with_deadline(service: TrackingService, system: str, kode: str) -> LookupOutcome:
    """Run the blocking lookup in a worker thread, giving up at the service's deadline."""
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(service.lookup, system, kode),
            timeout=service.deadline_seconds,
        )
    except TimeoutError:
        logger.warning(
            "tracking lookup exceeded deadline system=%s kode_pendaftaran=%s deadline_seconds=%s",
            system,
            kode,
            service.deadline_seconds,
        )
    except Exception:
        # An unexpected bug must still end in an apology, not in silence.
        logger.exception("tracking lookup crashed system=%s kode_pendaftaran=%s", system, kode)
    return LookupOutcome(LookupKind.UNAVAILABLE, system, kode)


class ActionCheckStatus(Action):
    """Answer a status question, asking first for a missing code or system."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_check_status"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """Look the application up and describe it, or ask for what is missing."""
        request = resolve_request(
            text=_typed_text(tracker),
            kode_entity=_latest_entity(tracker, KODE_SLOT),
            system_entity=_latest_entity(tracker, SYSTEM_SLOT),
            remembered_kode=tracker.get_slot(KODE_SLOT),
            remembered_system=tracker.get_slot(SYSTEM_SLOT),
        )
        conversation = mask_phone(tracker.sender_id)

        if request.invalid_kode:
            logger.info("tracking invalid kode_pendaftaran conversation=%s", conversation)
            _send(dispatcher, invalid_kode_reply(request.system))
            return [
                SlotSet(KODE_SLOT, tracker.get_slot(LAST_KODE_SLOT)),
                SlotSet(SYSTEM_SLOT, request.system),
                SlotSet(OFFERED_SLOT, False),
            ]
        if request.kode is None:
            _send(dispatcher, ask_kode_reply(request.system))
            return [SlotSet(SYSTEM_SLOT, request.system), SlotSet(OFFERED_SLOT, False)]
        if request.system is None:
            _send(dispatcher, ask_system_reply(request.kode))
            return [SlotSet(KODE_SLOT, request.kode), SlotSet(OFFERED_SLOT, False)]

        outcome = await lookup_with_deadline(get_tracking_service(), request.system, request.kode)
        logger.info(
            "tracking reply sent conversation=%s system=%s kode_pendaftaran=%s outcome=%s",
            conversation,
            outcome.system,
            outcome.kode_pendaftaran,
            outcome.kind.value,
        )
        return self._answer(dispatcher, tracker, request, outcome)

    def _answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        request: TrackingRequest,
        outcome: LookupOutcome,
    ) -> list[EventType]:
        if outcome.kind is LookupKind.NOT_FOUND:
            _send(dispatcher, not_found_reply(outcome.system, outcome.kode_pendaftaran))
            # A code that was not found is not remembered, so the last valid one stays.
            return [
                SlotSet(KODE_SLOT, tracker.get_slot(LAST_KODE_SLOT)),
                SlotSet(SYSTEM_SLOT, request.system),
                SlotSet(OFFERED_SLOT, False),
            ]
        if outcome.kind is LookupKind.UNAVAILABLE or outcome.application is None:
            _send(dispatcher, unavailable_reply(outcome.system, outcome.kode_pendaftaran))
            return [
                SlotSet(KODE_SLOT, request.kode),
                SlotSet(SYSTEM_SLOT, request.system),
                SlotSet(OFFERED_SLOT, False),
            ]

        application = outcome.application
        reveal_name = phones_match(tracker.sender_id, application.applicant_phone)
        _send(dispatcher, status_reply(application, reveal_name))
        return [
            SlotSet(KODE_SLOT, application.kode_pendaftaran),
            SlotSet(SYSTEM_SLOT, application.system),
            SlotSet(LAST_KODE_SLOT, application.kode_pendaftaran),
            SlotSet(LAST_SYSTEM_SLOT, application.system),
            SlotSet(OFFERED_SLOT, not application.is_final),
        ]


class ActionTrackingNotificationDeclined(Action):
    """Acknowledge "Tidak" to the offer of a notification."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_tracking_notification_declined"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """Confirm that no notification will be sent and close the offer."""
        _send(dispatcher, declined_reply())
        return [SlotSet(OFFERED_SLOT, False)]
