"""Rendering of Rasa bot messages into Graph API message bodies, within WhatsApp's limits.

A rendered message is the part of a Graph API `/messages` request after
`messaging_product`, `recipient_type` and `to`, e.g. `{"type": "text", "text": {...}}`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from chassie.menu import MENU_BY_CODE

logger = logging.getLogger(__name__)

# Limits of the Cloud API (developer documentation for text and interactive messages).
MAX_TEXT_CHARS = 4096
MAX_INTERACTIVE_BODY_CHARS = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE_CHARS = 20
MAX_BUTTON_ID_CHARS = 256
MAX_LIST_ROWS = 10
MAX_ROW_TITLE_CHARS = 24
MAX_ROW_DESCRIPTION_CHARS = 72
MAX_ROW_ID_CHARS = 200
MAX_LIST_BUTTON_LABEL_CHARS = 20

MENU_ID_PREFIX = "menu_"
PAYLOAD_ID_PREFIX = "pl_"

MENU_LIST_BUTTON_LABEL = "Pilih menu"
LIST_BUTTON_LABEL = "Lihat pilihan"
DEFAULT_CHOICE_BODY = "Silakan pilih salah satu:"
MORE_CHOICES_BODY = "Pilihan lainnya:"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Choice:
    """One reply button or list row: the id WhatsApp returns on a tap, and the texts shown."""

    id: str
    title: str
    description: str | None = None


def choice_id_for_payload(payload: str) -> str:
    """Encode a Rasa button payload as a reply id: `menu_<code>` for menu codes, else `pl_<payload>`."""
    if payload in MENU_BY_CODE:
        return MENU_ID_PREFIX + payload
    return PAYLOAD_ID_PREFIX + payload


def payload_for_choice_id(choice_id: str) -> str:
    """Decode a reply id back into the text the bot should read (the inverse of `choice_id_for_payload`)."""
    if choice_id.startswith(MENU_ID_PREFIX) and choice_id[len(MENU_ID_PREFIX) :] in MENU_BY_CODE:
        return choice_id[len(MENU_ID_PREFIX) :]
    if choice_id.startswith(PAYLOAD_ID_PREFIX):
        return choice_id[len(PAYLOAD_ID_PREFIX) :]
    # Ids this code did not make (an older list, a template) are read as typed text.
    return choice_id


def truncate(text: str, max_chars: int) -> str:
    """Shorten `text` to `max_chars`, ending with an ellipsis when something was cut."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + ELLIPSIS


def choices_from_buttons(buttons: Iterable[Mapping[str, Any]]) -> list[Choice]:
    """Turn Rasa buttons (`[{title, payload}]`) into choices, using the menu table for menu codes."""
    choices: list[Choice] = []
    seen_ids: set[str] = set()
    for button in buttons:
        payload = str(button.get("payload") or button.get("title") or "").strip()
        if not payload:
            logger.warning("Skipped a button without payload or title.")
            continue

        entry = MENU_BY_CODE.get(payload)
        if entry is not None:
            choice = Choice(choice_id_for_payload(payload), entry.title, entry.description)
        else:
            title = str(button.get("title") or payload)
            description = button.get("description")
            choice = Choice(choice_id_for_payload(payload), title, str(description) if description else None)

        if len(choice.id) > MAX_ROW_ID_CHARS:
            logger.warning("Skipped a button whose payload is longer than %d characters.", MAX_ROW_ID_CHARS)
            continue
        if choice.id in seen_ids:
            logger.warning("Skipped a second button with payload id %s.", choice.id)
            continue
        seen_ids.add(choice.id)
        choices.append(choice)
    return choices


