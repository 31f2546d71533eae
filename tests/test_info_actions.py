"""Actions that answer menus 31-36 and 6 from office.yml."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.info import ActionMenuCodeUnknown, ActionShowApp, ActionShowLkpm


def _tracker(intent: str) -> Tracker:
    return Tracker(
        sender_id="6281234567890",
        slots={},
        latest_message={"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": ""},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    "intent, expected",
    [
        ("app_oss", "https://oss.go.id"),
        ("app_simbg", "https://simbg.pu.go.id"),
        ("app_sicantik", "https://sicantik.go.id"),
        ("app_simttd", "SIM TTD"),
        ("app_sipoin", "SIPOIN"),
    ],
)
def test_show_app_answers_the_asked_app(intent: str, expected: str) -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowApp().run(dispatcher, _tracker(intent), {}))
    assert len(dispatcher.messages) == 1
    assert expected in dispatcher.messages[0]["text"]


def test_show_app_without_app_intent_shows_apps_menu() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowApp().run(dispatcher, _tracker("greet"), {}))
    assert dispatcher.messages[0]["response"] == "utter_info_aplikasi"


def test_show_lkpm_answers_with_periods() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowLkpm().run(dispatcher, _tracker("info_lkpm"), {}))
    assert "Triwulan I" in dispatcher.messages[0]["text"]


def test_unknown_code_is_quoted_from_this_message() -> None:
    tracker = _tracker("menu_code_unknown")
    tracker.latest_message["entities"] = [{"entity": "menu_code", "value": "37", "start": 0, "end": 2}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionMenuCodeUnknown().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"] == "Mohon maaf, menu *37* tidak tersedia."


def test_unknown_code_without_entity_quotes_nothing() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionMenuCodeUnknown().run(dispatcher, _tracker("menu_code_unknown"), {}))
    assert dispatcher.messages[0]["text"] == "Mohon maaf, nomor tersebut tidak ada pada menu."
