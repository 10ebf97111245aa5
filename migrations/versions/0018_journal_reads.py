"""journal_reads: the first read of a shared journal entry by each care-team member (issue #18).

Revision ID: 0018_journal_reads
Revises: 0016_clinic_hours
"""
from alembic import op
import sqlalchemy as sa

revision = '0018_journal_reads'
down_revision = '0016_clinic_hours'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'journal_reads',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('reader_id', sa.Integer(), nullable=False),
        sa.Column('first_read_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reader_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('entry_id', 'reader_id'),
    )


def downgrade():
    op.drop_table('journal_reads')
