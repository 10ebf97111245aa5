"""dosing day (issue #12): session lifecycle, pre-dose record, vitals, adverse events, screening
conditions, dosing settings

Revision ID: 0003_dosing
Revises: 0002_safety_alerts
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_dosing'
down_revision = '0002_safety_alerts'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('scheduled', 'completed', 'cancelled', 'no_show')"
NEW_STATUSES = "status IN ('scheduled', 'checked_in', 'dosed', 'completed', 'cancelled', 'no_show')"
CONDITIONS = ('pregnancy', 'substance_use', 'interacting_medications', 'glaucoma', 'seizure_disorder',
              'sleep_apnoea', 'recent_mi_stroke', 'ketamine_allergy')
SETTINGS = (  # name, default, low, high, constraint name
    ('alert_bp_systolic', 180, 120, 260, 'alert_bp_sys'),
    ('alert_bp_diastolic', 110, 70, 160, 'alert_bp_dia'),
    ('screening_valid_days', 180, 1, 730, 'screening_valid'),
    ('early_start_minutes', 15, 0, 120, 'early_start'),
    ('observation_minutes_intranasal', 120, 1, 600, 'observe_in'),
    ('observation_minutes_other', 60, 1, 600, 'observe_other'),
)
UTC = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('therapy_sessions') as b:
        b.drop_constraint(op.f('ck_therapy_sessions_status'), type_='check')
        b.create_check_constraint('status', NEW_STATUSES)
        b.add_column(sa.Column('checked_in_at', UTC, nullable=True))
        b.add_column(sa.Column('weight_kg', sa.Float(), nullable=True))
        b.add_column(sa.Column('predose_bp_at', UTC, nullable=True))
        b.add_column(sa.Column('predose_ticked', sa.JSON(), nullable=False, server_default='[]'))
        b.add_column(sa.Column('pregnancy_possible', sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column('bp_override_reason', sa.Text(), nullable=True))
        b.add_column(sa.Column('dose_reason', sa.Text(), nullable=True))
        b.add_column(sa.Column('dosed_at', UTC, nullable=True))
        b.add_column(sa.Column('infusion_ended_at', UTC, nullable=True))
        b.add_column(sa.Column('discharge_ticked', sa.JSON(), nullable=False, server_default='[]'))
        b.create_check_constraint('weight_kg', 'weight_kg IS NULL OR (weight_kg >= 20 AND weight_kg <= 350)')
        b.create_check_constraint('override_length',
                                  'bp_override_reason IS NULL OR length(bp_override_reason) <= 2000')
    with op.batch_alter_table('screenings') as b:
        for name in CONDITIONS:
            b.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('clinic_settings') as b:
        for name, default, low, high, check in SETTINGS:
            b.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=str(default)))
            b.create_check_constraint(check, f'{name} >= {low} AND {name} <= {high}')
    op.create_table(
        'vital_readings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('at', UTC, nullable=False),
        sa.Column('systolic', sa.Integer(), nullable=True),
        sa.Column('diastolic', sa.Integer(), nullable=True),
        sa.Column('heart_rate', sa.Integer(), nullable=True),
        sa.Column('spo2', sa.Integer(), nullable=True),
        sa.Column('moaas', sa.String(length=1), nullable=True),
        sa.Column('dissociation', sa.String(length=16), nullable=True),
        sa.Column('nausea', sa.Boolean(), nullable=False),
        sa.Column('vomiting', sa.Boolean(), nullable=False),
        sa.Column('action_note', sa.Text(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.CheckConstraint('(systolic IS NULL) = (diastolic IS NULL)', name=op.f('ck_vital_readings_bp_pair')),
        sa.CheckConstraint('systolic IS NULL OR (systolic >= 60 AND systolic <= 260)',
                           name=op.f('ck_vital_readings_systolic')),
        sa.CheckConstraint('diastolic IS NULL OR (diastolic >= 30 AND diastolic <= 160)',
                           name=op.f('ck_vital_readings_diastolic')),
        sa.CheckConstraint('heart_rate IS NULL OR (heart_rate >= 20 AND heart_rate <= 250)',
                           name=op.f('ck_vital_readings_heart_rate')),
        sa.CheckConstraint('spo2 IS NULL OR (spo2 >= 50 AND spo2 <= 100)', name=op.f('ck_vital_readings_spo2')),
        sa.CheckConstraint("moaas IS NULL OR moaas IN ('5', '4', '3', '2', '1', '0')",
                           name=op.f('ck_vital_readings_moaas')),
        sa.CheckConstraint("dissociation IS NULL OR dissociation IN ('none', 'mild', 'moderate', 'severe')",
                           name=op.f('ck_vital_readings_dissociation')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_vital_readings_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'],
                                name=op.f('fk_vital_readings_session_id_therapy_sessions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vital_readings')),
    )
    op.create_index('ix_vital_readings_session_at', 'vital_readings', ['session_id', 'at'], unique=False)
    op.create_table(
        'adverse_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('at', UTC, nullable=False),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.CheckConstraint("severity IN ('mild', 'moderate', 'severe')", name=op.f('ck_adverse_events_severity')),
        sa.CheckConstraint('length(description) > 0 AND length(description) <= 2000',
                           name=op.f('ck_adverse_events_description')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_adverse_events_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'],
                                name=op.f('fk_adverse_events_session_id_therapy_sessions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_adverse_events')),
    )
    op.create_index('ix_adverse_events_session_at', 'adverse_events', ['session_id', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_adverse_events_session_at', table_name='adverse_events')
    op.drop_table('adverse_events')
    op.drop_index('ix_vital_readings_session_at', table_name='vital_readings')
    op.drop_table('vital_readings')
    with op.batch_alter_table('clinic_settings') as b:
        for name, _default, _low, _high, check in SETTINGS:
            b.drop_constraint(op.f(f'ck_clinic_settings_{check}'), type_='check')
            b.drop_column(name)
    with op.batch_alter_table('screenings') as b:
        for name in CONDITIONS:
            b.drop_column(name)
    with op.batch_alter_table('therapy_sessions') as b:
        b.drop_constraint(op.f('ck_therapy_sessions_weight_kg'), type_='check')
        b.drop_constraint(op.f('ck_therapy_sessions_override_length'), type_='check')
        for name in ('checked_in_at', 'weight_kg', 'predose_bp_at', 'predose_ticked', 'pregnancy_possible',
                     'bp_override_reason', 'dose_reason', 'dosed_at', 'infusion_ended_at', 'discharge_ticked'):
            b.drop_column(name)
        b.drop_constraint(op.f('ck_therapy_sessions_status'), type_='check')
        b.create_check_constraint('status', OLD_STATUSES)
