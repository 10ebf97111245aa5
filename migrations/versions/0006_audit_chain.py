"""audit chain (seq, prev_hash, hash, head row, append-only triggers), password resets, account emails

Revision ID: 0006_audit_chain
Revises: 0005_instruments
Create Date: 2026-12-01 10:00:00

Existing audit events are chained in id order, then the columns become NOT NULL and the triggers
that refuse UPDATE and DELETE are created (last, since SQLite's batch mode recreates the table).
"""
from alembic import op
import sqlalchemy as sa

from katapp.audit.chain import GENESIS, event_hash, trigger_statements
from katapp.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0006_audit_chain'
down_revision = '0005_instruments'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('flag', 'escalation')"
NEW_KINDS = "kind IN ('flag', 'escalation', 'account')"


def upgrade():
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
    with op.batch_alter_table('outbox_emails', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_emails_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_emails_kind'), NEW_KINDS)
    for sql in trigger_statements(op.get_bind().dialect.name):
        op.execute(sql)


def _chain_existing_events():
    events = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('seq', sa.Integer),
                      sa.column('at', UTCDateTime()), sa.column('actor_id', sa.Integer),
                      sa.column('patient_id', sa.Integer), sa.column('action', sa.String),
                      sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
                      sa.column('detail', sa.String), sa.column('ip', sa.String),
                      sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    conn = op.get_bind()
    prev, seq = GENESIS, 0
    for row in conn.execute(sa.select(events).order_by(events.c.id)).all():
        seq += 1
        digest = event_hash(seq, row.at, row.actor_id, row.patient_id, row.action, row.object_type, row.object_id,
                            row.detail, row.ip, prev)
        conn.execute(events.update().where(events.c.id == row.id).values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    head = sa.table('audit_chain_head', sa.column('id'), sa.column('last_seq'), sa.column('last_hash'))
    conn.execute(head.insert().values(id=1, last_seq=seq, last_hash=prev))


def downgrade():
    for sql in trigger_statements(op.get_bind().dialect.name, drop=True):
        op.execute(sql)
    op.execute("DELETE FROM outbox_emails WHERE kind = 'account'")
    with op.batch_alter_table('outbox_emails', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_emails_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_emails_kind'), OLD_KINDS)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_at')
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))
    op.drop_table('password_resets')
