"""dosing settings (issue #12): the clinic's pre-dose and discharge checklists and dose ranges per
route (JSON, null = the built-in defaults), heart-rate and SpO2 alert thresholds, and the checklist
labels each session was ticked against.

Revision ID: 0008_dosing_settings
Revises: 0007_flag_answered_at

Existing sessions keep no labels (null): their records show the built-in labels, the only ones
there were before this revision.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_dosing_settings'
down_revision = '0007_flag_answered_at'
branch_labels = None
depends_on = None

THRESHOLDS = (  # name, default, low, high (the check constraint is named as the column)
    ('alert_hr_above', 120, 60, 250),
    ('alert_hr_below', 50, 20, 100),
    ('alert_spo2_below', 92, 50, 100),
)
LISTS = ('predose_checklist', 'discharge_checklist', 'dose_ranges')


def upgrade():
    with op.batch_alter_table('clinic_settings') as b:
        for name, default, low, high in THRESHOLDS:
            b.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=str(default)))
            b.create_check_constraint(name, f'{name} >= {low} AND {name} <= {high}')
        for name in LISTS:
            b.add_column(sa.Column(name, sa.JSON(), nullable=True))
    with op.batch_alter_table('therapy_sessions') as b:
        b.add_column(sa.Column('checklist_labels', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('therapy_sessions') as b:
        b.drop_column('checklist_labels')
    with op.batch_alter_table('clinic_settings') as b:
        for name in reversed(LISTS):
            b.drop_column(name)
        for name, _default, _low, _high in reversed(THRESHOLDS):
            b.drop_constraint(op.f(f'ck_clinic_settings_{name}'), type_='check')
            b.drop_column(name)
