"""Masking of personal data before it reaches a log line."""

from __future__ import annotations

VISIBLE_PREFIX_DIGITS = 4
VISIBLE_SUFFIX_DIGITS = 4
MASK = "****"


def mask_phone(phone: str | None) -> str:
    """Mask a phone number or wa_id for logs, e.g. 6281234567890 -> 6281****7890."""
    if not phone:
        return "<none>"
    if len(phone) <= VISIBLE_PREFIX_DIGITS + VISIBLE_SUFFIX_DIGITS:
        return MASK + phone[-2:]
    return phone[:VISIBLE_PREFIX_DIGITS] + MASK + phone[-VISIBLE_SUFFIX_DIGITS:]
