"""The whole data model, SQLAlchemy 2 typed.

Rules live in the database too: foreign keys, one `client_id` per owner, check constraints on
every score range. Times are stored in UTC (`UTCDateTime` returns aware datetimes on SQLite and
PostgreSQL alike); `local_date` columns hold the day in the patient's own time zone.
Models never commit and never touch Flask: services do.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.types import TypeDecorator

from katapp.clock import utcnow
from katapp.domain import vocabulary as vocab
from katapp.extensions import db

ROLES = ("patient", "clinician", "admin")
SESSION_KINDS = vocab.KIND_KEYS  # kept for old imports; new code reads katapp.domain.vocabulary
SESSION_STATUSES = vocab.STATUS_KEYS
ROUTES = vocab.ROUTE_KEYS
INSTRUMENT_KEYS = ("phq9", "gad7", "pcl5")
INSTRUMENT_DEFAULTS = {"phq9": True, "gad7": True, "pcl5": False}  # PCL-5 only once a clinician turns it on
INDEX_EVENT_MAX = 1000
FLAG_SOURCES = ("assessment", "checkin")
CONTRAINDICATIONS = vocab.CONDITION_KEYS
PROMPT_MOMENTS = ("before", "after_24h", "after_48h", "after_72h", "general")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _range(column: str, low: float, high: float, nullable: bool = True) -> str:
    rule = f"{column} >= {low} AND {column} <= {high}"
    return f"{column} IS NULL OR ({rule})" if nullable else rule


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive input is refused (a bug, not data)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


care_team = Table(
    "care_team",
    db.metadata,
    Column("clinician_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("patient_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", UTCDateTime(), nullable=False, default=utcnow),
    CheckConstraint("clinician_id <> patient_id", name="not_self"),
)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        # Emails are stored lower-cased, so the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("session_version >= 1", name="session_version"),
        CheckConstraint("country IS NULL OR (length(country) = 2 AND country = upper(country))", name="country"),
        CheckConstraint("phone IS NULL OR length(phone) <= 32", name="phone_length"),
        CheckConstraint("indication IS NULL OR " + _in("indication", vocab.INDICATION_KEYS), name="indication"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Patients: what they are treated for (vocabulary.INDICATIONS); None until a clinician records it.
    indication: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped on sign-out and password change: cookies carrying an older version stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Private calendar feed (schedule feature): a random token, None when the feed is off.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Staff only: whether their feed's events carry the patient's initials (off unless they opt in).
    calendar_initials: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Optional contact number (domain/crisis.normalize_phone), shown to the care team with a tel: link.
    phone: Mapped[str | None] = mapped_column(String(32))
    # ISO 3166 alpha-2; None means the clinic's country. Picks the crisis resources a patient sees.
    country: Mapped[str | None] = mapped_column(String(2))

    clinicians: Mapped[list[User]] = relationship(
        secondary=care_team,
        primaryjoin=lambda: User.id == care_team.c.patient_id,
        secondaryjoin=lambda: User.id == care_team.c.clinician_id,
        back_populates="patients",
        order_by=lambda: User.display_name,
    )
    patients: Mapped[list[User]] = relationship(
        secondary=care_team,
        primaryjoin=lambda: User.id == care_team.c.clinician_id,
        secondaryjoin=lambda: User.id == care_team.c.patient_id,
        back_populates="clinicians",
        order_by=lambda: User.display_name,
    )

    # Flask-Login protocol -------------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id and session version: a cookie made before a sign-out or password change fails."""
        return f"{self.id}:{self.session_version}"

    # Roles ------------------------------------------------------------------------------------
    @property
    def is_patient(self) -> bool:
        return self.role == "patient"

    @property
    def is_clinician(self) -> bool:
        return self.role == "clinician"

    @property
    def is_staff(self) -> bool:
        return self.role in ("clinician", "admin")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Invitation(db.Model):
    """A one-time link where an invited patient (or staff member) sets a password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex, never the token
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PasswordReset(db.Model):
    """A one-time, short-lived link (by email) where a user sets a new password. Only the token's
    sha256 is stored; a newer request or a used link ends it."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SecondFactor(db.Model):
    """A user's second factor (issue #15): a passkey (`kind` "passkey": WebAuthn credential id and
    public key) or an authenticator app (`kind` "totp": the shared secret, encrypted with a key
    derived from SECRET_KEY; `last_step` is the last 30-second step accepted, so a code works once)."""

    __tablename__ = "second_factors"
    __table_args__ = (CheckConstraint(_in("kind", ("passkey", "totp")), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(60))
    credential_id: Mapped[str | None] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    secret: Mapped[str | None] = mapped_column(String(255))  # Fernet token of the TOTP secret
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RecoveryCode(db.Model):
    """One of a user's ten one-time recovery codes; only its sha256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        CheckConstraint(_range("mood", 0, 10, nullable=False), name="mood"),
        CheckConstraint(_range("anxiety", 0, 10), name="anxiety"),
        CheckConstraint(_range("energy", 0, 10), name="energy"),
        CheckConstraint(_range("pain", 0, 10), name="pain"),
        CheckConstraint(_range("sleep_hours", 0, 24), name="sleep_hours"),
        CheckConstraint("note IS NULL OR length(note) <= 2000", name="note_length"),
        Index("ix_checkins_patient_recorded", "patient_id", "recorded_at"),
        Index("ix_checkins_patient_day", "patient_id", "local_date"),
        # The patient page's data version reads a patient's newest check-in id: without this index
        # PostgreSQL walks the primary key backwards from the clinic's newest check-in (520 ms at 10,000
        # patients x a year, issue #16 item 7; 7 ms with it).
        Index("ix_checkins_patient_id", "patient_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[dt.date] = mapped_column(Date)
    mood: Mapped[int] = mapped_column(Integer)
    anxiety: Mapped[int | None] = mapped_column(Integer)
    energy: Mapped[int | None] = mapped_column(Integer)
    pain: Mapped[int | None] = mapped_column(Integer)
    sleep_hours: Mapped[float | None] = mapped_column(Float)
    # The daily safety question: True, False or None (not answered: never stored as "no").
    self_harm_thoughts: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)

    patient: Mapped[User] = relationship()


class Assessment(db.Model):
    """A completed questionnaire (PHQ-9, GAD-7, PCL-5) with its item-level answers."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        CheckConstraint(_in("instrument", INSTRUMENT_KEYS), name="instrument"),
        CheckConstraint(
            "(instrument = 'phq9' AND total >= 0 AND total <= 27)"
            " OR (instrument = 'gad7' AND total >= 0 AND total <= 21)"
            " OR (instrument = 'pcl5' AND total >= 0 AND total <= 80)",
            name="total_range",
        ),
        # The published PHQ-9 / GAD-7 end with an unscored "how difficult" question (0-3), never in the total.
        CheckConstraint("difficulty IS NULL OR (instrument IN ('phq9', 'gad7') AND difficulty >= 0 AND difficulty <= 3)",
                        name="difficulty"),
        # The PCL-5's index event in the patient's own words: private to the care team.
        CheckConstraint(f"index_event IS NULL OR (instrument = 'pcl5' AND length(index_event) <= {INDEX_EVENT_MAX})",
                        name="index_event"),
        Index("ix_assessments_patient_instrument_recorded", "patient_id", "instrument", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    instrument: Mapped[str] = mapped_column(String(16))
    answers: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(32))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[dt.date] = mapped_column(Date)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    difficulty: Mapped[int | None] = mapped_column(Integer)  # "how difficult", unscored; None: not answered
    index_event: Mapped[str | None] = mapped_column(Text)  # PCL-5 only; the care team reads it, nobody else

    patient: Mapped[User] = relationship()


class InstrumentPlan(db.Model):
    """Per-patient switch for an instrument: the "PCL-5 on" switch a clinician turns on for a patient.

    No row means the default in INSTRUMENT_DEFAULTS (PHQ-9, GAD-7 on; PCL-5 off until a clinician turns it on).
    """

    __tablename__ = "instrument_plans"
    __table_args__ = (CheckConstraint(_in("instrument", INSTRUMENT_KEYS), name="instrument"),)

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    instrument: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SafetyFlag(db.Model):
    """A safety answer (PHQ-9 item 9 > 0, or "yes" to the daily safety question).

    Open until a clinician acknowledges it with a note.
    """

    __tablename__ = "safety_flags"
    __table_args__ = (
        CheckConstraint(_in("source", FLAG_SOURCES), name="source"),
        CheckConstraint(
            "(acknowledged_at IS NULL AND acknowledged_by_id IS NULL)"
            " OR (acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL"
            " AND note IS NOT NULL AND length(note) > 0)",
            name="acknowledged_with_note",
        ),
        CheckConstraint(
            "(source = 'assessment' AND assessment_id IS NOT NULL)"
            " OR (source = 'checkin' AND checkin_id IS NOT NULL)"
            " OR (assessment_id IS NULL AND checkin_id IS NULL)",
            name="source_ref",
        ),
        Index("ix_safety_flags_patient_open", "patient_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(255))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)  # when it reached the server
    # When the patient gave the answer (the entry's recorded_at): a "yes" kept offline arrives later.
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    # Set once, by `flask send-alerts`, when the flag was still open after the clinic's escalation_hours.
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class TherapySession(db.Model):
    """A booked session: ketamine, integration therapy, intake or follow-up.

    Not called "Session" (flask.session, db.session). Cancelled and no-show are statuses,
    never deletions. `ends_at` is stored so overlap checks are one indexed SQL range query.
    """

    __tablename__ = "therapy_sessions"
    __table_args__ = (
        CheckConstraint(_in("kind", SESSION_KINDS), name="kind"),
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint("route IS NULL OR " + _in("route", ROUTES), name="route"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(_range("dose_mg", 0.1, 1000), name="dose_mg"),
        CheckConstraint(_range("bp_before_systolic", 60, 260), name="bp_before_systolic"),
        CheckConstraint(_range("bp_before_diastolic", 30, 160), name="bp_before_diastolic"),
        CheckConstraint(_range("bp_after_systolic", 60, 260), name="bp_after_systolic"),
        CheckConstraint(_range("bp_after_diastolic", 30, 160), name="bp_after_diastolic"),
        CheckConstraint(
            "kind = 'ketamine' OR (dose_mg IS NULL AND route IS NULL)", name="dose_only_ketamine"
        ),
        CheckConstraint(_range("weight_kg", 20, 350), name="weight_kg"),
        CheckConstraint("bp_override_reason IS NULL OR length(bp_override_reason) <= 2000", name="override_length"),
        Index("ix_therapy_sessions_clinician_starts", "clinician_id", "starts_at"),
        Index("ix_therapy_sessions_patient_starts", "patient_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    series_id: Mapped[str | None] = mapped_column(String(36), index=True)  # induction series
    dose_mg: Mapped[float | None] = mapped_column(Float)
    route: Mapped[str | None] = mapped_column(String(20))
    bp_before_systolic: Mapped[int | None] = mapped_column(Integer)
    bp_before_diastolic: Mapped[int | None] = mapped_column(Integer)
    bp_after_systolic: Mapped[int | None] = mapped_column(Integer)
    bp_after_diastolic: Mapped[int | None] = mapped_column(Integer)
    bp_warning_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Dosing day (issue #12): the pre-dose check (bp_before_* is its BP, taken at predose_bp_at),
    # the dose (dosed_at = the dose or infusion start) and the discharge (completed_at).
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    weight_kg: Mapped[float | None] = mapped_column(Float)
    predose_bp_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    predose_ticked: Mapped[list[str]] = mapped_column(JSON, default=list)
    pregnancy_possible: Mapped[bool] = mapped_column(Boolean, default=False)
    bp_override_reason: Mapped[str | None] = mapped_column(Text)
    dose_reason: Mapped[str | None] = mapped_column(Text)  # why a dose outside the clinic's range
    dosed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    infusion_ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    discharge_ticked: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The labels of the ticked items as the clinic worded them then: {"predose": {key: label},
    # "discharge": {key: label}}, so the record survives the clinic renaming or removing an item.
    checklist_labels: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)
    # Where it happens: an address, a room, or a video link (https://...), shown to the patient (#17).
    location: Mapped[str | None] = mapped_column(String(500))

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    clinician: Mapped[User] = relationship(foreign_keys=[clinician_id])
    vitals: Mapped[list[VitalReading]] = relationship(
        back_populates="session", order_by=lambda: (VitalReading.at, VitalReading.id))
    adverse_events: Mapped[list[AdverseEvent]] = relationship(
        back_populates="session", order_by=lambda: (AdverseEvent.at, AdverseEvent.id))

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class VitalReading(db.Model):
    """Vital signs at one time point after a dose (issue #12 §3). Any value may be missing;
    `action_note` says what the clinician did about a reading past the alert thresholds."""

    __tablename__ = "vital_readings"
    __table_args__ = (
        CheckConstraint("(systolic IS NULL) = (diastolic IS NULL)", name="bp_pair"),
        CheckConstraint(_range("systolic", 60, 260), name="systolic"),
        CheckConstraint(_range("diastolic", 30, 160), name="diastolic"),
        CheckConstraint(_range("heart_rate", 20, 250), name="heart_rate"),
        CheckConstraint(_range("spo2", 50, 100), name="spo2"),
        CheckConstraint("moaas IS NULL OR " + _in("moaas", vocab.MOAAS_KEYS), name="moaas"),
        CheckConstraint("dissociation IS NULL OR " + _in("dissociation", vocab.DISSOCIATION_KEYS),
                        name="dissociation"),
        Index("ix_vital_readings_session_at", "session_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("therapy_sessions.id", ondelete="CASCADE"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    systolic: Mapped[int | None] = mapped_column(Integer)
    diastolic: Mapped[int | None] = mapped_column(Integer)
    heart_rate: Mapped[int | None] = mapped_column(Integer)
    spo2: Mapped[int | None] = mapped_column(Integer)
    moaas: Mapped[str | None] = mapped_column(String(1))
    dissociation: Mapped[str | None] = mapped_column(String(16))
    nausea: Mapped[bool] = mapped_column(Boolean, default=False)
    vomiting: Mapped[bool] = mapped_column(Boolean, default=False)
    action_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[TherapySession] = relationship(back_populates="vitals")


class AdverseEvent(db.Model):
    """Something that went wrong during a dosing session, with its severity (issue #12 §3)."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        CheckConstraint(_in("severity", vocab.SEVERITY_KEYS), name="severity"),
        CheckConstraint("length(description) > 0 AND length(description) <= 2000", name="description"),
        Index("ix_adverse_events_session_at", "session_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("therapy_sessions.id", ondelete="CASCADE"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)

    session: Mapped[TherapySession] = relationship(back_populates="adverse_events")


class Screening(db.Model):
    """Intake contraindication screening: one yes/no column per condition.

    Any "yes" is a contraindication flag; a ketamine session cannot be booked until a clinician
    clears it with a note. Every screening, an all-"no" one included, is signed off by a clinician
    (cleared_* columns: for an all-"no" screening they record the sign-off) before a dose.
    """

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(
            "(cleared_at IS NULL AND cleared_by_id IS NULL)"
            " OR (cleared_at IS NOT NULL AND cleared_by_id IS NOT NULL"
            " AND clear_note IS NOT NULL AND length(clear_note) > 0)",
            name="cleared_with_note",
        ),
        Index("ix_screenings_patient_recorded", "patient_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hallucinations: Mapped[bool] = mapped_column(Boolean, default=False)
    untreated_mania: Mapped[bool] = mapped_column(Boolean, default=False)
    cardiovascular_disease: Mapped[bool] = mapped_column(Boolean, default=False)
    uncontrolled_hyperthyroidism: Mapped[bool] = mapped_column(Boolean, default=False)
    intracranial_pressure: Mapped[bool] = mapped_column(Boolean, default=False)
    cystitis: Mapped[bool] = mapped_column(Boolean, default=False)
    liver_disease: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnancy: Mapped[bool] = mapped_column(Boolean, default=False)
    substance_use: Mapped[bool] = mapped_column(Boolean, default=False)
    interacting_medications: Mapped[bool] = mapped_column(Boolean, default=False)
    glaucoma: Mapped[bool] = mapped_column(Boolean, default=False)
    seizure_disorder: Mapped[bool] = mapped_column(Boolean, default=False)
    sleep_apnoea: Mapped[bool] = mapped_column(Boolean, default=False)
    recent_mi_stroke: Mapped[bool] = mapped_column(Boolean, default=False)
    ketamine_allergy: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[str | None] = mapped_column(Text)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    clear_note: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])

    @property
    def flags(self) -> list[str]:
        """The conditions answered "yes"."""
        return [name for name in CONTRAINDICATIONS if getattr(self, name)]

    @property
    def blocks_ketamine(self) -> bool:
        return bool(self.flags) and self.cleared_at is None

    @property
    def signed_off(self) -> bool:
        return self.cleared_at is not None


class JournalEntry(db.Model):
    """An integration journal entry: private to its author unless `shared`."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        CheckConstraint("length(body) <= 20000", name="body_length"),
        Index("ix_journal_entries_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(String(500))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapy_sessions.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)

    author: Mapped[User] = relationship()
    session: Mapped[TherapySession | None] = relationship()


class JournalRead(db.Model):
    """The first time a care-team member read a shared journal entry: the patient is told who read it
    and when. Kept when the entry is made private again (it was read); gone with the entry."""

    __tablename__ = "journal_reads"

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="CASCADE"), primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    first_read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reader: Mapped[User] = relationship()


class JournalPrompt(db.Model):
    """A clinic's own integration prompts, added to the built-in library."""

    __tablename__ = "journal_prompts"
    __table_args__ = (CheckConstraint(_in("moment", PROMPT_MOMENTS), name="moment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moment: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(db.Model):
    """Who did what to whose records, when, from where. Append-only: the flush guard below, and
    database triggers (katapp/audit/chain.py). Tamper-evident: `hash` covers the content and the
    previous event's hash, in `seq` order (the chain is written and verified by katapp/audit/chain.py)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_patient_at", "patient_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, insert_sentinel=True)  # lets a flush insert many in one statement
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    patient: Mapped[User | None] = relationship(foreign_keys=[patient_id])


class AuditChainHead(db.Model):
    """The audit chain's head (one row, id 1): the last event's `seq` and `hash`. Appending locks this
    row (an UPDATE first), so concurrent writers chain one after another; `audit-verify` compares the
    last event with it, so a deleted tail is caught too."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class ClinicSettings(db.Model):
    """The clinic's choices (one row, id 1). Defaults from shared/clinical/instruments.md."""

    __tablename__ = "clinic_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(_range("bp_limit_systolic", 90, 220, nullable=False), name="bp_sys"),
        CheckConstraint(_range("bp_limit_diastolic", 50, 140, nullable=False), name="bp_dia"),
        CheckConstraint(_range("pcl5_cutpoint", 20, 80, nullable=False), name="pcl5_cutpoint"),
        CheckConstraint(_range("phq9_every_days", 1, 90, nullable=False), name="phq9_every"),
        CheckConstraint(_range("gad7_every_days", 1, 90, nullable=False), name="gad7_every"),
        CheckConstraint(_range("pcl5_every_days", 1, 180, nullable=False), name="pcl5_every"),
        CheckConstraint(_range("series_length", 1, 30, nullable=False), name="series_length"),
        CheckConstraint(_range("escalation_hours", 1, 72, nullable=False), name="escalation_hours"),
        CheckConstraint("length(country) = 2 AND country = upper(country)", name="country"),
        CheckConstraint(_range("alert_bp_systolic", 120, 260, nullable=False), name="alert_bp_sys"),
        CheckConstraint(_range("alert_bp_diastolic", 70, 160, nullable=False), name="alert_bp_dia"),
        CheckConstraint(_range("screening_valid_days", 1, 730, nullable=False), name="screening_valid"),
        CheckConstraint(_range("early_start_minutes", 0, 120, nullable=False), name="early_start"),
        CheckConstraint(_range("observation_minutes_intranasal", 1, 600, nullable=False), name="observe_in"),
        CheckConstraint(_range("observation_minutes_other", 1, 600, nullable=False), name="observe_other"),
        CheckConstraint(_range("alert_hr_above", 60, 250, nullable=False), name="alert_hr_above"),
        CheckConstraint(_range("alert_hr_below", 20, 100, nullable=False), name="alert_hr_below"),
        CheckConstraint(_range("alert_spo2_below", 50, 100, nullable=False), name="alert_spo2_below"),
        CheckConstraint("closes_at > opens_at", name="opening_hours"),
    )

    DEFAULT_CRISIS_TEXT = (
        "If you are in crisis or thinking about harming yourself, get help now. In the US, call "
        "or text 988 (Suicide & Crisis Lifeline). Outside the US, call your local emergency number."
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    clinic_name: Mapped[str] = mapped_column(String(120), default="katapp clinic")
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    bp_limit_systolic: Mapped[int] = mapped_column(Integer, default=140)
    bp_limit_diastolic: Mapped[int] = mapped_column(Integer, default=90)
    pcl5_cutpoint: Mapped[int] = mapped_column(Integer, default=33)
    crisis_text: Mapped[str] = mapped_column(Text, default=DEFAULT_CRISIS_TEXT)
    phq9_every_days: Mapped[int] = mapped_column(Integer, default=7)
    gad7_every_days: Mapped[int] = mapped_column(Integer, default=7)
    pcl5_every_days: Mapped[int] = mapped_column(Integer, default=28)
    series_length: Mapped[int] = mapped_column(Integer, default=6)
    # The country of patients whose own country is not set (ISO 3166 alpha-2).
    country: Mapped[str] = mapped_column(String(2), default="US", server_default="US")
    # An open safety flag is escalated to the on-call clinicians and the admins after this long.
    escalation_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # {country code or "*": [{label, kind, value}]}; None: domain/crisis.DEFAULT_RESOURCES.
    crisis_resources: Mapped[dict[str, list[dict[str, str]]] | None] = mapped_column(JSON)
    # Dosing day (issue #12): defaults are katapp.domain.dosing.DEFAULTS (sources there).
    alert_bp_systolic: Mapped[int] = mapped_column(Integer, default=180)
    alert_bp_diastolic: Mapped[int] = mapped_column(Integer, default=110)
    screening_valid_days: Mapped[int] = mapped_column(Integer, default=180)
    early_start_minutes: Mapped[int] = mapped_column(Integer, default=15)
    observation_minutes_intranasal: Mapped[int] = mapped_column(Integer, default=120)
    observation_minutes_other: Mapped[int] = mapped_column(Integer, default=60)
    alert_hr_above: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    alert_hr_below: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    alert_spo2_below: Mapped[int] = mapped_column(Integer, default=92, server_default="92")
    # The clinic's own lists (admin: /admin/settings/dosing); None: the built-in ones of
    # katapp.domain.dosing (PREDOSE_CHECKLIST, DISCHARGE_CHECKLIST, DOSE_RANGES). Read through
    # katapp.clinic.dosing_settings().
    predose_checklist: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    discharge_checklist: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    dose_ranges: Mapped[dict[str, dict[str, Any]] | None] = mapped_column(JSON)
    # Clinicians and admins must sign in with a second factor (issue #15): on for a new clinic.
    require_staff_2fa: Mapped[bool] = mapped_column(Boolean, default=True)
    # Preparation notes per session kind ({kind: text}), shown on the patient's session page and in the
    # evening-before reminder (issue #17 item 4). None: no notes yet.
    prep_notes: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Booking defaults and opening times (issue #18): {kind: minutes} over the vocabulary's default_minutes
    # (None: those defaults); opening weekdays as digits, 0 = Monday ("01234": Monday to Friday); opening
    # hours in the clinicians' wall-clock time. Read through katapp.clinic.session_minutes / opening_hours.
    session_minutes: Mapped[dict[str, int] | None] = mapped_column(JSON)
    open_weekdays: Mapped[str] = mapped_column(String(7), default="01234", server_default="01234")
    opens_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(8), server_default="08:00:00")
    closes_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(18), server_default="18:00:00")
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Column defaults as plain values (for a settings row not yet stored)."""
        return {
            c.name: c.default.arg
            for c in cls.__table__.columns
            if c.default is not None and not callable(c.default.arg) and c.name != "id"
        }


# The clinicians who take a flag when a patient has no active care-team clinician, and escalations.
on_call = Table(
    "on_call",
    db.metadata,
    Column("clinician_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", UTCDateTime(), nullable=False, default=utcnow),
)

class SessionHandover(db.Model):
    """A session taken off a clinician's agenda by a care-team change (issue #14): the kind and time
    they had booked (kept, so their agenda can say "Reassigned" without showing anything current)
    and who took it over (`to_clinician_id` None: nobody on the care team was free, so the session
    waits for a clinician and the admins see it)."""

    __tablename__ = "session_handovers"
    __table_args__ = (Index("ix_session_handovers_from_starts", "from_clinician_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("therapy_sessions.id", ondelete="CASCADE"), index=True)
    from_clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    to_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


OUTBOX_KINDS = ("flag", "escalation", "account")  # account: password reset links and notices


class OutboxEmail(db.Model):
    """An email waiting to be sent by `flask send-alerts` (written in the user's transaction).

    Claimed by one sender at a time (`claim_token` until `claimed_until`); sent once (`sent_at`);
    a failure counts an attempt, keeps the error and waits until `send_after` to be tried again.
    """

    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # One email of each kind per flag and address: escalating twice cannot write it twice.
        UniqueConstraint("flag_id", "kind", "to_address"),
        Index("ix_outbox_emails_due", "sent_at", "send_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("safety_flags.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    send_after: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))

    flag: Mapped[SafetyFlag | None] = relationship()


REMINDER_KINDS = ("checkin", "questionnaire", "session", "after_session")  # katapp.domain.reminders.KINDS
LINK_FORMS = ("checkin", *INSTRUMENT_KEYS)
REMINDER_CHANNELS = ("push", "email")


class ReminderSettings(db.Model):
    """A patient's reminder choices (issue #17): off until they turn them on. Times are local
    minutes after midnight in the patient's zone."""

    __tablename__ = "reminder_settings"
    __table_args__ = (
        CheckConstraint(_range("checkin_minute", 0, 1439, nullable=False), name="checkin_minute"),
        CheckConstraint(_range("quiet_start_minute", 0, 1439, nullable=False), name="quiet_start"),
        CheckConstraint(_range("quiet_end_minute", 0, 1439, nullable=False), name="quiet_end"),
    )

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_minute: Mapped[int] = mapped_column(Integer, default=19 * 60)
    quiet_start_minute: Mapped[int] = mapped_column(Integer, default=21 * 60)
    quiet_end_minute: Mapped[int] = mapped_column(Integer, default=8 * 60)
    checkin_on: Mapped[bool] = mapped_column(Boolean, default=True)
    questionnaire_on: Mapped[bool] = mapped_column(Boolean, default=True)
    session_on: Mapped[bool] = mapped_column(Boolean, default=True)
    after_session_on: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PushSubscription(db.Model):
    """A browser's Web Push subscription (endpoint and keys from `pushManager.subscribe`).
    Removed when the push service answers 404 or 410 for it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reminder(db.Model):
    """One reminder for one patient, kind and local day (at most one: the unique constraint), written
    by `flask send-reminders` when decided and marked sent once pushed or emailed. Claimed like the
    email outbox (`claim_token` until `claimed_until`)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("patient_id", "kind", "local_date"),
        CheckConstraint(_in("kind", REMINDER_KINDS), name="kind"),
        CheckConstraint("channel IS NULL OR " + _in("channel", REMINDER_CHANNELS), name="channel"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_reminders_pending", "sent_at", "send_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[dt.date] = mapped_column(Date)
    ref: Mapped[str | None] = mapped_column(String(32))  # the questionnaire key or the session id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    send_after: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    channel: Mapped[str | None] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))


class ReminderLink(db.Model):
    """A single-use link from a reminder to one form (the check-in or one questionnaire), without a
    password. Only the token's sha256 is stored; it expires after 72 hours and ends when used."""

    __tablename__ = "reminder_links"
    __table_args__ = (CheckConstraint(_in("form", LINK_FORMS), name="form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    form: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PatientSummaryRow(db.Model):
    """One patient's caseload figures, kept current in the transaction of every write that changes them
    (katapp/dashboard/store.py); `flask rebuild-summaries` recomputes them all.

    Sorting columns (`need_*`) follow `outcomes.need_key`; `detail` holds the rest of the summary
    (outcome, PHQ-9/GAD-7/PCL-5 points, sparkline). What changes with time alone is not stored as a
    verdict: `inactive_from` (when "no check-in 3+ days" starts) is compared with the clock at read
    time, and `refresh_at` (a booked session starting, the series' gap running out) makes a read
    recompute the row first.
    """

    __tablename__ = "patient_summaries"
    __table_args__ = (Index("ix_patient_summaries_need", "need_flag", "need_group", "need_severity"),)

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    need_flag: Mapped[int] = mapped_column(Integer)
    need_group: Mapped[int] = mapped_column(Integer)
    need_severity: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(20))
    not_improving: Mapped[bool] = mapped_column(Boolean)
    open_flags: Mapped[int] = mapped_column(Integer)
    phq9_latest: Mapped[float | None] = mapped_column(Float)
    last_checkin: Mapped[dt.date | None] = mapped_column(Date)
    inactive_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    next_session: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    refresh_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    detail: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # What the clinic overview counts in SQL (issue #16 item 2): outcomes.exclusion_index (None:
    # counted in the clinic's rates), whether a post-series PHQ-9 was taken and what it showed,
    # days from the series' end to a relapse, and the day the patient joined (account made, or
    # first check-in when earlier) for check-in adherence.
    report_exclusion: Mapped[int | None] = mapped_column(Integer)
    post_assessed: Mapped[bool | None] = mapped_column(Boolean)
    response: Mapped[bool | None] = mapped_column(Boolean)
    remission: Mapped[bool | None] = mapped_column(Boolean)
    days_to_relapse: Mapped[int | None] = mapped_column(Integer)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    # The overview's check-in days (issue #16 item 2): bit i set when the patient checked in on
    # last_checkin - i days (i < store.RECENT_BITS), moved along by each check-in's UPDATE.
    recent_checkins: Mapped[int | None] = mapped_column(BigInteger)


class AuditLogIsAppendOnly(RuntimeError):
    pass


def _refuse_audit_changes(session, _flush_context, _instances) -> None:
    """Audit events are written once and never changed or deleted through the ORM."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit events are append-only")


event.listen(OrmSession, "before_flush", _refuse_audit_changes)
