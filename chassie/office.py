"""Office settings from office.yml and the replies built from them.

The licensing apps' links and the LKPM reporting windows change with the
office and the regulation, so they live in configuration rather than in the
domain's fixed responses.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from chassie.calendar_id import MONTH_NAMES, WITA
from chassie.menu import MENU_HINT

OFFICE_CONFIG_ENV = "OFFICE_CONFIG"
DEFAULT_OFFICE_CONFIG = Path(__file__).resolve().parent.parent / "office.yml"


@dataclass(frozen=True)
class App:
    """A licensing application of menu 3 and where to find it."""

    code: str
    name: str
    full_name: str
    description: str
    url: Optional[str]
    url_env: Optional[str]


@dataclass(frozen=True)
class LkpmWindow:
    """The days of one month in which one LKPM period is reported."""

    period: str
    month: int
    first_day: int
    last_day: int


@dataclass(frozen=True)
class LkpmSchedule:
    """How often a business size reports LKPM, and in which windows."""

    business_size: str
    frequency: str
    windows: tuple[LkpmWindow, ...]


@dataclass(frozen=True)
class LkpmSettings:
    """The LKPM links and reporting schedules."""

    explanation_url: str
    simulation_url: str
    video_url: str
    schedules: tuple[LkpmSchedule, ...]


@dataclass(frozen=True)
class OfficeSettings:
    """Everything office.yml configures."""

    apps: tuple[App, ...]
    lkpm: LkpmSettings

    def app_by_code(self, code: str) -> Optional[App]:
        """Return the app whose menu code is `code`, if any."""
        return next((app for app in self.apps if app.code == code), None)


def _parse_window(raw: dict) -> LkpmWindow:
    window = LkpmWindow(
        period=str(raw["period"]),
        month=int(raw["month"]),
        first_day=int(raw["first_day"]),
        last_day=int(raw["last_day"]),
    )
    if not 1 <= window.month <= 12 or not 1 <= window.first_day <= window.last_day <= 28:
        # Days up to 28 exist in every month, so no window can fall off its month.
        raise ValueError(f"invalid LKPM window in office.yml: {raw!r}")
    return window


def parse_office_settings(raw: dict) -> OfficeSettings:
    """Build the settings from the parsed YAML mapping, rejecting invalid values."""
    apps = tuple(
        App(
            code=str(item["code"]),
            name=str(item["name"]),
            full_name=str(item["full_name"]),
            description=" ".join(str(item["description"]).split()),
            url=item.get("url"),
            url_env=item.get("url_env"),
        )
        for item in raw["apps"]
    )
    lkpm_raw = raw["lkpm"]
    schedules = tuple(
        LkpmSchedule(
            business_size=str(item["business_size"]),
            frequency=str(item["frequency"]),
            windows=tuple(_parse_window(window) for window in item["windows"]),
        )
        for item in lkpm_raw["schedules"]
    )
    lkpm = LkpmSettings(
        explanation_url=str(lkpm_raw["explanation_url"]),
        simulation_url=str(lkpm_raw["simulation_url"]),
        video_url=str(lkpm_raw["video_url"]),
        schedules=schedules,
    )
    return OfficeSettings(apps=apps, lkpm=lkpm)


@lru_cache(maxsize=4)
def _load_office_settings(path: str) -> OfficeSettings:
    with open(path, encoding="utf-8") as handle:
        return parse_office_settings(yaml.safe_load(handle))


def load_office_settings() -> OfficeSettings:
    """Load office.yml (or the file named by `OFFICE_CONFIG`), cached per path."""
    return _load_office_settings(os.environ.get(OFFICE_CONFIG_ENV) or str(DEFAULT_OFFICE_CONFIG))


def app_url(app: App) -> Optional[str]:
    """Return the app's link: the public URL, else the one set in its environment variable."""
    if app.url:
        return app.url
    if app.url_env:
        return os.environ.get(app.url_env) or None
    return None


def render_app(app: App) -> str:
    """Build the reply for an app's menu code (31-36)."""
    url = app_url(app)
    link = (
        f"🌐 {url}"
        if url
        else "Tautan aplikasi ini dapat Bapak/Ibu tanyakan kepada petugas melalui kontak di menu *5*."
    )
    return f"*{app.name}* ({app.full_name})\n\n{app.description}\n\n{link}\n\n{MENU_HINT}"


def next_window_dates(window: LkpmWindow, today: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the window's next occurrence on or after today."""
    for year in (today.year, today.year + 1):
        last = dt.date(year, window.month, window.last_day)
        if last >= today:
            return dt.date(year, window.month, window.first_day), last
    raise AssertionError("unreachable: a window recurs every year")


def _format_window(window: LkpmWindow, first: dt.date, last: dt.date) -> str:
    # The January window reports on the year before it.
    reported_year = first.year - 1 if window.month == 1 else first.year
    return f"{window.period} {reported_year}: {first.day}–{last.day} {MONTH_NAMES[first.month - 1]} {first.year}"


def render_lkpm(settings: LkpmSettings, today: dt.date) -> str:
    """Build the LKPM reply (menu 6), with the next reporting window after `today`."""
    lines = [
        "*LKPM ONLINE*",
        "LKPM (Laporan Kegiatan Penanaman Modal) adalah laporan berkala pelaku usaha "
        "tentang perkembangan realisasi penanaman modal (investasi, tenaga kerja, "
        "produksi) serta kendala yang dihadapi. LKPM disampaikan secara daring melalui OSS.",
        "",
        "*Periode pelaporan:*",
    ]
    for schedule in settings.schedules:
        lines.append(f"• {schedule.business_size}: {schedule.frequency}")
        for window in schedule.windows:
            january_note = " tahun berikutnya" if window.month == 1 else ""
            lines.append(
                f"   - {window.period}: {window.first_day}–{window.last_day} "
                f"{MONTH_NAMES[window.month - 1]}{january_note}"
            )
        upcoming = min(
            ((next_window_dates(window, today), window) for window in schedule.windows),
            key=lambda item: item[0][0],
        )
        (first, last), window = upcoming
        lines.append(f"   _Berikutnya: {_format_window(window, first, last)}_")
    lines += [
        "",
        f"📘 Penjelasan LKPM: {settings.explanation_url}",
        f"🧮 Simulasi pengisian: {settings.simulation_url}",
        f"🎬 Video demo: {settings.video_url}",
        "",
        MENU_HINT,
    ]
    return "\n".join(lines)


def office_today() -> dt.date:
    """Return today's date in Denpasar."""
    return dt.datetime.now(WITA).date()
