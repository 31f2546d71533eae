"""WhatsApp channel tables: processed message ids and delivery statuses.

Revision ID: whatsapp_0001
Revises: 0001_base
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "whatsapp_0001"
down_revision = "0001_base"
branch_labels = ("whatsapp",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_processed_messages",
        sa.Column("message_id", sa.String(255), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_whatsapp_processed_messages_expires_at", "whatsapp_processed_messages", ["expires_at"])
    op.create_table(
        "whatsapp_delivery_statuses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("recipient_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_at", sa.DateTime(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.String(255), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("message_id", "status", name="uq_whatsapp_status_message_status"),
    )
    op.create_index("ix_whatsapp_delivery_statuses_message_id", "whatsapp_delivery_statuses", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_whatsapp_delivery_statuses_message_id", "whatsapp_delivery_statuses")
    op.drop_table("whatsapp_delivery_statuses")
    op.drop_index("ix_whatsapp_processed_messages_expires_at", "whatsapp_processed_messages")
    op.drop_table("whatsapp_processed_messages")
