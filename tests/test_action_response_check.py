"""The cached check of action server responses matches Rasa's own."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import components  # noqa: F401  (installs the cached check)
from components.action_response_check import _validate_action_result


def _action() -> RemoteAction:
    return RemoteAction("action_show_app", None)


def test_check_is_installed_on_rasa() -> None:
    assert RemoteAction._validate_action_result is _validate_action_result


def test_valid_response_passes() -> None:
    response = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "halo"}]}
    assert _action()._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": "not a list"},
        {"events": [{"no_event_key": 1}]},
        {"responses": "halo"},
    ],
)
def test_invalid_response_is_rejected_like_rasa(response: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        _action()._validate_action_result(response)