def as_choices(items: Iterable[Choice | Mapping[str, Any]]) -> list[Choice]:
    """Accept `Choice` values, `{id, title, description}` rows or Rasa buttons `{title, payload}`."""
    choices: list[Choice] = []
    for item in items:
        if isinstance(item, Choice):
            choices.append(item)
        elif "payload" in item:
            choices.extend(choices_from_buttons([item]))
        else:
            description = str(item["description"]) if item.get("description") else None
            choices.append(Choice(str(item["id"]), str(item["title"]), description))
    return choices


def split_text(text: str, max_chars: int = MAX_TEXT_CHARS) -> list[str]:
    """Split text into parts of at most `max_chars`, preferring paragraph, then line, then word boundaries."""
    text = text.strip()
    if not text:
        return []
    if len(text) <= max_chars:
        return [text]

    parts: list[str] = []
    current = ""
    for paragraph in _pieces(text, max_chars):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= max_chars:
            current = candidate
        else:
            parts.append(current)
            current = paragraph
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, max_chars: int) -> list[str]:
    """Paragraphs of `text`, with any paragraph longer than `max_chars` cut at lines, words or hard."""
    pieces: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            pieces.append(paragraph)
            continue
        pieces.extend(_cut_long(paragraph, max_chars))
    return pieces


def _cut_long(paragraph: str, max_chars: int) -> list[str]:
    cuts: list[str] = []
    rest = paragraph
    while len(rest) > max_chars:
        window = rest[: max_chars + 1]
        cut_at = window.rfind("\n")
        if cut_at <= 0:
            cut_at = window.rfind(" ")
        if cut_at <= 0:
            cut_at = max_chars
        cuts.append(rest[:cut_at].rstrip())
        rest = rest[cut_at:].lstrip()
    if rest:
        cuts.append(rest)
    return cuts


def text_message(body: str, preview_url: bool = False) -> dict[str, Any]:
    """Build a text message body (the caller keeps it within `MAX_TEXT_CHARS`)."""
    return {"type": "text", "text": {"preview_url": preview_url, "body": body}}


def buttons_message(
    body: str, choices: Sequence[Choice], header: str | None = None, footer: str | None = None
) -> dict[str, Any]:
    """Build an interactive reply-button message (1 to 3 buttons, titles cut to 20 characters)."""
    if not 1 <= len(choices) <= MAX_REPLY_BUTTONS:
        raise ValueError(f"reply buttons need 1 to {MAX_REPLY_BUTTONS} choices, got {len(choices)}")
    interactive: dict[str, Any] = {
        "type": "button",
        "body": {"text": truncate(body or DEFAULT_CHOICE_BODY, MAX_INTERACTIVE_BODY_CHARS)},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": c.id, "title": truncate(c.title, MAX_BUTTON_TITLE_CHARS)}}
                for c in choices
            ]
        },
    }
    _add_header_footer(interactive, header, footer)
    return {"type": "interactive", "interactive": interactive}


def list_message(
    body: str,
    choices: Sequence[Choice],
    button_label: str = LIST_BUTTON_LABEL,
    header: str | None = None,
    footer: str | None = None,
    section_title: str | None = None,
) -> dict[str, Any]:
    """Build an interactive list message (1 to 10 rows in one section, texts cut to WhatsApp's limits)."""
    if not 1 <= len(choices) <= MAX_LIST_ROWS:
        raise ValueError(f"a list needs 1 to {MAX_LIST_ROWS} rows, got {len(choices)}")
    rows = []
    for choice in choices:
        row: dict[str, Any] = {"id": choice.id, "title": truncate(choice.title, MAX_ROW_TITLE_CHARS)}
        if choice.description:
            row["description"] = truncate(choice.description, MAX_ROW_DESCRIPTION_CHARS)
        rows.append(row)
    section: dict[str, Any] = {"rows": rows}
    if section_title:
        section["title"] = truncate(section_title, MAX_ROW_TITLE_CHARS)
    interactive: dict[str, Any] = {
        "type": "list",
        "body": {"text": truncate(body or DEFAULT_CHOICE_BODY, MAX_INTERACTIVE_BODY_CHARS)},
        "action": {"button": truncate(button_label, MAX_LIST_BUTTON_LABEL_CHARS), "sections": [section]},
    }
    _add_header_footer(interactive, header, footer)
    return {"type": "interactive", "interactive": interactive}


