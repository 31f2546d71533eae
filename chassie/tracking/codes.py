"""Normalisation and validation of registration codes and tracking system names.

A registration code typed by a citizen ends up in an HTTP request to an office
system, so it is normalised and checked against a strict pattern before any
call. The clients additionally send it URL-encoded as a query parameter, so even
a code that passes a loosened pattern cannot change the request path or host.
"""

from __future__ import annotations

import os
import re
import unicodedata

from chassie.menu import TRACKING_SYSTEM_BY_CODE

SIMTTD = "simttd"
SICANTIK = "sicantik"
TRACKING_SYSTEMS = (SIMTTD, SICANTIK)

SYSTEM_TITLES = {SIMTTD: "SIM TTD", SICANTIK: "SiCantik Cloud"}
# The menu table owns the codes 71 and 72; this is its inverse.
SYSTEM_MENU_CODES = {system: code for code, system in TRACKING_SYSTEM_BY_CODE.items()}

# Letters, digits and the separators seen in office registration numbers
# ("CSO.202212345678", "TTD-2023-000123"). Slashes are left out on purpose
# because a slash in a code is the first step of a path traversal.
DEFAULT_KODE_PATTERN = r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?"
DEFAULT_KODE_MIN_LENGTH = 4
DEFAULT_KODE_MAX_LENGTH = 40

# The shape of a code identifies its system. SiCantik Cloud numbers are a short
# letter prefix, a dot and a long number. The SIM TTD contract of this project
# uses "TTD-<year>-<number>". Offices override both through the environment.
DEFAULT_SICANTIK_KODE_PATTERN = r"[A-Z]{2,5}\.\d{6,}"
DEFAULT_SIMTTD_KODE_PATTERN = r"TTD-?\d{4}-?\d{3,}"

ENV_KODE_PATTERN = "TRACKING_KODE_PATTERN"
ENV_KODE_MAX_LENGTH = "TRACKING_KODE_MAX_LENGTH"
ENV_SICANTIK_KODE_PATTERN = "SICANTIK_KODE_PATTERN"
ENV_SIMTTD_KODE_PATTERN = "SIMTTD_KODE_PATTERN"

# Characters that WhatsApp formatting, quoting or sentence punctuation put
# around a code ("*CSO.2022…*", "(CSO.2022…).", "CSO.2022…?").
_SURROUNDING = "*_~`'\"“”‘’()[]{}<>.,;:!?"
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_MIN_DIGITS_IN_FREE_TEXT = 4

_SYSTEM_WORDS = (
    (
        SIMTTD,
        re.compile(r"\b(?:71|sim\s*-?\s*ttd|simttd|tanda\s*tangan\s*digital)\b", re.IGNORECASE),
    ),
    (
        SICANTIK,
        re.compile(
            r"\b(?:72|si\s*-?\s*cantik(?:\s*cloud)?|sicantik(?:cloud)?)\b",
            re.IGNORECASE,
        ),
    ),
)


def _kode_pattern() -> re.Pattern[str]:
    return re.compile(os.environ.get(ENV_KODE_PATTERN) or DEFAULT_KODE_PATTERN)


def _kode_max_length() -> int:
    raw = os.environ.get(ENV_KODE_MAX_LENGTH)
    return int(raw) if raw and raw.isdigit() else DEFAULT_KODE_MAX_LENGTH


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(_SURROUNDING)
    return text.upper()


def normalise_kode(text: str | None) -> str | None:
    """Return the canonical form of a registration code, or None when it is invalid.

    Trims spaces, WhatsApp formatting and surrounding punctuation, folds
    full-width characters and case, then requires the whole value to match the
    configured pattern (`TRACKING_KODE_PATTERN`) within the length bounds.
    """
    if not text or len(text) > 4 * _kode_max_length():
        return None

    kode = _clean(text)
    if not DEFAULT_KODE_MIN_LENGTH <= len(kode) <= _kode_max_length():
        return None
    if not kode.isascii() or ".." in kode:
        return None
    if not _kode_pattern().fullmatch(kode):
        return None
    return kode


def extract_kode(text: str | None) -> str | None:
    """Find a registration code inside a free-text message, or return None.

    Only a word with at least one letter and several digits counts, so menu
    numbers, phone numbers and NIKs typed in the same message are not taken for
    a code. A message that is a code and nothing else is handled by
    `normalise_kode` instead.
    """
    if not text:
        return None

    for word in text.split():
        kode = normalise_kode(word)
        if kode is None:
            continue
        digits = sum(ch.isdigit() for ch in kode)
        if digits >= _MIN_DIGITS_IN_FREE_TEXT and any(ch.isalpha() for ch in kode):
            return kode
    return None


def normalise_system(value: str | None) -> str | None:
    """Map an entity value or a typed name ("72", "SiCantik Cloud", "sim ttd") to a system id."""
    if not value:
        return None

    cleaned = unicodedata.normalize("NFKC", value).strip().lower()
    if cleaned in TRACKING_SYSTEMS:
        return cleaned
    return detect_system(cleaned)


def detect_system(text: str | None) -> str | None:
    """Return the system a message names, or None when it names none or both."""
    if not text:
        return None

    # A word mixing digits with other characters is a code, whose digits
    # ("CSO.7212…") must not be read as the menu code 71 or 72.
    words = [w for w in text.split() if _clean(w).isdigit() or not any(ch.isdigit() for ch in w)]
    remaining = " ".join(words)
    found = {system for system, pattern in _SYSTEM_WORDS if pattern.search(remaining)}
    return found.pop() if len(found) == 1 else None


def infer_system(kode: str) -> str | None:
    """Guess the system from the shape of a normalised code, or return None when unsure."""
    patterns = {
        SICANTIK: os.environ.get(ENV_SICANTIK_KODE_PATTERN) or DEFAULT_SICANTIK_KODE_PATTERN,
        SIMTTD: os.environ.get(ENV_SIMTTD_KODE_PATTERN) or DEFAULT_SIMTTD_KODE_PATTERN,
    }
    matches = [system for system, pattern in patterns.items() if re.fullmatch(pattern, kode)]
    return matches[0] if len(matches) == 1 else None
