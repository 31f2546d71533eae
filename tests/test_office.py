"""Office settings: app links and LKPM reporting windows."""

from __future__ import annotations

import datetime as dt

import pytest

from chassie.office import (
    LkpmWindow,
    load_office_settings,
    next_window_dates,
    parse_office_settings,
    render_app,
    render_lkpm,
)


def test_every_app_code_is_configured() -> None:
    settings = load_office_settings()
    assert [app.code for app in settings.apps] == ["31", "32", "33", "34", "35", "36"]


def test_oss_answer_has_description_and_link() -> None:
    text = render_app(load_office_settings().app_by_code("31"))
    assert "BKPM" in text
    assert "https://oss.go.id" in text
    assert text.endswith("Ketik *0* untuk kembali ke menu utama.")


def test_app_without_public_url_points_to_contacts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIPON_URL", raising=False)
    text = render_app(load_office_settings().app_by_code("34"))
    assert "http" not in text
    assert "menu *5*" in text


def test_app_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIPON_URL", "https://sipon.example.test")
    assert "https://sipon.example.test" in render_app(load_office_settings().app_by_code("34"))


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 12, 4), (dt.date(2027, 1, 1), dt.date(2027, 1, 10))),
        (dt.date(2027, 1, 10), (dt.date(2027, 1, 1), dt.date(2027, 1, 10))),
        (dt.date(2027, 1, 11), (dt.date(2028, 1, 1), dt.date(2028, 1, 10))),
    ],
)
def test_next_january_window(today: dt.date, expected: tuple) -> None:
    window = LkpmWindow(period="Triwulan IV", month=1, first_day=1, last_day=10)
    assert next_window_dates(window, today) == expected


def test_lkpm_answer_lists_periods_and_next_deadline() -> None:
    text = render_lkpm(load_office_settings().lkpm, dt.date(2026, 12, 4))
    assert "Semester I: 1–10 Juli" in text
    assert "Triwulan III: 1–10 Oktober" in text
    assert "Berikutnya: Triwulan IV 2026: 1–10 Januari 2027" in text
    assert "Berikutnya: Semester II 2026: 1–10 Januari 2027" in text
    for url in ("https://s.id/1jam1", "https://bit.ly/panduan_LKPM", "https://s.id/1jaqk"):
        assert url in text


def test_lkpm_next_window_in_spring() -> None:
    text = render_lkpm(load_office_settings().lkpm, dt.date(2027, 2, 1))
    assert "Berikutnya: Triwulan I 2027: 1–10 April 2027" in text
    assert "Berikutnya: Semester I 2027: 1–10 Juli 2027" in text


def test_invalid_window_is_rejected() -> None:
    raw = {
        "apps": [],
        "lkpm": {
            "explanation_url": "x",
            "simulation_url": "x",
            "video_url": "x",
            "schedules": [
                {
                    "business_size": "x",
                    "frequency": "x",
                    "windows": [{"period": "x", "month": 13, "first_day": 1, "last_day": 10}],
                }
            ],
        },
    }
    with pytest.raises(ValueError, match="invalid LKPM window"):
        parse_office_settings(raw)
