"""Complaint tables: tickets, their history and the daily ticket counters.

Revision ID: complaints_0001
Revises: 0001_base
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "complaints_0001"
down_revision = "0001_base"
branch_labels = ("complaints",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(64), nullable=False),
        sa.Column("nama", sa.String(100), nullable=False),
        sa.Column("alamat", sa.String(300), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("telp", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("isi", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("last_reply", sa.Text(), nullable=True),
        sa.UniqueConstraint("ticket_number", name="uq_complaint_tickets_ticket_number"),
    )
    op.create_index("ix_complaint_tickets_status", "complaint_tickets", ["status"])
    op.create_index("ix_complaint_tickets_sender_id", "complaint_tickets", ["sender_id"])
    op.create_table(
        "complaint_ticket_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("complaint_tickets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_complaint_ticket_events_ticket_id", "complaint_ticket_events", ["ticket_id"])
    op.create_table(
        "complaint_ticket_counters",
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("complaint_ticket_counters")
    op.drop_index("ix_complaint_ticket_events_ticket_id", table_name="complaint_ticket_events")
    op.drop_table("complaint_ticket_events")
    op.drop_index("ix_complaint_tickets_sender_id", table_name="complaint_tickets")
    op.drop_index("ix_complaint_tickets_status", table_name="complaint_tickets")
    op.drop_table("complaint_tickets")
