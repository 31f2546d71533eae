"""Deterministic intent classification for menu codes and commands.

A citizen who types "3", "*3*", "nomor 3" or "72 CSO.202212345678" must get
that menu entry every time, whatever the trained classifier guesses. The same
is true of the team's "#balas" commands, "cek tiket" and a pasted complaint
form. This component runs after the classifiers and, when
chassie.commands.recognise_command knows the message, replaces the intent with
that one at confidence 1 and the entities with the command's own.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

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

from chassie.commands import Command, recognise_command

logger = logging.getLogger(__name__)


def _rasa_entities(command: Command) -> List[Dict[Text, Any]]:
    return [
        {
            ENTITY_ATTRIBUTE_TYPE: entity.name,
            ENTITY_ATTRIBUTE_VALUE: entity.value,
            ENTITY_ATTRIBUTE_START: entity.start,
            ENTITY_ATTRIBUTE_END: entity.end,
            EXTRACTOR: MenuCodeClassifier.__name__,
        }
        for entity in command.entities
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MenuCodeClassifier(GraphComponent):
    """Overrides the predicted intent when a message is a menu code or a command."""

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
        """Set intent and entities for every message whose form fixes its meaning."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            command = recognise_command(text)
            if command is None:
                continue

            intent = {INTENT_NAME_KEY: command.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            message.set(ENTITIES, _rasa_entities(command), add_to_output=True)
        return messages
