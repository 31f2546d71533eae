"""Actions that subscribe a WhatsApp number to an application's final status, and unsubscribe it."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.tracking import (
    LAST_KODE_SLOT,
    LAST_SYSTEM_SLOT,
    OFFERED_SLOT,
    get_tracking_service,
    lookup_with_deadline,
)
from chassie.notifications.commands import SubscriptionCommand, parse_subscription_command
from chassie.notifications.replies import (
    already_final_reply,
    already_subscribed_reply,
    ask_application_reply,
    ask_system_reply,
    invalid_kode_reply,
    not_found_reply,
    not_whatsapp_reply,
    nothing_to_unsubscribe_reply,
    storage_failed_reply,
    subscribed_reply,
    unsubscribed_reply,
)
from chassie.notifications.store import NotificationStore
from chassie.privacy import mask_phone
from chassie.tracking.codes import normalise_kode, normalise_system
from chassie.tracking.replies import Reply
from chassie.tracking.service import LookupKind

logger = logging.getLogger(__name__)

KODE_ENTITY = "kode_pendaftaran"
SYSTEM_ENTITY = "tracking_system"
# A WhatsApp id is the number in international format without "+".
_WA_ID = re.compile(r"\d{8,15}")

_store: NotificationStore | None = None


def get_notification_store() -> NotificationStore:
    """Return the process-wide notification store on DATABASE_URL."""
    global _store
    if _store is None:
        _store = NotificationStore()
    return _store


def set_notification_store(store: NotificationStore | None) -> None:
    """Replace the process-wide notification store (tests point it at their database)."""
    global _store
    _store = store


def _send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text)


def _command(tracker: Tracker) -> SubscriptionCommand | None:
    text = tracker.latest_message.get("text") or ""
    # A button payload ("/notification_subscribe") is not typed text.
    return None if text.startswith("/") else parse_subscription_command(text)


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


class ActionNotificationSubscribe(Action):
    """Subscribe the sender to the application named in the message or the one just looked up."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_notification_subscribe"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """Check the application, then store the subscription and confirm it."""
        events: list[EventType] = [SlotSet(OFFERED_SLOT, False)]
        wa_id = tracker.sender_id
        if not _WA_ID.fullmatch(wa_id or ""):
            _send(dispatcher, not_whatsapp_reply())
            return events

        command = _command(tracker)
        if command is not None and command.invalid_kode:
            _send(dispatcher, invalid_kode_reply(command.system))
            return events
        system, kode = self._target(tracker, command)
        if kode is None:
            _send(dispatcher, ask_application_reply(system))
            return events
        if system is None:
            _send(dispatcher, ask_system_reply(kode))
            return events

        outcome = await lookup_with_deadline(get_tracking_service(), system, kode)
        if outcome.kind is LookupKind.NOT_FOUND:
            _send(dispatcher, not_found_reply(system, kode))
            return events
        if outcome.application is not None and outcome.application.is_final:
            _send(dispatcher, already_final_reply(outcome.application))
            return events

        try:
            result = await asyncio.to_thread(
                get_notification_store().subscribe, wa_id, system, kode, outcome.application
            )
        except SQLAlchemyError:
            logger.exception(
                "notification subscription not stored conversation=%s kode_pendaftaran=%s",
                mask_phone(wa_id),
                kode,
            )
            _send(dispatcher, storage_failed_reply())
            return events

        if result.already_active:
            _send(dispatcher, already_subscribed_reply(system, kode))
        else:
            _send(dispatcher, subscribed_reply(system, kode, checked=outcome.application is not None))
        return events

    @staticmethod
    def _target(tracker: Tracker, command: SubscriptionCommand | None) -> tuple[str | None, str | None]:
        # The typed command wins. Next come entities, which a button payload
        # may carry. Last is the application of the tracking reply that
        # offered the subscription.
        if command is not None and (command.kode_pendaftaran or command.system):
            return command.system, command.kode_pendaftaran
        kode = normalise_kode(_entity(tracker, KODE_ENTITY))
        if kode is not None:
            return normalise_system(_entity(tracker, SYSTEM_ENTITY)), kode
        return tracker.get_slot(LAST_SYSTEM_SLOT), normalise_kode(tracker.get_slot(LAST_KODE_SLOT))


class ActionNotificationUnsubscribe(Action):
    """Stop the sender's notifications: all of them, or those of the application named."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_notification_unsubscribe"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """Cancel the subscriptions and queued notifications and confirm it."""
        events: list[EventType] = [SlotSet(OFFERED_SLOT, False)]
        command = _command(tracker)
        kode = command.kode_pendaftaran if command is not None else None
        system = command.system if command is not None and kode else None

        try:
            result = await asyncio.to_thread(get_notification_store().unsubscribe, tracker.sender_id, system, kode)
        except SQLAlchemyError:
            logger.exception("notification unsubscribe not stored conversation=%s", mask_phone(tracker.sender_id))
            _send(dispatcher, storage_failed_reply())
            return events

        if not result.changed:
            _send(dispatcher, nothing_to_unsubscribe_reply(kode))
            return events
        kodes = [subscription.kode_pendaftaran for subscription in result.subscriptions]
        _send(dispatcher, unsubscribed_reply(kodes or ([kode] if kode else [])))
        return events
