"""Deciding what a newly observed status means for a subscriber, and the template it needs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from chassie.notifications.models import EventKind
from chassie.notifications.settings import TemplateSettings
from chassie.tracking.codes import SYSTEM_MENU_CODES, SYSTEM_TITLES
from chassie.tracking.models import ApplicationStatus, StatusCategory
from chassie.tracking.replies import STATUS_WORDS

# WhatsApp rejects template parameters with newlines, tabs or more than four
# consecutive spaces, and an empty parameter; long values are cut.
MAX_PARAMETER_CHARS = 300
EMPTY_PARAMETER = "-"
_WHITESPACE = re.compile(r"\s+")

FINAL_EVENTS = {
    StatusCategory.ISSUED: EventKind.ISSUED,
    StatusCategory.FINISHED: EventKind.FINISHED,
    StatusCategory.REJECTED: EventKind.REJECTED,
}


@dataclass(frozen=True)
class Snapshot:
    """The status of an application as last recorded for a subscription."""

    category: str | None
    status_text: str | None
    tahapan: str | None

    @classmethod
    def of(cls, application: ApplicationStatus) -> Snapshot:
        """Take the fields a change is detected on from a looked-up application."""
        return cls(application.category.value, application.status_text, application.tahapan)


@dataclass(frozen=True)
class RenderedTemplate:
    """A template message ready for the outbox."""

    name: str
    language_code: str
    body_parameters: tuple[str, ...]
    quick_replies: tuple[str, ...]

    def to_json(self) -> str:
        """Serialise the parameters for the outbox's `parameters` column."""
        return json.dumps(
            {"body": list(self.body_parameters), "quick_replies": list(self.quick_replies)},
            ensure_ascii=False,
        )


def decide_event(previous: Snapshot | None, current: ApplicationStatus, notify_stages: bool) -> EventKind | None:
    """Return the event a subscriber is told about, or None when nothing worth a message changed.

    A final status is always an event, also on the first lookup after
    subscribing, because it may have been reached in between. A stage change
    is one only when stage notifications are enabled and a baseline exists.
    """
    final = FINAL_EVENTS.get(current.category)
    if final is not None:
        return final
    if previous is None or previous.category is None or not notify_stages:
        return None
    if (previous.tahapan, previous.status_text) != (current.tahapan, current.status_text):
        return EventKind.STAGE
    return None


def clean_parameter(value: str | None) -> str:
    """Make a value acceptable as a template body parameter."""
    text = _WHITESPACE.sub(" ", value or "").strip()
    if not text:
        return EMPTY_PARAMETER
    if len(text) > MAX_PARAMETER_CHARS:
        text = text[: MAX_PARAMETER_CHARS - 1].rstrip() + "…"
    return text


def variable_values(application: ApplicationStatus) -> dict[str, str | None]:
    """Return the value of every template variable for one application."""
    return {
        "kode_pendaftaran": application.kode_pendaftaran,
        "system_title": SYSTEM_TITLES.get(application.system, application.system),
        "menu_code": SYSTEM_MENU_CODES.get(application.system),
        "licence_type": application.licence_type,
        "tahapan": application.tahapan,
        "status_text": application.status_text,
        "status_words": STATUS_WORDS.get(application.category),
        "reason": application.reason,
    }


def render_template(
    templates: TemplateSettings, event: EventKind, application: ApplicationStatus
) -> RenderedTemplate | None:
    """Fill the event's template with the application's values, or None when no template is configured."""
    spec = templates.events.get(event)
    if spec is None:
        return None

    values = variable_values(application)
    return RenderedTemplate(
        name=spec.name,
        language_code=templates.language_code,
        body_parameters=tuple(clean_parameter(values[v]) for v in spec.variables),
        quick_replies=spec.quick_replies,
    )
