"""Personal data rules for tracking replies: phone comparison and name masking."""

from __future__ import annotations

import re

INDONESIA_COUNTRY_CODE = "62"
_MIN_PHONE_DIGITS = 8


def normalise_phone(value: str | None) -> str | None:
    """Return a phone number as international digits (62…), or None when it is not one.

    Accepts "0812-3456-7890", "+62 812 3456 7890", "6281234567890" and
    "812…" alike, so that a WhatsApp id can be compared with an office record.
    """
    if not value:
        return None

    digits = re.sub(r"\D", "", value)
    digits = digits.removeprefix("00")
    if digits.startswith("0"):
        digits = INDONESIA_COUNTRY_CODE + digits[1:]
    elif digits.startswith("8"):
        digits = INDONESIA_COUNTRY_CODE + digits
    return digits if len(digits) >= _MIN_PHONE_DIGITS else None


def phones_match(sender_id: str | None, application_phone: str | None) -> bool:
    """True when the sender's WhatsApp number is the phone on the application."""
    sender = normalise_phone(sender_id)
    return sender is not None and sender == normalise_phone(application_phone)


def mask_name(name: str | None) -> str | None:
    """Keep the first letter of each word of a name and hide the rest ("Budi Santoso" → "B*** S******")."""
    if not name:
        return None
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
