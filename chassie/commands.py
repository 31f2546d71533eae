"""Messages whose meaning is fixed by their form, recognised without a classifier.

Menu codes ("3", "72 CSO.202212345678"), the complaint team's "#balas" commands,
"batal", "langganan notifikasi 72 <kode>", "cek tiket <nomor>", a registration
code typed alone and a pasted complaint form must reach their
intent every time. The NLU component components.menu_code.MenuCodeClassifier applies
`recognise_command` after the trained classifier and overrides its guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from chassie.complaints.commands import is_cancel_command, parse_team_command, parse_ticket_check
from chassie.complaints.form import looks_like_complaint_form
from chassie.menu import TRACKING_SYSTEM_BY_CODE, UNKNOWN_CODE_INTENT, MenuSelection, parse_menu_code
from chassie.notifications.commands import parse_subscription_command
from chassie.tracking.codes import SYSTEM_MENU_CODES, extract_kode

TRACKING_SYSTEM_ENTITY = "tracking_system"
KODE_PENDAFTARAN_ENTITY = "kode_pendaftaran"
MENU_CODE_ENTITY = "menu_code"
TICKET_NUMBER_ENTITY = "ticket_number"
COMPLAINT_TEXT_ENTITY = "complaint_text"

TEAM_COMMAND_INTENT = "team_command"
CANCEL_INTENT = "cancel"
CHECK_TICKET_INTENT = "check_ticket"
CHECK_STATUS_INTENT = "check_status"
COMPLAINT_FORM_INTENT = "complaint_form"


@dataclass(frozen=True)
class CommandEntity:
    """An entity found by a command parser, with its character span in the message."""

    name: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Command:
    """The intent and entities of a message recognised by its form."""

    intent: str
    entities: tuple[CommandEntity, ...] = ()


def _span(text: str, value: str, name: str) -> CommandEntity:
    start = text.find(value)
    if start < 0:
        start = 0
    return CommandEntity(name=name, value=value, start=start, end=start + len(value))


def _menu_entities(text: str, selection: MenuSelection) -> tuple[CommandEntity, ...]:
    entities = []
    if selection.intent == UNKNOWN_CODE_INTENT:
        entities.append(_span(text, selection.code, MENU_CODE_ENTITY))
    if selection.code in TRACKING_SYSTEM_BY_CODE:
        code = _span(text, selection.code, TRACKING_SYSTEM_ENTITY)
        system = TRACKING_SYSTEM_BY_CODE[selection.code]
        entities.append(CommandEntity(TRACKING_SYSTEM_ENTITY, system, code.start, code.end))
    if selection.argument and selection.argument_entity:
        entities.append(_span(text, selection.argument, selection.argument_entity))
    return tuple(entities)


def _recognise_team_command(text: str) -> Optional[Command]:
    # The action checks whether the sender is on the team, because it has the
    # sender's number. For anyone else it replies as the assistant does.
    if parse_team_command(text) is None:
        return None
    return Command(TEAM_COMMAND_INTENT)


def _recognise_subscription(text: str) -> Optional[Command]:
    command = parse_subscription_command(text)
    if command is None:
        return None
    entities = []
    if command.system:
        span = _span(text, SYSTEM_MENU_CODES[command.system], TRACKING_SYSTEM_ENTITY)
        entities.append(CommandEntity(TRACKING_SYSTEM_ENTITY, command.system, span.start, span.end))
    if command.kode_pendaftaran and command.kode_span:
        start, end = command.kode_span
        entities.append(CommandEntity(KODE_PENDAFTARAN_ENTITY, command.kode_pendaftaran, start, end))
    return Command(command.kind.intent, tuple(entities))


def _recognise_cancel(text: str) -> Optional[Command]:
    # "batal" must stop a form whatever the classifier makes of a one-word message.
    return Command(CANCEL_INTENT) if is_cancel_command(text) else None


def _recognise_menu_code(text: str) -> Optional[Command]:
    selection = parse_menu_code(text)
    if selection is None:
        return None
    return Command(selection.intent, _menu_entities(text, selection))


def _recognise_ticket_check(text: str) -> Optional[Command]:
    ticket_number = parse_ticket_check(text)
    if ticket_number is None:
        return None
    return Command(CHECK_TICKET_INTENT, (_span(text, ticket_number, TICKET_NUMBER_ENTITY),))


def _recognise_bare_kode(text: str) -> Optional[Command]:
    # A message that is one word with letters and several digits is a
    # registration code typed alone; the status action asks for the system
    # when the code's shape does not tell it.
    words = text.split()
    if len(words) != 1:
        return None
    kode = extract_kode(words[0])
    if kode is None:
        return None
    return Command(CHECK_STATUS_INTENT, (_span(text, words[0], KODE_PENDAFTARAN_ENTITY),))


def _recognise_complaint_form(text: str) -> Optional[Command]:
    if not looks_like_complaint_form(text):
        return None
    return Command(COMPLAINT_FORM_INTENT, (CommandEntity(COMPLAINT_TEXT_ENTITY, text, 0, len(text)),))


# Tried in order; the first that matches wins. Team commands come first
# because "#tiket" must not read as "cek tiket".
RECOGNISERS: tuple[Callable[[str], Optional[Command]], ...] = (
    _recognise_team_command,
    _recognise_subscription,
    _recognise_cancel,
    _recognise_menu_code,
    _recognise_ticket_check,
    _recognise_bare_kode,
    _recognise_complaint_form,
)


def recognise_command(text: str) -> Optional[Command]:
    """Return the intent and entities fixed by the message's form, or None for free text."""
    if not text or text.startswith("/"):
        # "/intent" messages (button payloads) are resolved by Rasa itself.
        return None
    for recogniser in RECOGNISERS:
        command = recogniser(text)
        if command is not None:
            return command
    return None
