"""Working hours of the complaint team in WITA, with national and Bali holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from chassie.calendar_id import DAY_NAMES, MONTH_NAMES, WITA
from chassie.complaints.config import ComplaintConfig

# Looking further ahead than this for an open day means the configuration has
# no working days at all.
MAX_DAYS_AHEAD = 60


@dataclass(frozen=True)
class AnswerWindow:
    """When the team can answer a ticket filed at a given moment."""

    open_now: bool
    # The moment the team starts working again (equal to now when open).
    starts_at: datetime


@lru_cache(maxsize=32)
def _national_holidays(year: int, categories: tuple[str, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year, categories=categories, language="id")


class WorkingCalendar:
    """Tells whether the team works at a moment and when it next does."""

    def __init__(self, config: ComplaintConfig) -> None:
        self._config = config
        self._local = {holiday.day: holiday.name for holiday in config.local_holidays}

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the holiday on `day`, or None on an ordinary day."""
        if day in self._local:
            return self._local[day]
        return _national_holidays(day.year, self._config.holiday_categories).get(day)

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """Return the opening and closing time on `day`, or None when closed all day."""
        if self.holiday_name(day) is not None:
            return None
        return self._config.working_hours.get(day.weekday())

    def answer_window(self, now: datetime) -> AnswerWindow:
        """Return whether the team works at `now` and, if not, when it starts again."""
        local = now.astimezone(WITA)
        hours = self.hours_on(local.date())
        if hours is not None and hours[0] <= local.time() < hours[1]:
            return AnswerWindow(open_now=True, starts_at=local)
        if hours is not None and local.time() < hours[0]:
            return AnswerWindow(open_now=False, starts_at=datetime.combine(local.date(), hours[0], WITA))
        for offset in range(1, MAX_DAYS_AHEAD + 1):
            day = local.date() + timedelta(days=offset)
            hours = self.hours_on(day)
            if hours is not None:
                return AnswerWindow(open_now=False, starts_at=datetime.combine(day, hours[0], WITA))
        raise ValueError(f"No working day in the next {MAX_DAYS_AHEAD} days: check working_hours in the configuration.")


def format_day(moment: datetime) -> str:
    """Format a date the Indonesian way, e.g. "Senin, 7 Desember 2026"."""
    local = moment.astimezone(WITA)
    return f"{DAY_NAMES[local.weekday()]}, {local.day} {MONTH_NAMES[local.month - 1]} {local.year}"


def format_moment(moment: datetime) -> str:
    """Format a date and time in WITA, e.g. "Senin, 7 Desember 2026 pukul 08.00 WITA"."""
    local = moment.astimezone(WITA)
    return f"{format_day(local)} pukul {local:%H.%M} WITA"


def format_hours(config: ComplaintConfig) -> str:
    """Describe the weekly working hours, e.g. "Senin–Kamis 08.00–16.00, Jumat 08.00–13.30 WITA"."""
    groups: list[tuple[int, int, tuple[time, time]]] = []
    for weekday in sorted(config.working_hours):
        hours = config.working_hours[weekday]
        if groups and groups[-1][2] == hours and groups[-1][1] == weekday - 1:
            groups[-1] = (groups[-1][0], weekday, hours)
        else:
            groups.append((weekday, weekday, hours))
    parts = []
    for first, last, (opens, closes) in groups:
        days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]}–{DAY_NAMES[last]}"
        parts.append(f"{days} {opens:%H.%M}–{closes:%H.%M}")
    return ", ".join(parts) + " WITA"
