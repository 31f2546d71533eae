"""Shared fixtures: the whole assistant running on free ports."""

from __future__ import annotations

import json
import urllib.request
from typing import Iterator, List

import pytest

from tools.stack import DEFAULT_MODEL, Stack, StackConfig, build_stack


class RunningAssistant:
    """A started stack and helpers to talk to it over the REST channel."""

    def __init__(self, config: StackConfig, stack: Stack) -> None:
        self.config = config
        self.stack = stack

    def send(self, sender: str, text: str, timeout: float = 30) -> List[dict]:
        """Post one message through the REST channel and return the bot's messages."""
        request = urllib.request.Request(
            self.config.url("rasa", "/webhooks/rest/webhook"),
            data=json.dumps({"sender": sender, "message": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)

    def reply_text(self, sender: str, text: str) -> str:
        """Post one message and return the bot's texts joined by blank lines."""
        return "\n\n".join(message.get("text", "") for message in self.send(sender, text))


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """Run the rasa server, action server and sandboxes once for the whole session."""
    if not DEFAULT_MODEL.exists():
        pytest.skip(f"no trained model at {DEFAULT_MODEL}; run `make train` first")
    config = StackConfig.on_free_ports(work_dir=tmp_path_factory.mktemp("stack"))
    stack = build_stack(config)
    try:
        stack.start()
        yield RunningAssistant(config, stack)
    finally:
        stack.stop()
