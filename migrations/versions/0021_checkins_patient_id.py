"""checkins (patient_id, id): a patient's newest check-in id without walking the whole table (issue #16 item 7).

Revision ID: 0021_checkins_patient_id
Revises: 0020_summary_recent_checkins
"""
from alembic import op


revision = '0021_checkins_patient_id'
down_revision = '0020_summary_recent_checkins'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_checkins_patient_id', 'checkins', ['patient_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_checkins_patient_id', table_name='checkins')
