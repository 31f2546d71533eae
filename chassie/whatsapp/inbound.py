"""Parsing of Cloud API webhook deliveries into inbound messages and delivery statuses."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

from chassie.whatsapp.render import payload_for_choice_id

logger = logging.getLogger(__name__)

WHATSAPP_OBJECT = "whatsapp_business_account"
MESSAGES_FIELD = "messages"

# Template quick-reply payloads are fixed when Meta approves a template, so they
# cannot use the `menu_`/`pl_` ids. This table maps them to the text the bot reads.
QUICK_REPLY_PAYLOAD_TEXT: dict[str, str] = {
    "notif_stop": "/notification_unsubscribe",
}

# Media whose caption is read as typed text.
CAPTIONED_TYPES = ("image", "document", "video")


@dataclass(frozen=True)
class InboundMessage:
    """One message a WhatsApp user sent; `text` is what the bot reads, None when it cannot read it."""

    message_id: str
    sender: str
    type: str
    text: str | None
    profile_name: str | None = None
    timestamp: int | None = None
    context_message_id: str | None = None
    phone_number_id: str | None = None
    voice: bool = False


@dataclass(frozen=True)
class DeliveryStatus:
    """A status callback for a message the bot sent (sent, delivered, read or failed)."""

    message_id: str
    recipient_id: str
    status: str
    timestamp: int | None = None
    error_code: int | None = None
    error_title: str | None = None


@dataclass
class WebhookDelivery:
    """Everything one webhook POST carried, in payload order."""

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatus] = field(default_factory=list)
    ignored_fields: list[str] = field(default_factory=list)


class WebhookPayloadError(ValueError):
    """The body is JSON but not a Cloud API webhook delivery."""


def parse_delivery(payload: Any) -> WebhookDelivery:
    """Collect the messages and statuses of every entry and change; other fields are listed as ignored."""
    if not isinstance(payload, Mapping):
        raise WebhookPayloadError("webhook body is not a JSON object")
    if payload.get("object") != WHATSAPP_OBJECT:
        raise WebhookPayloadError(f"webhook object is {payload.get('object')!r}, expected {WHATSAPP_OBJECT!r}")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise WebhookPayloadError("webhook body has no 'entry' list")

    delivery = WebhookDelivery()
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, Mapping) else None
        for change in changes if isinstance(changes, list) else ():
            if not isinstance(change, Mapping):
                continue
            if change.get("field") != MESSAGES_FIELD:
                delivery.ignored_fields.append(str(change.get("field")))
                continue
            value = change.get("value")
            if isinstance(value, Mapping):
                _parse_value(value, delivery)
    return delivery


def _parse_value(value: Mapping[str, Any], delivery: WebhookDelivery) -> None:
    metadata = value.get("metadata") if isinstance(value.get("metadata"), Mapping) else {}
    phone_number_id = metadata.get("phone_number_id")
    names = _profile_names(value.get("contacts"))

    for raw in value.get("messages") or ():
        message = _parse_message(raw, names, phone_number_id)
        if message is not None:
            delivery.messages.append(message)
    for raw in value.get("statuses") or ():
        status = _parse_status(raw)
        if status is not None:
            delivery.statuses.append(status)


def _profile_names(contacts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else ():
        if not isinstance(contact, Mapping):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, Mapping) else None
        if contact.get("wa_id") and name:
            names[str(contact["wa_id"])] = str(name)
    return names


def _parse_message(raw: Any, names: Mapping[str, str], phone_number_id: str | None) -> InboundMessage | None:
    if not isinstance(raw, Mapping) or not raw.get("id") or not raw.get("from"):
        logger.warning("Skipped a webhook message without 'id' or 'from'.")
        return None
    sender = str(raw["from"])
    message_type = str(raw.get("type") or "unknown")
    context = raw.get("context") if isinstance(raw.get("context"), Mapping) else {}
    audio = raw.get("audio") if isinstance(raw.get("audio"), Mapping) else {}
    return InboundMessage(
        message_id=str(raw["id"]),
        sender=sender,
        type=message_type,
        text=text_for_bot(raw),
        profile_name=names.get(sender),
        timestamp=_int_or_none(raw.get("timestamp")),
        context_message_id=context.get("id"),
        phone_number_id=str(phone_number_id) if phone_number_id else None,
        voice=bool(audio.get("voice")),
    )


def text_for_bot(raw: Mapping[str, Any]) -> str | None:
    """Return the text the bot should read for one webhook message, or None when it has none."""
    message_type = raw.get("type")
    content = raw.get(message_type) if isinstance(message_type, str) else None
    content = content if isinstance(content, Mapping) else {}

    if message_type == "text":
        return _non_empty(content.get("body"))
    if message_type == "interactive":
        reply = content.get(content.get("type") or "")
        if content.get("type") in ("list_reply", "button_reply") and isinstance(reply, Mapping):
            reply_id = _non_empty(reply.get("id"))
            return payload_for_choice_id(reply_id) if reply_id else _non_empty(reply.get("title"))
        return None
    if message_type == "button":
        payload = _non_empty(content.get("payload"))
        if payload in QUICK_REPLY_PAYLOAD_TEXT:
            return QUICK_REPLY_PAYLOAD_TEXT[payload]
        if payload:
            return payload_for_choice_id(payload)
        return _non_empty(content.get("text"))
    if message_type in CAPTIONED_TYPES:
        return _non_empty(content.get("caption"))
    return None


def _parse_status(raw: Any) -> DeliveryStatus | None:
    if not isinstance(raw, Mapping) or not raw.get("id") or not raw.get("status"):
        logger.warning("Skipped a webhook status without 'id' or 'status'.")
        return None
    errors = raw.get("errors") if isinstance(raw.get("errors"), list) else []
    first_error = errors[0] if errors and isinstance(errors[0], Mapping) else {}
    return DeliveryStatus(
        message_id=str(raw["id"]),
        recipient_id=str(raw.get("recipient_id") or ""),
        status=str(raw["status"]),
        timestamp=_int_or_none(raw.get("timestamp")),
        error_code=_int_or_none(first_error.get("code")),
        error_title=_non_empty(first_error.get("title")),
    )


def _non_empty(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
