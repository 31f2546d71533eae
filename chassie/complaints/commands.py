"""Commands the complaint team types on WhatsApp, and the citizen's "cek tiket"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chassie.complaints.store import TICKET_NUMBER_PATTERN, find_ticket_number

COMMAND_REPLY = "balas"
COMMAND_CLOSE = "selesai"
COMMAND_LIST = "tiket"
TEAM_COMMANDS: tuple[str, ...] = (COMMAND_REPLY, COMMAND_CLOSE, COMMAND_LIST)

# Whole messages that stop the complaint form. "batal" alone is also an
# example of deny in the base training data, so the form cannot rely on the
# classifier to tell them apart.
CANCEL_PHRASES = frozenset(
    {
        "batal",
        "batalkan",
        "batalin",
        "cancel",
        "stop",
        "batal isi",
        "batal saja",
        "batal aja",
        "tidak jadi",
        "nggak jadi",
        "gak jadi",
        "ga jadi",
        "gk jadi",
        "ndak jadi",
    }
)

# Particles and forms of address that follow "batal" in chat ("batal dong", "gak jadi deh kak").
CANCEL_PARTICLES = frozenset({"deh", "dong", "aja", "saja", "ya", "yah", "kak", "min", "pak", "bu", "sih", "ah"})

_TEAM_COMMAND = re.compile(
    r"^\s*[*_]?#\s*(?P<command>balas|selesai|tiket)\b[*_]?(?P<rest>.*)$", re.IGNORECASE | re.DOTALL
)
_CHECK_TICKET = re.compile(
    r"^\s*(?:cek|cari|lihat|status)?\s*(?:status\s+)?(?:no(?:mor)?\.?\s*)?tiket\b", re.IGNORECASE
)


@dataclass(frozen=True)
class TeamCommand:
    """A parsed team command; ticket_number or text is None when the command lacks it."""

    command: str
    ticket_number: str | None = None
    text: str | None = None


def parse_team_command(text: str) -> TeamCommand | None:
    """Recognise "#balas <tiket> <teks>", "#selesai <tiket>" or "#tiket", or return None.

    A command with a missing or unreadable ticket number is still a command,
    so that the team member gets the usage back rather than the assistant's menu.
    """
    match = _TEAM_COMMAND.match(text or "")
    if not match:
        return None
    command = match.group("command").lower()
    rest = match.group("rest").strip()
    if command == COMMAND_LIST:
        return TeamCommand(command=command)

    ticket_number = find_ticket_number(rest.split("\n", 1)[0][:40])
    if ticket_number is None:
        return TeamCommand(command=command)
    if command == COMMAND_CLOSE:
        return TeamCommand(command=command, ticket_number=ticket_number)

    body = _text_after_ticket_number(rest)
    return TeamCommand(command=command, ticket_number=ticket_number, text=body or None)


def _text_after_ticket_number(rest: str) -> str:
    match = TICKET_NUMBER_PATTERN.search(rest)
    if match is None:
        return ""
    return rest[match.end() :].lstrip(" :-\t").strip()


def is_cancel_command(text: str) -> bool:
    """Tell whether a whole message asks to stop the complaint form ("batal", "gak jadi deh")."""
    words = re.sub(r"[^\w\s]", " ", (text or "").lower()).split()
    while len(words) > 1 and words[-1] in CANCEL_PARTICLES:
        words.pop()
    return " ".join(words) in CANCEL_PHRASES


def parse_ticket_check(text: str) -> str | None:
    """Return the ticket number of a "cek tiket <nomor>" message, or None."""
    if not _CHECK_TICKET.match(text or "") and not (text or "").strip().upper().startswith("PGD"):
        return None
    return find_ticket_number(text)
