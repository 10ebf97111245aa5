"""care-team changes take effect everywhere (issue #14): session handovers.

Revision ID: 0009_careteam
Revises: 0008_dosing_settings

A session taken off a clinician's agenda by a care-team change keeps one row here: the kind and
time that clinician had booked, and who took it over (null: it waits for a clinician).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_careteam'
down_revision = '0008_dosing_settings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_handovers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('from_clinician_id', sa.Integer(), nullable=False),
        sa.Column('to_clinician_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['from_clinician_id'], ['users.id'], name=op.f('fk_session_handovers_from_clinician_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_session_handovers_session_id_therapy_sessions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_clinician_id'], ['users.id'], name=op.f('fk_session_handovers_to_clinician_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_handovers')),
    )
    with op.batch_alter_table('session_handovers', schema=None) as batch_op:
        batch_op.create_index('ix_session_handovers_from_starts', ['from_clinician_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_handovers_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('session_handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_handovers_session_id'))
        batch_op.drop_index('ix_session_handovers_from_starts')
    op.drop_table('session_handovers')
