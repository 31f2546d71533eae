"""Notifier settings from the environment and template settings from YAML."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chassie.notifications.models import EventKind

DEFAULT_TEMPLATES_FILE = Path(__file__).resolve().parent / "templates.yml"
DEFAULT_LANGUAGE_CODE = "id"

DEFAULT_POLL_INTERVAL_SECONDS = 900.0
DEFAULT_POLL_JITTER = 0.2
DEFAULT_TICK_SECONDS = 5.0
DEFAULT_MAX_CONCURRENT_LOOKUPS = 4
DEFAULT_MAX_CONCURRENT_SENDS = 4
DEFAULT_BATCH_SIZE = 50
# A lease must outlast one Graph API call (10 s timeout, one attempt) by a wide
# margin: a lease that expires while its holder is still sending lets another
# notifier send the same message.
DEFAULT_LEASE_SECONDS = 120.0
# A poll lease only keeps two notifiers from looking up the same application
# at once (a duplicate lookup is harmless), so it is short: a notifier that
# dies while polling delays the next lookup by this much. It must still
# outlast one lookup (7 s with the default tracking timeouts).
DEFAULT_POLL_LEASE_SECONDS = 30.0
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 30.0
DEFAULT_RETRY_MAX_SECONDS = 3600.0
DEFAULT_PUSH_HOST = "127.0.0.1"
DEFAULT_PUSH_PORT = 5070

TEMPLATE_VARIABLES = (
    "kode_pendaftaran",
    "system_title",
    "menu_code",
    "licence_type",
    "tahapan",
    "status_text",
    "status_words",
    "reason",
)


class NotificationSettingsError(ValueError):
    """A notifier or template setting is invalid; the message names the setting."""


@dataclass(frozen=True)
class TemplateSpec:
    """The template sent for one event and the values of its body variables."""

    name: str
    variables: tuple[str, ...] = ()
    quick_replies: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateSettings:
    """Template language and the template of each event."""

    language_code: str
    events: Mapping[EventKind, TemplateSpec]

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> TemplateSettings:
        """Read NOTIFIER_TEMPLATES_FILE (default: the packaged templates.yml) and the env overrides."""
        env = os.environ if environ is None else environ
        path = Path(env.get("NOTIFIER_TEMPLATES_FILE") or DEFAULT_TEMPLATES_FILE)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise NotificationSettingsError(f"NOTIFIER_TEMPLATES_FILE {path} cannot be read: {error}") from error
        return cls.from_mapping(raw, env, source=str(path))

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], environ: Mapping[str, str], source: str = "templates"
    ) -> TemplateSettings:
        """Build the settings from a parsed YAML mapping, applying NOTIFIER_TEMPLATE_* overrides."""
        language = (
            environ.get("NOTIFIER_TEMPLATE_LANGUAGE") or str(raw.get("language") or DEFAULT_LANGUAGE_CODE)
        ).strip()
        events_raw = raw.get("events") or {}
        if not isinstance(events_raw, Mapping):
            raise NotificationSettingsError(f"{source}: 'events' must be a mapping")

        events: dict[EventKind, TemplateSpec] = {}
        for kind in EventKind:
            entry = events_raw.get(kind.value)
            override = environ.get(f"NOTIFIER_TEMPLATE_{kind.value.upper()}")
            if entry is None and not override:
                continue
            events[kind] = _template_spec(kind, entry or {}, override, source)
        return cls(language_code=language, events=events)


def _template_spec(kind: EventKind, entry: Mapping[str, Any], override: str | None, source: str) -> TemplateSpec:
    if not isinstance(entry, Mapping):
        raise NotificationSettingsError(f"{source}: events.{kind.value} must be a mapping")
    name = (override or str(entry.get("template") or "")).strip()
    if not name:
        raise NotificationSettingsError(f"{source}: events.{kind.value}.template is missing")

    variables = tuple(str(v) for v in entry.get("variables") or ())
    unknown = [v for v in variables if v not in TEMPLATE_VARIABLES]
    if unknown:
        raise NotificationSettingsError(
            f"{source}: events.{kind.value}.variables has unknown {unknown}; use {list(TEMPLATE_VARIABLES)}"
        )
    quick_replies = tuple(str(p) for p in entry.get("quick_replies") or ())
    return TemplateSpec(name=name, variables=variables, quick_replies=quick_replies)


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise NotificationSettingsError(f"{name} must be a number, got {raw!r}") from error
    if value < minimum:
        raise NotificationSettingsError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    return int(_float(env, name, default, minimum))


def _bool(env: Mapping[str, str], name: str) -> bool:
    return (env.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class NotifierSettings:
    """Timing, limits and endpoint of the notifier process."""

    poll_interval_seconds: float = DEFAULT_POLL_INTERVAL_SECONDS
    poll_jitter: float = DEFAULT_POLL_JITTER
    tick_seconds: float = DEFAULT_TICK_SECONDS
    max_concurrent_lookups: int = DEFAULT_MAX_CONCURRENT_LOOKUPS
    max_concurrent_sends: int = DEFAULT_MAX_CONCURRENT_SENDS
    batch_size: int = DEFAULT_BATCH_SIZE
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    poll_lease_seconds: float = DEFAULT_POLL_LEASE_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_base_seconds: float = DEFAULT_RETRY_BASE_SECONDS
    retry_max_seconds: float = DEFAULT_RETRY_MAX_SECONDS
    notify_stages: bool = False
    push_host: str = DEFAULT_PUSH_HOST
    push_port: int = DEFAULT_PUSH_PORT
    push_secret: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotifierSettings:
        """Read the NOTIFIER_* variables; raise NotificationSettingsError naming an invalid one."""
        env = os.environ if environ is None else environ
        jitter = _float(env, "NOTIFIER_POLL_JITTER", DEFAULT_POLL_JITTER)
        if jitter >= 1:
            raise NotificationSettingsError(f"NOTIFIER_POLL_JITTER is a fraction of the interval below 1, got {jitter}")
        return cls(
            poll_interval_seconds=_float(env, "NOTIFIER_POLL_INTERVAL", DEFAULT_POLL_INTERVAL_SECONDS, 0.1),
            poll_jitter=jitter,
            tick_seconds=_float(env, "NOTIFIER_TICK", DEFAULT_TICK_SECONDS, 0.05),
            max_concurrent_lookups=_int(env, "NOTIFIER_MAX_CONCURRENT_LOOKUPS", DEFAULT_MAX_CONCURRENT_LOOKUPS),
            max_concurrent_sends=_int(env, "NOTIFIER_MAX_CONCURRENT_SENDS", DEFAULT_MAX_CONCURRENT_SENDS),
            batch_size=_int(env, "NOTIFIER_BATCH_SIZE", DEFAULT_BATCH_SIZE),
            lease_seconds=_float(env, "NOTIFIER_LEASE", DEFAULT_LEASE_SECONDS, 1.0),
            poll_lease_seconds=_float(env, "NOTIFIER_POLL_LEASE", DEFAULT_POLL_LEASE_SECONDS, 1.0),
            max_attempts=_int(env, "NOTIFIER_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
            retry_base_seconds=_float(env, "NOTIFIER_RETRY_BASE", DEFAULT_RETRY_BASE_SECONDS),
            retry_max_seconds=_float(env, "NOTIFIER_RETRY_MAX", DEFAULT_RETRY_MAX_SECONDS),
            notify_stages=_bool(env, "NOTIFIER_NOTIFY_STAGES"),
            push_host=env.get("NOTIFIER_HOST") or DEFAULT_PUSH_HOST,
            push_port=_int(env, "NOTIFIER_PORT", DEFAULT_PUSH_PORT, minimum=0),
            push_secret=env.get("NOTIFIER_PUSH_SECRET") or "",
        )
