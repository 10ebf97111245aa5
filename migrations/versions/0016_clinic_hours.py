"""clinic_settings: default session lengths per kind, opening days and hours (issue #18).

Revision ID: 0016_clinic_hours
Revises: 0015_patient_summaries

An existing clinic gets Monday to Friday, 08:00 to 18:00, and the built-in session lengths.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_clinic_hours'
down_revision = '0015_patient_summaries'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_minutes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('open_weekdays', sa.String(length=7), server_default='01234', nullable=False))
        batch_op.add_column(sa.Column('opens_at', sa.Time(), server_default='08:00:00', nullable=False))
        batch_op.add_column(sa.Column('closes_at', sa.Time(), server_default='18:00:00', nullable=False))
        batch_op.create_check_constraint(op.f('ck_clinic_settings_opening_hours'), 'closes_at > opens_at')


def downgrade():
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_clinic_settings_opening_hours'), type_='check')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('open_weekdays')
        batch_op.drop_column('session_minutes')