def _add_header_footer(interactive: dict[str, Any], header: str | None, footer: str | None) -> None:
    # Header and footer texts are limited to 60 characters each.
    if header:
        interactive["header"] = {"type": "text", "text": truncate(header, 60)}
    if footer:
        interactive["footer"] = {"text": truncate(footer, 60)}


def template_message(
    name: str,
    language_code: str,
    body_parameters: Sequence[str] = (),
    quick_reply_payloads: Sequence[str] = (),
) -> dict[str, Any]:
    """Build an approved-template message with text body parameters and quick-reply button payloads."""
    components: list[dict[str, Any]] = []
    if body_parameters:
        components.append({"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in body_parameters]})
    for index, payload in enumerate(quick_reply_payloads):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": payload}],
            }
        )
    template: dict[str, Any] = {"name": name, "language": {"code": language_code}}
    if components:
        template["components"] = components
    return {"type": "template", "template": template}


def render_choices(text: str, choices: Sequence[Choice]) -> list[dict[str, Any]]:
    """Render a text with choices: reply buttons for up to 3 short titles, otherwise lists of 10 rows."""
    messages: list[dict[str, Any]] = []
    body = text.strip()
    if len(body) > MAX_INTERACTIVE_BODY_CHARS:
        # The interactive body cannot hold it, so the text goes first on its own.
        messages.extend(text_message(part) for part in split_text(body))
        body = DEFAULT_CHOICE_BODY
    if not choices:
        if body and not messages:
            messages.append(text_message(body))
        return messages

    fits_buttons = len(choices) <= MAX_REPLY_BUTTONS and all(len(c.title) <= MAX_BUTTON_TITLE_CHARS for c in choices)
    if fits_buttons:
        messages.append(buttons_message(body, choices))
        return messages

    all_menu = all(c.id.startswith(MENU_ID_PREFIX) for c in choices)
    label = MENU_LIST_BUTTON_LABEL if all_menu else LIST_BUTTON_LABEL
    for start in range(0, len(choices), MAX_LIST_ROWS):
        chunk = choices[start : start + MAX_LIST_ROWS]
        messages.append(list_message(body if start == 0 else MORE_CHOICES_BODY, chunk, label))
    return messages


def render_template_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Render a `custom: {whatsapp_template: {...}}` response into a template message."""
    name = spec.get("name")
    language = spec.get("language_code") or spec.get("language") or "id"
    if not name:
        raise ValueError("whatsapp_template needs a 'name'")
    return template_message(
        str(name),
        str(language),
        [str(p) for p in spec.get("body_parameters") or ()],
        [str(p) for p in spec.get("quick_reply_payloads") or ()],
    )


def render_bot_message(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Render one Rasa bot message (text, buttons, quick_replies, image, attachment, custom)."""
    messages: list[dict[str, Any]] = []
    text = str(message.get("text") or "")
    buttons = message.get("buttons") or message.get("quick_replies")

    if buttons:
        messages.extend(render_choices(text, choices_from_buttons(buttons)))
    elif text.strip():
        messages.extend(text_message(part) for part in split_text(text))

    custom = message.get("custom")
    if isinstance(custom, Mapping) and isinstance(custom.get("whatsapp_template"), Mapping):
        messages.append(render_template_spec(custom["whatsapp_template"]))
    elif custom:
        logger.warning("Skipped a custom bot message that has no 'whatsapp_template'.")

    if message.get("image"):
        messages.append({"type": "image", "image": {"link": str(message["image"])}})
    if message.get("attachment"):
        messages.append(text_message(truncate(str(message["attachment"]), MAX_TEXT_CHARS)))
    return messages
