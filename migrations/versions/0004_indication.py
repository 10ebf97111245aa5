"""users.indication: what a patient is treated for (depression, PTSD, pain, other), nullable (#13)

Revision ID: 0004_indication
Revises: 0003_dosing
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_indication"
down_revision = "0003_dosing"
branch_labels = None
depends_on = None

KEYS = ("depression", "ptsd", "pain", "other")


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indication", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            "indication", "indication IS NULL OR indication IN (" + ", ".join(f"'{k}'" for k in KEYS) + ")"
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_indication"), type_="check")
        batch_op.drop_column("indication")
