"""patient_summaries.recent_checkins: the overview's check-in days without reading the check-ins (issue #16 item 2).

Revision ID: 0020_summary_recent_checkins
Revises: 0019_summary_report

Existing rows get the column empty and a `refresh_at` of now, so the next caseload or overview read
recomputes them (or run `flask rebuild-summaries`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_summary_recent_checkins'
down_revision = '0019_summary_report'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recent_checkins', sa.BigInteger(), nullable=True))
    op.execute(sa.text('UPDATE patient_summaries SET refresh_at = CURRENT_TIMESTAMP'))


def downgrade():
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.drop_column('recent_checkins')
