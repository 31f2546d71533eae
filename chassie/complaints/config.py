"""Configuration of the complaint service: team numbers, working hours, local holidays.

Read from a YAML file (`COMPLAINT_CONFIG_FILE`, default: `defaults.yml`
beside this module) with environment variables on top:
`COMPLAINT_TEAM_NUMBERS` (comma-separated WhatsApp numbers) replaces the
file's `team_numbers`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from chassie.complaints.validators import normalize_phone
from chassie.privacy import mask_phone

logger = logging.getLogger(__name__)

CONFIG_FILE_ENV = "COMPLAINT_CONFIG_FILE"
TEAM_NUMBERS_ENV = "COMPLAINT_TEAM_NUMBERS"
DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent / "defaults.yml"

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_HOLIDAY_CATEGORIES: tuple[str, ...] = ("public", "government")

_HOURS = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*$")


class ConfigError(ValueError):
    """The complaint configuration is invalid; the message names the setting."""


@dataclass(frozen=True)
class LocalHoliday:
    """A day off that the national calendar does not have (Bali's own days)."""

    day: date
    name: str


@dataclass(frozen=True)
class ComplaintConfig:
    """Settings of the complaint service."""

    team_numbers: frozenset[str] = frozenset()
    # Weekday index (Monday = 0) to opening and closing time in WITA.
    working_hours: Mapping[int, tuple[time, time]] = field(default_factory=dict)
    local_holidays: tuple[LocalHoliday, ...] = ()
    holiday_categories: tuple[str, ...] = DEFAULT_HOLIDAY_CATEGORIES

    def is_team_member(self, sender_id: str) -> bool:
        """Whether a WhatsApp sender id belongs to the complaint team."""
        number = normalize_phone(sender_id) or sender_id
        return number in self.team_numbers


def _parse_team_numbers(values: Any, source: str) -> frozenset[str]:
    if isinstance(values, str):
        values = [part for part in values.split(",") if part.strip()]
    numbers = set()
    for value in values or []:
        number = normalize_phone(str(value))
        if number is None:
            raise ConfigError(f"{source}: {mask_phone(str(value))} is not an Indonesian phone number (use 62…).")
        numbers.add(number)
    return frozenset(numbers)


def _parse_hours(text: str, weekday: str) -> tuple[time, time]:
    match = _HOURS.match(str(text))
    if not match:
        raise ConfigError(f"working_hours.{weekday}: {text!r} is not in the form 08:00-16:00.")
    opens = time(int(match.group(1)), int(match.group(2)))
    closes = time(int(match.group(3)), int(match.group(4)))
    if opens >= closes:
        raise ConfigError(f"working_hours.{weekday}: opening time must be before closing time.")
    return opens, closes


def _parse_working_hours(data: Mapping[str, Any]) -> dict[int, tuple[time, time]]:
    hours: dict[int, tuple[time, time]] = {}
    for weekday, text in (data or {}).items():
        if weekday not in WEEKDAYS:
            raise ConfigError(f"working_hours: unknown day {weekday!r}; use {', '.join(WEEKDAYS)}.")
        if text:
            hours[WEEKDAYS.index(weekday)] = _parse_hours(text, weekday)
    return hours


def _parse_local_holidays(entries: Any) -> tuple[LocalHoliday, ...]:
    holidays = []
    for entry in entries or []:
        try:
            day = entry["date"] if isinstance(entry["date"], date) else date.fromisoformat(str(entry["date"]))
            holidays.append(LocalHoliday(day=day, name=str(entry.get("name", "Hari libur daerah"))))
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(
                f"local_holidays: invalid entry {entry!r} ({error}); use date: YYYY-MM-DD and name."
            ) from error
    return tuple(sorted(holidays, key=lambda holiday: holiday.day))


def config_from_mapping(data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> ComplaintConfig:
    """Build the configuration from parsed YAML, with environment overrides."""
    environ = os.environ if environ is None else environ
    team_numbers = _parse_team_numbers(data.get("team_numbers"), "team_numbers")
    if environ.get(TEAM_NUMBERS_ENV):
        team_numbers = _parse_team_numbers(environ[TEAM_NUMBERS_ENV], TEAM_NUMBERS_ENV)
    return ComplaintConfig(
        team_numbers=team_numbers,
        working_hours=_parse_working_hours(data.get("working_hours") or {}),
        local_holidays=_parse_local_holidays(data.get("local_holidays")),
        holiday_categories=tuple(data.get("holiday_categories") or DEFAULT_HOLIDAY_CATEGORIES),
    )


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> ComplaintConfig:
    """Load the configuration from `path` (default: `COMPLAINT_CONFIG_FILE`, else defaults.yml)."""
    environ = os.environ if environ is None else environ
    path = path or Path(environ.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"{CONFIG_FILE_ENV}: cannot read {path}: {error}") from error
    config = config_from_mapping(data, environ)
    if not config.team_numbers:
        logger.warning(
            "No complaint team numbers configured (set %s or team_numbers in %s); new tickets reach nobody.",
            TEAM_NUMBERS_ENV,
            path,
        )
    logger.info("Complaint configuration loaded from %s: %d team numbers.", path, len(config.team_numbers))
    return config
