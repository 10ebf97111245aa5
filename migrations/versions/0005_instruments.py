"""instruments as published (#13): the unscored "how difficult" answer, the PCL-5 index event,
and PCL-5 off by default (a clinician turns it on per patient)

Patients who already filled in a PCL-5 keep it on: an explicit "on" row is written for them, so
nobody who was being asked stops silently.

Revision ID: 0005_instruments
Revises: 0004_indication
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_instruments"
down_revision = "0004_indication"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("difficulty", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("index_event", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_assessments_difficulty"),
            "difficulty IS NULL OR (instrument IN ('phq9', 'gad7') AND difficulty >= 0 AND difficulty <= 3)",
        )
        batch_op.create_check_constraint(
            op.f("ck_assessments_index_event"), "index_event IS NULL OR (instrument = 'pcl5' AND length(index_event) <= 1000)"
        )
    op.execute(
        "INSERT INTO instrument_plans (patient_id, instrument, enabled, changed_at) "
        "SELECT DISTINCT a.patient_id, 'pcl5', true, CURRENT_TIMESTAMP FROM assessments a "
        "WHERE a.instrument = 'pcl5' AND NOT EXISTS (SELECT 1 FROM instrument_plans p "
        "WHERE p.patient_id = a.patient_id AND p.instrument = 'pcl5')"
    )


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assessments_index_event"), type_="check")
        batch_op.drop_constraint(op.f("ck_assessments_difficulty"), type_="check")
        batch_op.drop_column("index_event")
        batch_op.drop_column("difficulty")
