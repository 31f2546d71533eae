"""Listing of the notifications sent, with the delivery status WhatsApp reported, for the office."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chassie.db import session_scope
from chassie.notifications.models import Notification
from chassie.privacy import mask_phone
from chassie.whatsapp.store import DeliveryStatusRecord

# A later callback can arrive before an earlier one, so the status shown is
# the furthest one reached; a failure outranks everything.
DELIVERY_STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class NotificationRow:
    """One outbox entry joined with its latest WhatsApp delivery status."""

    id: int
    created_at: datetime
    wa_id: str
    system: str
    kode_pendaftaran: str
    event: str
    template_name: str
    status: str
    attempts: int
    wamid: str | None
    sent_at: datetime | None
    delivery_status: str | None
    delivery_at: datetime | None
    error_code: int | None
    error: str | None

    def as_dict(self, show_phone: bool = False) -> dict[str, Any]:
        """Return the row as JSON-ready values, the phone masked unless `show_phone`."""
        data = asdict(self)
        data["wa_id"] = self.wa_id if show_phone else mask_phone(self.wa_id)
        for key in ("created_at", "sent_at", "delivery_at"):
            value = data[key]
            data[key] = value.isoformat(sep=" ", timespec="seconds") if value else None
        return data


def _latest_statuses(session: Any, wamids: Iterable[str]) -> dict[str, DeliveryStatusRecord]:
    wamids = [w for w in wamids if w]
    if not wamids:
        return {}
    latest: dict[str, DeliveryStatusRecord] = {}
    records = session.execute(select(DeliveryStatusRecord).where(DeliveryStatusRecord.message_id.in_(wamids))).scalars()
    for record in records:
        current = latest.get(record.message_id)
        if current is None or DELIVERY_STATUS_RANK.get(record.status, 0) > DELIVERY_STATUS_RANK.get(current.status, 0):
            latest[record.message_id] = record
    return latest


def list_notifications(
    database_url: str | None = None,
    status: str | None = None,
    kode_pendaftaran: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[NotificationRow]:
    """Return the newest notifications first, each with its latest delivery status."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status:
        query = query.where(Notification.status == status)
    if kode_pendaftaran:
        query = query.where(Notification.kode_pendaftaran == kode_pendaftaran)

    with session_scope(database_url) as session:
        notifications = session.execute(query).scalars().all()
        deliveries = _latest_statuses(session, (n.wamid for n in notifications))
        rows = []
        for notification in notifications:
            delivery = deliveries.get(notification.wamid or "")
            rows.append(
                NotificationRow(
                    id=notification.id,
                    created_at=notification.created_at,
                    wa_id=notification.wa_id,
                    system=notification.system,
                    kode_pendaftaran=notification.kode_pendaftaran,
                    event=notification.event,
                    template_name=notification.template_name,
                    status=notification.status,
                    attempts=notification.attempts,
                    wamid=notification.wamid,
                    sent_at=notification.sent_at,
                    delivery_status=delivery.status if delivery else None,
                    delivery_at=(delivery.status_at or delivery.recorded_at) if delivery else None,
                    # A failure WhatsApp reports after accepting the message
                    # (undeliverable number, say) outranks the send's own error.
                    error_code=(
                        delivery.error_code if delivery and delivery.error_code else notification.last_error_code
                    ),
                    error=(delivery.error_title if delivery and delivery.error_title else notification.last_error),
                )
            )
        return rows


TABLE_COLUMNS = (
    ("id", "id"),
    ("created_at", "created (UTC)"),
    ("wa_id", "to"),
    ("kode_pendaftaran", "kode_pendaftaran"),
    ("event", "event"),
    ("status", "status"),
    ("attempts", "tries"),
    ("delivery_status", "delivery"),
    ("error_code", "last error"),
)


def format_table(rows: list[NotificationRow], show_phone: bool = False) -> str:
    """Render rows as a plain-text table for a terminal."""
    records = [row.as_dict(show_phone) for row in rows]
    header = [title for _, title in TABLE_COLUMNS]
    cells = [[_cell(record, key) for key, _ in TABLE_COLUMNS] for record in records]
    widths = [max([len(title)] + [len(row[index]) for row in cells]) for index, title in enumerate(header)]
    lines = ["  ".join(title.ljust(width) for title, width in zip(header, widths, strict=True))]
    for row in cells:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for record in records:
        if record["error"]:
            lines.append(f"#{record['id']} last error: {record['error']}")
    return "\n".join(lines)


def _cell(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if key == "error_code":
        return str(value) if value else ""
    return "" if value is None else str(value)
