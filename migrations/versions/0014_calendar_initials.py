"""a clinician's calendar feed names patients' initials only when they opt in (issue #18).

Revision ID: 0014_calendar_initials
Revises: 0007_flag_answered_at

Existing feeds stop showing initials until their owner turns them on again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_calendar_initials'
down_revision = '0007_flag_answered_at'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_initials', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('calendar_initials')
