"""Notifications to applicants when their licence is issued or rejected.

Plain modules without Rasa. `commands` parses the typed commands, `models`
defines the tables and `store` keeps subscriptions and the outbox. `events`
detects changes and fills templates, `settings` reads the configuration,
`poller` polls and sends, and `push` serves the push endpoint. `listing` shows
the office what was sent and `replies` holds the texts citizens read. The
process is `python -m chassie.notifier`.
"""

from chassie.notifications.commands import (
    CommandKind,
    SubscriptionCommand,
    parse_subscription_command,
)

__all__ = ["CommandKind", "SubscriptionCommand", "parse_subscription_command"]
