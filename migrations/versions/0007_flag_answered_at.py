"""safety answers as they were given: flags keep when the patient answered; the check-in's
safety question may be unanswered (null), never assumed "no".

Revision ID: 0007_flag_answered_at
Revises: 0006_audit_chain

Existing flags get the recorded_at of the entry that raised them (else their raised_at).
Downgrade stores an unanswered safety question as false again (the old schema cannot hold null).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_flag_answered_at'
down_revision = '0006_audit_chain'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE safety_flags SET answered_at = COALESCE("
        "(SELECT recorded_at FROM checkins WHERE checkins.id = safety_flags.checkin_id), "
        "(SELECT recorded_at FROM assessments WHERE assessments.id = safety_flags.assessment_id), "
        "raised_at)"
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.alter_column('self_harm_thoughts', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    op.execute("UPDATE checkins SET self_harm_thoughts = false WHERE self_harm_thoughts IS NULL")
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.alter_column('self_harm_thoughts', existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
