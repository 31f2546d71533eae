"""The conversation tests' user messages, parsed by the trained model.

`rasa test core` replays the intents written in tests/conversations/ and checks
only the dialogue. This test runs each message's text through the model's NLU
and checks that it reaches the intent the story expects, so the free-text
phrasings of the conversation tests are tested too.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

from tools.stack import DEFAULT_MODEL

CONVERSATIONS_DIR = Path(__file__).parent / "conversations"
# "[CSO.123](kode_pendaftaran)" or '[x]{"entity": ...}' annotate an entity in story text.
_ENTITY_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def _user_steps() -> Iterator[Tuple[str, str, str]]:
    for path in sorted(CONVERSATIONS_DIR.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for story in document.get("stories", []):
            in_form = False
            for step in story.get("steps", []):
                if "active_loop" in step:
                    in_form = step["active_loop"] is not None
                if "user" not in step or "intent" not in step:
                    continue
                if in_form:
                    # Answers typed into a form are read as text, whatever their intent.
                    continue
                text = _ENTITY_ANNOTATION.sub(r"\1", step["user"]).strip()
                yield f"{path.stem}: {story['story']}: {text[:40]}", text, step["intent"]


USER_STEPS: List[Tuple[str, str, str]] = list(_user_steps())


@pytest.fixture(scope="module")
def agent():
    if not DEFAULT_MODEL.exists():
        pytest.skip(f"no trained model at {DEFAULT_MODEL}; run `make train` first")
    from rasa.core.agent import Agent

    return Agent.load(str(DEFAULT_MODEL))


@pytest.mark.parametrize(
    "text, intent", [(text, intent) for _, text, intent in USER_STEPS], ids=[step[0] for step in USER_STEPS]
)
def test_story_message_reaches_its_intent(agent, text: str, intent: str) -> None:
    parsed = asyncio.run(agent.parse_message(text))
    assert parsed["intent"]["name"] == intent, f"{text!r} -> {parsed['intent']}"


def test_conversations_have_user_messages() -> None:
    assert len(USER_STEPS) >= 50
