"""Office commands for notifications: `python -m chassie.notifications list [...]`.

`list` shows the newest notifications with their outbox status and the
delivery status WhatsApp reported for them (sent, delivered, read, failed).
"""

from __future__ import annotations

import argparse
import json
import sys

from chassie.notifications.listing import DEFAULT_LIMIT, format_table, list_notifications
from chassie.notifications.models import NotificationStatus


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(prog="python -m chassie.notifications")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list notifications with their delivery status")
    listing.add_argument(
        "--status",
        choices=[s.value for s in NotificationStatus],
        help="only notifications in this outbox status",
    )
    listing.add_argument("--kode", help="only notifications of this kode_pendaftaran")
    listing.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="maximum rows, newest first")
    listing.add_argument("--json", action="store_true", help="print one JSON object per line")
    listing.add_argument("--show-phone", action="store_true", help="print full WhatsApp numbers instead of masked ones")
    listing.add_argument("--database-url", help="database to read (default: DATABASE_URL)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return the exit status."""
    args = build_parser().parse_args(argv)
    rows = list_notifications(args.database_url, args.status, args.kode, args.limit)
    if args.json:
        for row in rows:
            print(json.dumps(row.as_dict(args.show_phone), ensure_ascii=False))
    else:
        print(format_table(rows, args.show_phone))
    return 0


if __name__ == "__main__":
    sys.exit(main())
