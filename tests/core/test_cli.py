"""`flask demo-data` and `flask create-user` (CONTRACT.md)."""
from sqlalchemy import func, select

from katapp.extensions import db
from katapp.models import Assessment, CheckIn, JournalEntry, SafetyFlag, Screening, TherapySession, User, care_team


def _snapshot():
    return {
        "users": db.session.scalars(select(User.email).order_by(User.email)).all(),
        "checkins": db.session.execute(select(User.email, CheckIn.local_date, CheckIn.mood).join(CheckIn.patient)
                                       .order_by(User.email, CheckIn.recorded_at)).all(),
        "phq9": db.session.execute(select(User.email, Assessment.total).join(Assessment.patient)
                                   .where(Assessment.instrument == "phq9")
                                   .order_by(User.email, Assessment.recorded_at)).all(),
    }


def test_demo_data_contract(app, runner, auth):
    result = runner.invoke(args=["demo-data", "--patients", "6", "--days", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Password for every demo account: katapp-demo-password" in result.output
    emails = set(db.session.scalars(select(User.email)))
    assert {"admin@demo.katapp.org", "clinician1@demo.katapp.org", "clinician2@demo.katapp.org"} <= emails
    assert {f"patient{k}@demo.katapp.org" for k in range(1, 7)} <= emails
    by_email = {u.email: u for u in db.session.scalars(select(User))}
    for k in range(1, 7):
        p = by_email[f"patient{k}@demo.katapp.org"]
        expected = "clinician1" if k % 2 else "clinician2"
        assert [c.email.split("@")[0] for c in p.clinicians] == [expected]
        assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.patient_id == p.id)) > 40
        assert db.session.scalar(select(func.count()).select_from(Assessment).where(
            Assessment.patient_id == p.id, Assessment.instrument == "gad7")) >= 8
        assert db.session.scalar(select(func.count()).select_from(Screening).where(Screening.patient_id == p.id)) == 1
    p2, p3 = by_email["patient2@demo.katapp.org"], by_email["patient3@demo.katapp.org"]
    # patient2: uncleared contraindication, no ketamine sessions; all other screenings cleared or clean
    blocked = [s.patient_id for s in db.session.scalars(select(Screening)) if s.blocks_ketamine]
    assert blocked == [p2.id]
    assert db.session.scalar(select(func.count()).select_from(TherapySession).where(
        TherapySession.patient_id == p2.id, TherapySession.kind == "ketamine")) == 0
    # patient3: exactly one open safety flag, and nobody else has one
    flags = db.session.execute(select(SafetyFlag.patient_id).where(SafetyFlag.acknowledged_at.is_(None))).scalars().all()
    assert flags == [p3.id]
    # a series of ketamine sessions with doses and BP for those who had one
    p1 = by_email["patient1@demo.katapp.org"]
    done = db.session.scalars(select(TherapySession).where(TherapySession.patient_id == p1.id,
                                                           TherapySession.kind == "ketamine",
                                                           TherapySession.status == "completed")).all()
    assert len(done) >= 6 and all(s.dose_mg and s.route == "iv" and s.bp_before_systolic for s in done)
    assert db.session.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.shared)) > 0
    assert auth.on(app.test_client()).login("clinician1@demo.katapp.org", "katapp-demo-password").status_code == 302


def test_demo_data_is_deterministic_and_refuses_non_empty(app, runner):
    args = ["demo-data", "--patients", "4", "--days", "30", "--seed", "3"]
    assert runner.invoke(args=args).exit_code == 0
    first = _snapshot()
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "--reset" in refused.output
    assert runner.invoke(args=[*args, "--reset"]).exit_code == 0
    assert _snapshot() == first
    assert runner.invoke(args=["demo-data", "--patients", "4", "--days", "30", "--seed", "4", "--reset"]).exit_code == 0
    assert _snapshot()["phq9"] != first["phq9"]


def test_demo_data_password_option(app, runner, auth):
    assert runner.invoke(args=["demo-data", "--patients", "3", "--days", "14", "--password", "another long secret"]).exit_code == 0
    assert auth.on(app.test_client()).login("patient1@demo.katapp.org", "another long secret").status_code == 302


def test_create_user_reads_password_from_stdin(app, runner, clinician, auth):
    result = runner.invoke(args=["create-user", "--email", "New@Example.org", "--role", "patient",
                                 "--clinician", clinician.email], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert db.session.execute(select(care_team).where(care_team.c.patient_id == user.id)).first().clinician_id == clinician.id
    assert auth.on(app.test_client()).login("new@example.org", "a long enough password").status_code == 302


def test_create_user_refuses_weak_password_and_duplicates(app, runner, clinician):
    weak = runner.invoke(args=["create-user", "--email", "w@example.org", "--role", "admin"], input="short\n")
    assert weak.exit_code != 0 and "at least 12" in weak.output
    dup = runner.invoke(args=["create-user", "--email", clinician.email, "--role", "admin"], input="a long enough password\n")
    assert dup.exit_code != 0 and "already exists" in dup.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
