"""Keep each claimed WhatsApp message until the bot has handled it.

Revision ID: whatsapp_0002
Revises: whatsapp_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "whatsapp_0002"
down_revision = "whatsapp_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("whatsapp_processed_messages", sa.Column("payload", sa.Text(), nullable=True))
    op.add_column("whatsapp_processed_messages", sa.Column("completed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("whatsapp_processed_messages") as batch:
        batch.drop_column("completed_at")
        batch.drop_column("payload")
