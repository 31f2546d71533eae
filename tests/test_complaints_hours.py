"""Complaint configuration, working hours in WITA and holidays."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from chassie.complaints.config import ComplaintConfig, ConfigError, config_from_mapping, load_config
from chassie.complaints.hours import WITA, WorkingCalendar, format_hours, format_moment

OFFICE_HOURS = {
    "monday": "08:00-16:00",
    "tuesday": "08:00-16:00",
    "wednesday": "08:00-16:00",
    "thursday": "08:00-16:00",
    "friday": "08:00-13:30",
}


def wita(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WITA)


@pytest.fixture
def calendar() -> WorkingCalendar:
    config = config_from_mapping(
        {
            "working_hours": OFFICE_HOURS,
            "local_holidays": [
                {"date": "2026-06-17", "name": "Hari Raya Galungan"},
                {"date": date(2026, 6, 18), "name": "Umanis Galungan"},
            ],
        },
        environ={},
    )
    return WorkingCalendar(config)


@pytest.mark.parametrize(
    "moment, open_now, starts_at",
    [
        (wita(2026, 12, 3, 10), True, wita(2026, 12, 3, 10)),  # Thursday morning
        (wita(2026, 12, 3, 7, 15), False, wita(2026, 12, 3, 8)),  # before opening
        (wita(2026, 12, 3, 16), False, wita(2026, 12, 4, 8)),  # closing time itself is closed
        (wita(2026, 12, 4, 14), False, wita(2026, 12, 7, 8)),  # Friday afternoon
        (wita(2026, 12, 5, 9), False, wita(2026, 12, 7, 8)),  # Saturday
        (wita(2026, 12, 24, 20), False, wita(2026, 12, 28, 8)),  # Christmas (and cuti bersama) in between
        (wita(2026, 6, 16, 9), False, wita(2026, 6, 19, 8)),  # Islamic New Year, then Galungan and Umanis Galungan
        (datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc), True, wita(2026, 12, 3, 9)),  # 01:00 UTC is 09:00 WITA
    ],
)
def test_answer_window(calendar: WorkingCalendar, moment: datetime, open_now: bool, starts_at: datetime) -> None:
    window = calendar.answer_window(moment)

    assert window.open_now == open_now
    assert window.starts_at == starts_at


def test_holiday_names(calendar: WorkingCalendar) -> None:
    assert calendar.holiday_name(date(2026, 6, 17)) == "Hari Raya Galungan"
    assert calendar.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert calendar.holiday_name(date(2026, 3, 19)) is not None  # Nyepi
    assert calendar.holiday_name(date(2026, 12, 3)) is None


def test_format_texts() -> None:
    config = config_from_mapping({"working_hours": OFFICE_HOURS}, environ={})

    assert format_hours(config) == "Senin–Kamis 08.00–16.00, Jumat 08.00–13.30 WITA"
    assert format_moment(wita(2026, 12, 7, 8)) == "Senin, 7 Desember 2026 pukul 08.00 WITA"


def test_team_numbers_are_normalised_and_env_overrides_file() -> None:
    from_file = config_from_mapping({"team_numbers": ["0811-0000-0001", "+62 811 0000 0002"]}, environ={})
    from_env = config_from_mapping(
        {"team_numbers": ["081100000001"]}, environ={"COMPLAINT_TEAM_NUMBERS": "081200000009, 6281200000008"}
    )

    assert from_file.team_numbers == {"6281100000001", "6281100000002"}
    assert from_file.is_team_member("6281100000001")
    assert not from_file.is_team_member("6281100000003")
    assert from_env.team_numbers == {"6281200000009", "6281200000008"}


@pytest.mark.parametrize(
    "data, setting",
    [
        ({"team_numbers": ["12345"]}, "team_numbers"),
        ({"working_hours": {"monday": "8-16"}}, "working_hours.monday"),
        ({"working_hours": {"monday": "16:00-08:00"}}, "working_hours.monday"),
        ({"working_hours": {"senin": "08:00-16:00"}}, "working_hours"),
        ({"local_holidays": [{"date": "17-06-2026"}]}, "local_holidays"),
    ],
)
def test_invalid_config_names_the_setting(data: dict, setting: str) -> None:
    with pytest.raises(ConfigError, match=setting.replace(".", r"\.")):
        config_from_mapping(data, environ={})


def test_shipped_defaults_load(tmp_path) -> None:
    config = load_config(environ={})

    assert isinstance(config, ComplaintConfig)
    assert config.working_hours[0] == (time(8), time(16))
    assert 5 not in config.working_hours
    assert 6 not in config.working_hours
    assert any(holiday.name == "Hari Raya Galungan" for holiday in config.local_holidays)


def test_config_file_from_env(tmp_path) -> None:
    path = tmp_path / "complaints.yml"
    path.write_text("team_numbers: ['081100000001']\nworking_hours:\n  saturday: '09:00-12:00'\n", encoding="utf-8")

    config = load_config(environ={"COMPLAINT_CONFIG_FILE": str(path)})

    assert config.team_numbers == {"6281100000001"}
    assert config.working_hours == {5: (time(9), time(12))}


def test_missing_config_file_is_reported(tmp_path) -> None:
    with pytest.raises(ConfigError, match="COMPLAINT_CONFIG_FILE"):
        load_config(environ={"COMPLAINT_CONFIG_FILE": str(tmp_path / "missing.yml")})
