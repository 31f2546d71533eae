"""Deterministic intent classification for menu codes.

A citizen who types "3", "*3*", "nomor 3" or "72 CSO.202212345678" must get
that menu entry every time, whatever the trained classifier guesses. This
component runs after the classifiers and, when the message is a menu code,
replaces the intent with the code's intent at confidence 1 and the entities
with the code's argument (for example the registration code after 72).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from chassie.menu import (
    TRACKING_SYSTEM_BY_CODE,
    UNKNOWN_CODE_INTENT,
    MenuSelection,
    parse_menu_code,
)

logger = logging.getLogger(__name__)

TRACKING_SYSTEM_ENTITY = "tracking_system"
# The code a citizen typed that is not on the menu, quoted back in the answer.
MENU_CODE_ENTITY = "menu_code"


def _entity(name: str, value: str, start: int, end: int) -> Dict[Text, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: name,
        ENTITY_ATTRIBUTE_VALUE: value,
        ENTITY_ATTRIBUTE_START: start,
        ENTITY_ATTRIBUTE_END: end,
        EXTRACTOR: MenuCodeClassifier.__name__,
    }


def selection_entities(text: str, selection: MenuSelection) -> List[Dict[Text, Any]]:
    """Build the entities a menu selection carries (its argument, its system)."""
    entities = []
    if selection.intent == UNKNOWN_CODE_INTENT:
        start = max(text.find(selection.code), 0)
        entities.append(_entity(MENU_CODE_ENTITY, selection.code, start, start + len(selection.code)))
    if selection.code in TRACKING_SYSTEM_BY_CODE:
        code_start = text.find(selection.code)
        entities.append(
            _entity(
                TRACKING_SYSTEM_ENTITY,
                TRACKING_SYSTEM_BY_CODE[selection.code],
                code_start,
                code_start + len(selection.code),
            )
        )
    if selection.argument and selection.argument_entity:
        start = text.find(selection.argument)
        if start < 0:
            start = 0
        entities.append(
            _entity(selection.argument_entity, selection.argument, start, start + len(selection.argument))
        )
    return entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MenuCodeClassifier(GraphComponent):
    """Overrides the predicted intent when a message is a menu code."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the component's default config (it has no options)."""
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MenuCodeClassifier:
        """Create the component."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent and entities for every message that is a menu code."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            selection = self._select(text)
            if selection is None:
                continue

            intent = {INTENT_NAME_KEY: selection.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            message.set(ENTITIES, selection_entities(text, selection), add_to_output=True)
        return messages

    @staticmethod
    def _select(text: str) -> Optional[MenuSelection]:
        if text.startswith("/"):
            # "/intent" messages (button payloads) are resolved by Rasa itself.
            return None
        return parse_menu_code(text)
