"""Notification tables: subscriptions to an application and the notification outbox.

Revision ID: notifications_0001
Revises: 0001_base
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications_0001"
down_revision = "0001_base"
branch_labels = ("notifications",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("wa_id", sa.String(32), nullable=False),
        sa.Column("system", sa.String(16), nullable=False),
        sa.Column("kode_pendaftaran", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_category", sa.String(16), nullable=True),
        sa.Column("last_status_text", sa.String(200), nullable=True),
        sa.Column("last_tahapan", sa.String(200), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_poll_at", sa.DateTime(), nullable=False),
        sa.Column("poll_owner", sa.String(128), nullable=True),
        sa.Column("poll_lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_reason", sa.String(32), nullable=True),
        sa.UniqueConstraint("wa_id", "system", "kode_pendaftaran", name="uq_notification_subscriptions_target"),
    )
    op.create_index("ix_notification_subscriptions_wa_id", "notification_subscriptions", ["wa_id"])
    op.create_index("ix_notification_subscriptions_status", "notification_subscriptions", ["status"])
    op.create_index("ix_notification_subscriptions_next_poll_at", "notification_subscriptions", ["next_poll_at"])
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("notification_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(128), nullable=False),
        sa.Column("wa_id", sa.String(32), nullable=False),
        sa.Column("system", sa.String(16), nullable=False),
        sa.Column("kode_pendaftaran", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("template_name", sa.String(512), nullable=False),
        sa.Column("language_code", sa.String(16), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("wamid", sa.String(255), nullable=True),
        sa.Column("last_error_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("dedupe_key", name="uq_notification_outbox_dedupe_key"),
    )
    op.create_index("ix_notification_outbox_subscription_id", "notification_outbox", ["subscription_id"])
    op.create_index("ix_notification_outbox_status", "notification_outbox", ["status"])
    op.create_index("ix_notification_outbox_next_attempt_at", "notification_outbox", ["next_attempt_at"])
    op.create_index("ix_notification_outbox_wamid", "notification_outbox", ["wamid"])


def downgrade() -> None:
    op.drop_index("ix_notification_outbox_wamid", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_next_attempt_at", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_status", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_subscription_id", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_index("ix_notification_subscriptions_next_poll_at", table_name="notification_subscriptions")
    op.drop_index("ix_notification_subscriptions_status", table_name="notification_subscriptions")
    op.drop_index("ix_notification_subscriptions_wa_id", table_name="notification_subscriptions")
    op.drop_table("notification_subscriptions")
