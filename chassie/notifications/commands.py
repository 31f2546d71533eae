"""Recognition of the typed notification commands, without a classifier.

"langganan notifikasi 72 CSO.202212345678" subscribes and "berhenti
notifikasi" unsubscribes every time, whatever the trained model guesses.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from chassie.menu import TRACKING_SYSTEM_BY_CODE
from chassie.tracking.codes import infer_system, normalise_kode

SUBSCRIBE_INTENT = "notification_subscribe"
UNSUBSCRIBE_INTENT = "notification_unsubscribe"

_FORMATTING_MARKS = re.compile(r"(?:(?<=\s)|^)[*_~`]+|[*_~`]+(?=\s|$)")
# Polite words citizens put before a command ("mohon", "saya mau", "tolong").
_POLITE_PREFIX = r"(?:(?:mohon|tolong|saya|sy|aku|mau|ingin|pengen|minta|bisa)\s+){0,3}"
_NOTIFICATION_WORD = r"(?:notifikasi|notif|pemberitahuan|info(?:rmasi)?)"
_SUBSCRIBE = re.compile(
    rf"^{_POLITE_PREFIX}(?:ber)?langganan\s+{_NOTIFICATION_WORD}\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_UNSUBSCRIBE = re.compile(
    rf"^{_POLITE_PREFIX}(?:berhenti|stop|hentikan|batal(?:kan)?|matikan)\s+"
    rf"(?:(?:ber)?langganan(?:\s+{_NOTIFICATION_WORD})?|{_NOTIFICATION_WORD})\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# The rest of a command: an optional "untuk"/"kode", menu code 71 or 72, the code.
_FILLER = re.compile(r"^(?:untuk|utk|kode|pendaftaran|permohonan|no|nomor|[:\-])\s*", re.IGNORECASE)
_SYSTEM_CODE = re.compile(r"^(?P<code>\d{2})(?=\s|$)")


class CommandKind(str, enum.Enum):
    """Which command a message is."""

    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"

    @property
    def intent(self) -> str:
        """The Rasa intent of this command."""
        return SUBSCRIBE_INTENT if self is CommandKind.SUBSCRIBE else UNSUBSCRIBE_INTENT


@dataclass(frozen=True)
class SubscriptionCommand:
    """A recognised notification command and the application it names, if any.

    `invalid_kode` is True when text follows the command but is not a valid
    registration code, so the reply can explain the format instead of guessing.
    `kode_span` is the (start, end) of the code in the original text, for the
    NLU entity.
    """

    kind: CommandKind
    system: str | None = None
    kode_pendaftaran: str | None = None
    invalid_kode: bool = False
    kode_span: tuple[int, int] | None = None


def _strip_decoration(text: str) -> str:
    # WhatsApp formatting wraps words ("*berhenti notifikasi* 72 ..."), so the
    # marks are removed at every word edge, not only at the ends of the text.
    return _FORMATTING_MARKS.sub("", text).strip()


def _strip_fillers(rest: str) -> str:
    previous = None
    while previous != rest:
        previous = rest
        rest = _FILLER.sub("", rest.strip(), count=1)
    return rest.strip()


def parse_subscription_command(text: str | None) -> SubscriptionCommand | None:
    """Recognise "langganan notifikasi [71|72] <kode>" or "berhenti notifikasi [...]", else None.

    The system comes from the menu code typed before the registration code
    (71 SIM TTD, 72 SiCantik Cloud), or else from the shape of the code.
    """
    if not text:
        return None

    cleaned = _strip_decoration(unicodedata.normalize("NFKC", text))
    cleaned = re.sub(r"\s+", " ", cleaned)
    for kind, pattern in ((CommandKind.SUBSCRIBE, _SUBSCRIBE), (CommandKind.UNSUBSCRIBE, _UNSUBSCRIBE)):
        match = pattern.match(cleaned)
        if match:
            return _parse_target(kind, _strip_fillers(match.group("rest")), text)
    return None


def _parse_target(kind: CommandKind, rest: str, original: str) -> SubscriptionCommand:
    system = None
    code_match = _SYSTEM_CODE.match(rest)
    if code_match and code_match.group("code") in TRACKING_SYSTEM_BY_CODE:
        system = TRACKING_SYSTEM_BY_CODE[code_match.group("code")]
        rest = _strip_fillers(rest[code_match.end() :])

    if not rest:
        return SubscriptionCommand(kind, system=system)

    kode = normalise_kode(rest)
    if kode is None:
        return SubscriptionCommand(kind, system=system, invalid_kode=True)
    return SubscriptionCommand(
        kind,
        system=system or infer_system(kode),
        kode_pendaftaran=kode,
        kode_span=_find_span(original, rest),
    )


def _find_span(original: str, typed_kode: str) -> tuple[int, int] | None:
    # The code as typed, without the decoration normalise_kode strips, so the
    # span covers exactly the characters an annotator would mark.
    core = typed_kode.strip().strip("*_~`'\"()[]{}<>.,;:!?")
    start = original.upper().rfind(core.upper()) if core else -1
    return (start, start + len(core)) if start >= 0 else None
