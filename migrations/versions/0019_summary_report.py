"""patient_summaries: the columns the clinic overview counts in SQL (issue #16 item 2).

Revision ID: 0019_summary_report
Revises: 0018_journal_reads

Existing rows get the new columns empty and a `refresh_at` of now, so the next caseload or
overview read recomputes them (or run `flask rebuild-summaries`).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_summary_report'
down_revision = '0018_journal_reads'
branch_labels = None
depends_on = None

COLUMNS = (('report_exclusion', sa.Integer()), ('post_assessed', sa.Boolean()), ('response', sa.Boolean()),
           ('remission', sa.Boolean()), ('days_to_relapse', sa.Integer()), ('joined_on', sa.Date()))


def upgrade():
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    op.execute(sa.text('UPDATE patient_summaries SET refresh_at = CURRENT_TIMESTAMP'))


def downgrade():
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
