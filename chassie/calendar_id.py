"""Indonesian day and month names, and the office's time zone."""

from __future__ import annotations

from datetime import timedelta, timezone

# Denpasar keeps Central Indonesian Time (WITA, UTC+8), without daylight saving.
WITA = timezone(timedelta(hours=8), "WITA")

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
