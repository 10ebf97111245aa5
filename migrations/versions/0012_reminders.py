"""reminders (issue #17 items 1-4): reminder settings, push subscriptions, sent reminders, single-use
reminder links, preparation notes per session kind, a session's location.

Revision ID: 0012_reminders
Revises: 0010_twofa
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_reminders'
down_revision = '0010_twofa'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'reminder_settings',
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('checkin_minute', sa.Integer(), nullable=False),
        sa.Column('quiet_start_minute', sa.Integer(), nullable=False),
        sa.Column('quiet_end_minute', sa.Integer(), nullable=False),
        sa.Column('checkin_on', sa.Boolean(), nullable=False),
        sa.Column('questionnaire_on', sa.Boolean(), nullable=False),
        sa.Column('session_on', sa.Boolean(), nullable=False),
        sa.Column('after_session_on', sa.Boolean(), nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.CheckConstraint('checkin_minute >= 0 AND checkin_minute <= 1439', name=op.f('ck_reminder_settings_checkin_minute')),
        sa.CheckConstraint('quiet_start_minute >= 0 AND quiet_start_minute <= 1439', name=op.f('ck_reminder_settings_quiet_start')),
        sa.CheckConstraint('quiet_end_minute >= 0 AND quiet_end_minute <= 1439', name=op.f('ck_reminder_settings_quiet_end')),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_reminder_settings_patient_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_reminder_settings')),
    )
    op.create_table(
        'push_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('endpoint', sa.String(length=1000), nullable=False),
        sa.Column('p256dh', sa.String(length=200), nullable=False),
        sa.Column('auth', sa.String(length=100), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_subscriptions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
        sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint')),
    )
    op.create_index(op.f('ix_push_subscriptions_user_id'), 'push_subscriptions', ['user_id'], unique=False)
    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('send_after', TS, nullable=False),
        sa.Column('sent_at', TS, nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('claimed_until', TS, nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.CheckConstraint("kind IN ('checkin', 'questionnaire', 'session', 'after_session')", name=op.f('ck_reminders_kind')),
        sa.CheckConstraint("channel IS NULL OR channel IN ('push', 'email')", name=op.f('ck_reminders_channel')),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_reminders_attempts')),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_reminders_patient_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
        sa.UniqueConstraint('patient_id', 'kind', 'local_date', name=op.f('uq_reminders_patient_id_kind_local_date')),
    )
    op.create_index('ix_reminders_pending', 'reminders', ['sent_at', 'send_after'], unique=False)
    op.create_table(
        'reminder_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('form', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('expires_at', TS, nullable=False),
        sa.Column('used_at', TS, nullable=True),
        sa.CheckConstraint("form IN ('checkin', 'phq9', 'gad7', 'pcl5')", name=op.f('ck_reminder_links_form')),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_reminder_links_patient_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_reminder_links_token_hash')),
    )
    op.create_index(op.f('ix_reminder_links_patient_id'), 'reminder_links', ['patient_id'], unique=False)
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location', sa.String(length=500), nullable=True))
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prep_notes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.drop_column('prep_notes')
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.drop_column('location')
    op.drop_index(op.f('ix_reminder_links_patient_id'), table_name='reminder_links')
    op.drop_table('reminder_links')
    op.drop_index('ix_reminders_pending', table_name='reminders')
    op.drop_table('reminders')
    op.drop_index(op.f('ix_push_subscriptions_user_id'), table_name='push_subscriptions')
    op.drop_table('push_subscriptions')
    op.drop_table('reminder_settings')
