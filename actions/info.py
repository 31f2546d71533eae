"""Replies of the information menu that are built from office.yml."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chassie.commands import MENU_CODE_ENTITY
from chassie.menu import MENU_BY_CODE
from chassie.office import load_office_settings, office_today, render_app, render_lkpm
from chassie.privacy import mask_phone

logger = logging.getLogger(__name__)

APP_CODE_BY_INTENT = {entry.intent: entry.code for entry in MENU_BY_CODE.values() if entry.intent.startswith("app_")}


class ActionShowApp(Action):
    """Describe the licensing app the citizen asked about (codes 31-36)."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_show_app"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Send the app's description and link, or the apps menu if the app is unclear."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        app = load_office_settings().app_by_code(APP_CODE_BY_INTENT.get(intent or "", ""))
        if app is None:
            logger.warning(
                "No app for intent %s in conversation %s; showing the apps menu.", intent, mask_phone(tracker.sender_id)
            )
            dispatcher.utter_message(response="utter_info_aplikasi")
            return []

        dispatcher.utter_message(text=render_app(app))
        return []


class ActionShowLkpm(Action):
    """Explain LKPM reporting with the periods from office.yml (menu 6)."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_show_lkpm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Send the LKPM explanation and the next reporting windows."""
        dispatcher.utter_message(text=render_lkpm(load_office_settings().lkpm, office_today()))
        return []


class ActionMenuCodeUnknown(Action):
    """Say that the number typed is not on the menu (the main menu follows)."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_menu_code_unknown"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Quote the code of this message back, never one typed earlier."""
        codes = [
            entity.get("value")
            for entity in tracker.latest_message.get("entities") or []
            if entity.get("entity") == MENU_CODE_ENTITY
        ]
        if codes:
            dispatcher.utter_message(text=f"Mohon maaf, menu *{codes[0]}* tidak tersedia.")
        else:
            dispatcher.utter_message(text="Mohon maaf, nomor tersebut tidak ada pada menu.")
        return []
