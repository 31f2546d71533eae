"""The Cloud API's checks on a send call, so that the sandbox rejects what Meta would reject."""

from __future__ import annotations

from typing import Any

from chassie.whatsapp.render import (
    MAX_BUTTON_ID_CHARS,
    MAX_BUTTON_TITLE_CHARS,
    MAX_INTERACTIVE_BODY_CHARS,
    MAX_LIST_BUTTON_LABEL_CHARS,
    MAX_LIST_ROWS,
    MAX_REPLY_BUTTONS,
    MAX_ROW_DESCRIPTION_CHARS,
    MAX_ROW_ID_CHARS,
    MAX_ROW_TITLE_CHARS,
    MAX_TEXT_CHARS,
)

# Graph error codes: 100 is an invalid parameter, 131009 an invalid parameter value.
INVALID_PARAMETER = 100
INVALID_PARAMETER_VALUE = 131009
SUPPORTED_TYPES = (
    "text",
    "interactive",
    "template",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "location",
)


class GraphValidationError(ValueError):
    """A send call the Cloud API would reject, with the Graph error code it would return."""

    def __init__(self, message: str, code: int = INVALID_PARAMETER_VALUE) -> None:
        super().__init__(message)
        self.code = code


def _require(condition: bool, message: str, code: int = INVALID_PARAMETER_VALUE) -> None:
    if not condition:
        raise GraphValidationError(message, code)


def _text_within(value: Any, max_chars: int, name: str) -> None:
    _require(isinstance(value, str) and value.strip() != "", f"{name} is required")
    _require(len(value) <= max_chars, f"{name} must be at most {max_chars} characters, got {len(value)}")


def validate_message(body: Any) -> None:
    """Raise GraphValidationError when `body` breaks a documented Cloud API limit."""
    _require(isinstance(body, dict), "request body must be a JSON object", INVALID_PARAMETER)
    _require(body.get("messaging_product") == "whatsapp", "messaging_product must be 'whatsapp'", INVALID_PARAMETER)
    _require(bool(str(body.get("to") or "").strip()), "parameter 'to' is required", INVALID_PARAMETER)
    message_type = body.get("type", "text")
    _require(message_type in SUPPORTED_TYPES, f"unsupported message type {message_type!r}", INVALID_PARAMETER)
    content = body.get(message_type)
    _require(isinstance(content, dict), f"parameter {message_type!r} is required", INVALID_PARAMETER)

    if message_type == "text":
        _text_within(content.get("body"), MAX_TEXT_CHARS, "text.body")
    elif message_type == "interactive":
        _validate_interactive(content)
    elif message_type == "template":
        _require(bool(content.get("name")), "template.name is required")
        _require(bool((content.get("language") or {}).get("code")), "template.language.code is required")


def _validate_interactive(interactive: dict[str, Any]) -> None:
    _text_within((interactive.get("body") or {}).get("text"), MAX_INTERACTIVE_BODY_CHARS, "interactive.body.text")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        _require(
            1 <= len(buttons) <= MAX_REPLY_BUTTONS,
            f"1 to {MAX_REPLY_BUTTONS} buttons allowed, got {len(buttons)}",
        )
        ids = [(button.get("reply") or {}).get("id") for button in buttons]
        _require(len(set(ids)) == len(ids), "button ids must be unique")
        for button in buttons:
            reply = button.get("reply") or {}
            _text_within(reply.get("id"), MAX_BUTTON_ID_CHARS, "button id")
            _text_within(reply.get("title"), MAX_BUTTON_TITLE_CHARS, "button title")
    elif interactive.get("type") == "list":
        _text_within(action.get("button"), MAX_LIST_BUTTON_LABEL_CHARS, "list button label")
        sections = action.get("sections") or []
        rows = [row for section in sections for row in section.get("rows") or []]
        _require(1 <= len(rows) <= MAX_LIST_ROWS, f"1 to {MAX_LIST_ROWS} rows allowed, got {len(rows)}")
        _require(len(sections) == 1 or all(s.get("title") for s in sections), "section titles are required")
        ids = [row.get("id") for row in rows]
        _require(len(set(ids)) == len(ids), "row ids must be unique")
        for row in rows:
            _text_within(row.get("id"), MAX_ROW_ID_CHARS, "row id")
            _text_within(row.get("title"), MAX_ROW_TITLE_CHARS, "row title")
            if "description" in row:
                _text_within(row["description"], MAX_ROW_DESCRIPTION_CHARS, "row description")
    else:
        raise GraphValidationError(f"unsupported interactive type {interactive.get('type')!r}")
