"""patient_summaries: each patient's caseload figures, kept current on every write (issue #16 item 2).

Revision ID: 0015_patient_summaries
Revises: 0014_calendar_initials

The table starts empty: run `flask rebuild-summaries` after upgrading (a caseload read also fills
any missing row).
"""
from alembic import op
import sqlalchemy as sa

TS = sa.DateTime(timezone=True)


revision = '0015_patient_summaries'
down_revision = '0014_calendar_initials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'patient_summaries',
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('need_flag', sa.Integer(), nullable=False),
        sa.Column('need_group', sa.Integer(), nullable=False),
        sa.Column('need_severity', sa.Float(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('not_improving', sa.Boolean(), nullable=False),
        sa.Column('open_flags', sa.Integer(), nullable=False),
        sa.Column('phq9_latest', sa.Float(), nullable=True),
        sa.Column('last_checkin', sa.Date(), nullable=True),
        sa.Column('inactive_from', TS, nullable=True),
        sa.Column('next_session', TS, nullable=True),
        sa.Column('refresh_at', TS, nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('computed_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('patient_id'),
    )
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_patient_summaries_need', ['need_flag', 'need_group', 'need_severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_summaries_refresh_at'), ['refresh_at'], unique=False)


def downgrade():
    op.drop_table('patient_summaries')
