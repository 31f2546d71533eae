"""Benchmark input: the sessions it replays and Cloud API webhooks signed as Meta signs them."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, Dict, Tuple

from chassie.whatsapp.signature import SIGNATURE_HEADER, sign_body

WHATSAPP_OBJECT = "whatsapp_business_account"
BUSINESS_ACCOUNT_ID = "102290129340398"
DISPLAY_PHONE_NUMBER = "6282162523600"
PROFILE_NAME = "Warga Bench"

# Numbers of the simulated citizens: a prefix no real subscriber uses in tests,
# then the conversation's index, so each session gets its own tracker.
WA_ID_PREFIX = "62899"
WA_ID_DIGITS = 8

# A citizen's session with Chassie: greeting, menu numbers, an app detail,
# back to the main menu, a free-text question and a SiCantik tracking code
# that the tracking sandbox contains.
CHASSIE_SESSION: Tuple[str, ...] = (
    "halo",
    "1",
    "3",
    "31",
    "0",
    "gmn cara daftar oss",
    "72 CSO.202212345678",
)

# The same shape for the assistant `rasa init` creates, with its own training
# data (greet, mood_unhappy, affirm, mood_great, bot_challenge, goodbye).
PLAIN_SESSION: Tuple[str, ...] = (
    "hello",
    "I am sad",
    "yes",
    "great",
    "are you a bot?",
    "I am feeling very good",
    "bye",
)


@dataclass(frozen=True)
class SignedRequest:
    """A webhook body and the headers Meta would send with it."""

    body: bytes
    headers: Dict[str, str]


def wa_id_for(index: int) -> str:
    """Return the WhatsApp number of simulated conversation `index`."""
    if index < 0 or index >= 10**WA_ID_DIGITS:
        raise ValueError(f"conversation index must be within 0..{10**WA_ID_DIGITS - 1}, got {index}")
    return f"{WA_ID_PREFIX}{index:0{WA_ID_DIGITS}d}"


def new_message_id() -> str:
    """Return a random id shaped like Meta's `wamid.<base64>` message ids."""
    return "wamid.BENCH" + secrets.token_urlsafe(24)


def _envelope(phone_number_id: str, value: Dict[str, Any]) -> Dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id},
        **value,
    }
    return {
        "object": WHATSAPP_OBJECT,
        "entry": [{"id": BUSINESS_ACCOUNT_ID, "changes": [{"field": "messages", "value": value}]}],
    }


def text_message_webhook(
    phone_number_id: str, wa_id: str, text: str, message_id: str, timestamp: int
) -> Dict[str, Any]:
    """Build the webhook body Meta posts when `wa_id` sends the text `text`."""
    message = {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "text",
        "text": {"body": text},
    }
    return _envelope(
        phone_number_id,
        {"contacts": [{"profile": {"name": PROFILE_NAME}, "wa_id": wa_id}], "messages": [message]},
    )


def status_webhook(phone_number_id: str, wa_id: str, message_id: str, status: str, timestamp: int) -> Dict[str, Any]:
    """Build the webhook body Meta posts when a message the bot sent becomes `sent`, `delivered` or `read`."""
    entry = {"id": message_id, "status": status, "timestamp": str(timestamp), "recipient_id": wa_id}
    return _envelope(phone_number_id, {"statuses": [entry]})


def sign_webhook(app_secret: str, payload: Dict[str, Any]) -> SignedRequest:
    """Serialise `payload` and sign it with X-Hub-Signature-256 as Meta does."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign_body(app_secret, body)}
    return SignedRequest(body, headers)


def reply_fingerprint(body: Any) -> str:
    """Return a short, stable description of one Graph send call: its type and the start of its text."""
    if not isinstance(body, dict):
        return "invalid"
    message_type = str(body.get("type"))
    content = body.get(message_type)
    text = ""
    if message_type == "text" and isinstance(content, dict):
        text = str(content.get("body") or "")
    elif message_type == "interactive" and isinstance(content, dict):
        inner = content.get("body")
        text = str(inner.get("text") or "") if isinstance(inner, dict) else ""
    return f"{message_type}:{text[:40]}"
