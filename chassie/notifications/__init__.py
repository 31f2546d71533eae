"""Notifications to applicants when their licence is issued or rejected.

Plain modules without Rasa: the typed commands (`commands`), the tables
(`models`), subscriptions and the outbox (`store`), change detection and
template filling (`events`), settings (`settings`), the poll loop and sender
(`poller`), the push endpoint (`push`), the office listing (`listing`) and the
texts citizens read (`replies`). The process is `python -m chassie.notifier`.
"""

from chassie.notifications.commands import (
    CommandKind,
    SubscriptionCommand,
    parse_subscription_command,
)

__all__ = ["CommandKind", "SubscriptionCommand", "parse_subscription_command"]
