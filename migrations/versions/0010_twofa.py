"""staff two-factor (issue #15 item 3): second factors (passkeys, authenticator apps), one-time
recovery codes, and the clinic setting that requires a second factor of clinicians and admins.

Revision ID: 0010_twofa
Revises: 0014_calendar_initials (was 0007_flag_answered_at; re-chained after merging main)

An existing clinic gets require_staff_2fa on, as a new one does: its staff enrol at their next
sign-in before they see patient data (an admin can turn it off in Clinic settings).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_twofa'
down_revision = '0014_calendar_initials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('second_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=True),
    sa.Column('public_key', sa.LargeBinary(), nullable=True),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=255), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('passkey', 'totp')", name=op.f('ck_second_factors_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_second_factors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_second_factors')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_second_factors_credential_id'))
    )
    with op.batch_alter_table('second_factors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_second_factors_user_id'), ['user_id'], unique=False)
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_staff_2fa', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('clinic_settings', schema=None) as batch_op:
        batch_op.drop_column('require_staff_2fa')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('second_factors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_second_factors_user_id'))
    op.drop_table('second_factors')
