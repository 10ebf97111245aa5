"""Dosing day (issue #12): the ketamine session's lifecycle, the pre-dose hard stop, the dose in
mg/kg, vital-sign alerts and the discharge checks, over plain values.

Services build the facts (`PreDose`, `Screening`, `Reading`) from rows and the user's clock,
call these functions, and turn a non-empty list of `Check`s into a 422 whose `fields` are
`as_fields(checks)`. Nothing here reads a clock, a database or a request.

Clinical sources (each default below is a clinic setting, `DosingSettings`):
- /work/shared/clinical/instruments.md: "defer when resting BP is above 140/90"; IV 0.5 mg/kg over
  40 minutes; BP peaks around 40 minutes after the dose; the conditions to treat before ketamine;
  a series ends after a gap longer than 21 days.
- SPRAVATO (esketamine) US prescribing information and REMS (Janssen, 2019-2023): 56 mg or 84 mg
  per treatment session; assess BP before dosing; reassess it about 40 minutes after the dose and
  as warranted; observe the patient for at least 2 hours, until they are clinically stable and
  ready to leave; a patient with BP above 140/90 before dosing needs a risk/benefit decision.
- Sanacora et al., "A Consensus Statement on the Use of Ketamine in the Treatment of Mood
  Disorders", JAMA Psychiatry 2017;74(4):399-405: 0.5 mg/kg IV over 40 minutes; baseline and
  repeated vital signs; pregnancy and substance-use screening; someone to take the patient home.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from katapp.domain.scheduling import bp_exceeds, local_date, parse_bp
from katapp.domain.vocabulary import CONDITION, DISSOCIATION, MOAAS, ROUTE_KEYS, SEVERITY, Term  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------

SCHEDULED, CHECKED_IN, DOSED, DISCHARGED = "scheduled", "checked_in", "dosed", "discharged"
CANCELLED, NO_SHOW = "cancelled", "no_show"

# The ketamine session's statuses in order. (At merge these belong in vocabulary.SESSION_STATUSES;
# "discharged" is the ketamine session's "completed".)
LIFECYCLE: tuple[Term, ...] = (
    Term(SCHEDULED, "scheduled", "Scheduled"),
    Term(CHECKED_IN, "checked in", "Checked in"),
    Term(DOSED, "dosed", "Dosed"),
    Term(DISCHARGED, "discharged", "Discharged"),
    Term(CANCELLED, "cancelled", "Cancelled"),
    Term(NO_SHOW, "no-show", "No-show"),
)
LIFECYCLE_KEYS = tuple(t.key for t in LIFECYCLE)

# Who may go where. Once dosed, a patient is observed until discharge: a dosed session is never
# cancelled or marked a no-show. A checked-in patient may still be sent home undosed (cancelled),
# e.g. BP above the limit; a no-show is someone who never arrived.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    SCHEDULED: frozenset({CHECKED_IN, CANCELLED, NO_SHOW}),
    CHECKED_IN: frozenset({DOSED, CANCELLED}),
    DOSED: frozenset({DISCHARGED}),
    DISCHARGED: frozenset(),
    CANCELLED: frozenset(),
    NO_SHOW: frozenset(),
}
# The step that needs the pre-dose checks, and the one that needs the discharge checks.
GUARDED = {DOSED: "predose", DISCHARGED: "discharge"}


def next_statuses(current: str) -> tuple[str, ...]:
    """Return the statuses a session in `current` may move to, in lifecycle order (the buttons
    a page offers). Raises ValueError for an unknown status."""
    if current not in TRANSITIONS:
        raise ValueError(f"unknown session status: {current!r}")
    return tuple(key for key in LIFECYCLE_KEYS if key in TRANSITIONS[current])


def check_move(current: str, target: str) -> None:
    """Return None when `current` → `target` is allowed; raise ValueError with a sentence for a
    person otherwise (unknown status, a step skipped, going back, leaving a final status).

    Allowed is not enough to move: into DOSED the caller also runs `predose_checks`, into
    DISCHARGED `discharge_checks` (see `GUARDED`).
    """
    allowed = next_statuses(current)
    if target not in TRANSITIONS:
        raise ValueError(f"unknown session status: {target!r}")
    if target in allowed:
        return
    if not allowed:
        raise ValueError(f"this session is already {_status_label(current)}; its status cannot change")
    options = " or ".join(_status_label(key) for key in allowed)
    raise ValueError(f"a {_status_label(current)} session can next be {options}, not {_status_label(target)}")


def _status_label(key: str) -> str:
    return next(t.label for t in LIFECYCLE if t.key == key)


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------

PREGNANCY_POSSIBLE = "pregnancy_possible"  # a circumstance: the patient could be pregnant


@dataclass(frozen=True)
class ChecklistItem:
    """One tick box. `applies_when` names a circumstance (e.g. PREGNANCY_POSSIBLE) without which
    the item is not asked; "" means always."""

    key: str
    label: str
    applies_when: str = ""


@dataclass(frozen=True)
class DoseRange:
    """The clinic's usual dose for a route: mg/kg from `min_mg_per_kg` to `max_mg_per_kg`
    inclusive, or, when `fixed_mg` is set, only those doses in mg (esketamine nasal spray).
    `infusion_minutes` is the planned infusion length for IV."""

    route: str
    min_mg_per_kg: float = 0.0
    max_mg_per_kg: float = 0.0
    fixed_mg: tuple[float, ...] = ()
    infusion_minutes: int | None = None

    def __post_init__(self) -> None:
        if self.route not in ROUTE_KEYS:
            raise ValueError(f"unknown route: {self.route!r}")
        if self.fixed_mg:
            if any(mg <= 0 for mg in self.fixed_mg):
                raise ValueError("fixed doses must be positive")
        elif not 0 < self.min_mg_per_kg <= self.max_mg_per_kg:
            raise ValueError("a dose range needs 0 < minimum ≤ maximum mg/kg")


# Defaults. Fasting: SPRAVATO label (no food 2 h, no liquids 30 min before); consent, escort and
# pregnancy test: Sanacora 2017 and the REMS (no driving until the next day after a good sleep).
PREDOSE_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("fasting", "Fasting as instructed (no food 2 h, no drinks 30 min before)"),
    ChecklistItem("escort", "Escort home arranged (no driving until the next day)"),
    ChecklistItem("consent", "Signed consent on file"),
    ChecklistItem("pregnancy_test", "Pregnancy test negative today", applies_when=PREGNANCY_POSSIBLE),
)
# Discharge readiness (REMS: "clinically stable and ready to leave"; Sanacora 2017).
DISCHARGE_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("alert_oriented", "Alert and oriented"),
    ChecklistItem("vitals_baseline", "Vital signs near baseline"),
    ChecklistItem("escort_present", "Escort present to take the patient home"),
)
DOSE_RANGES: tuple[DoseRange, ...] = (
    # 0.5 mg/kg over 40 min is the studied standard (instruments.md; Sanacora 2017); up to
    # 1.0 mg/kg was used in dose-ranging trials (Fava et al., Mol Psychiatry 2020).
    DoseRange("iv", 0.5, 1.0, infusion_minutes=40),
    # IM: clinic protocols commonly 0.5-1.0 mg/kg (a clinic setting; no label dose exists).
    DoseRange("im", 0.5, 1.0),
    # Sublingual / oral: lower bioavailability (about 20-30 %), so higher mg/kg; e.g. 1.0-3.0.
    DoseRange("sublingual_oral", 1.0, 3.0),
    # Intranasal = esketamine (SPRAVATO): 56 mg or 84 mg per session, never by weight.
    DoseRange("intranasal", fixed_mg=(56.0, 84.0)),
)


@dataclass(frozen=True)
class DosingSettings:
    """A clinic's dosing-day rules. Every field has the default given in the module docstring's
    sources; a clinic may change any of them (the constructor refuses nonsense with ValueError).

    BP limits read "systolic/diastolic". `bp_limit`: dosing is deferred when either value is
    above it (140/90 itself is fine). `alert_bp`: a reading at or above either value alerts.
    Heart rate alerts above `alert_hr_above` or below `alert_hr_below`; SpO2 below
    `alert_spo2_below` % (compare NEWS2, Royal College of Physicians 2017, where SpO2 ≤ 91 %
    and heart rate ≤ 40 or ≥ 131 score highest).
    """

    bp_limit: tuple[int, int] = (140, 90)
    alert_bp: tuple[int, int] = (180, 110)  # hypertensive urgency
    alert_hr_above: int = 120
    alert_hr_below: int = 50
    alert_spo2_below: int = 92
    screening_valid_days: int = 180
    series_gap_days: int = 21  # instruments.md: a gap longer than this starts a new series
    early_start_minutes: int = 15
    predose_checklist: tuple[ChecklistItem, ...] = PREDOSE_CHECKLIST
    discharge_checklist: tuple[ChecklistItem, ...] = DISCHARGE_CHECKLIST
    # REMS: at least 2 hours after esketamine; other routes: 60 minutes (clinic setting).
    observation_minutes_intranasal: int = 120
    observation_minutes_other: int = 60
    # REMS: BP "approximately 40 minutes" after the dose: a reading in this window counts.
    bp_after_dose_window: tuple[int, int] = (30, 60)
    # A BP before discharge: taken within this many minutes before leaving.
    bp_before_discharge_minutes: int = 15
    dose_ranges: tuple[DoseRange, ...] = DOSE_RANGES
    _ranges: Mapping[str, DoseRange] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = [
            ("BP limits must be systolic above diastolic, both positive",
             not all(s > d > 0 for s, d in (self.bp_limit, self.alert_bp))),
            ("the alert BP must be above the dosing limit",
             self.alert_bp[0] <= self.bp_limit[0] or self.alert_bp[1] <= self.bp_limit[1]),
            ("heart-rate alerts need 0 < low < high", not 0 < self.alert_hr_below < self.alert_hr_above),
            ("the SpO2 alert must be between 50 and 100 %", not 50 <= self.alert_spo2_below <= 100),
            ("durations must be positive", min(self.screening_valid_days, self.series_gap_days,
                                               self.observation_minutes_intranasal,
                                               self.observation_minutes_other,
                                               self.bp_before_discharge_minutes) <= 0),
            ("the early-start margin cannot be negative", self.early_start_minutes < 0),
            ("the after-dose BP window needs 0 ≤ start < end",
             not 0 <= self.bp_after_dose_window[0] < self.bp_after_dose_window[1]),
            ("checklist keys must be unique", _has_duplicates(self.predose_checklist)
             or _has_duplicates(self.discharge_checklist)),
            ("give one dose range for each route", sorted(r.route for r in self.dose_ranges) != sorted(ROUTE_KEYS)),
        ]
        for message, bad in problems:
            if bad:
                raise ValueError(message)
        object.__setattr__(self, "_ranges", {r.route: r for r in self.dose_ranges})

    def dose_range(self, route: str) -> DoseRange:
        """Return the route's dose range; raises KeyError for an unknown route."""
        return self._ranges[route]

    def observation_minutes(self, route: str) -> int:
        """Return the minimum observation after the dose for `route` (KeyError if unknown)."""
        self.dose_range(route)
        return self.observation_minutes_intranasal if route == "intranasal" else self.observation_minutes_other


def _has_duplicates(items: Sequence[ChecklistItem]) -> bool:
    return len({i.key for i in items}) != len(items)


DEFAULTS = DosingSettings()


def items_for(checklist: Iterable[ChecklistItem], circumstances: Iterable[str] = ()) -> tuple[ChecklistItem, ...]:
    """Return the checklist items that apply to this patient (the boxes a page shows)."""
    present = set(circumstances)
    return tuple(i for i in checklist if not i.applies_when or i.applies_when in present)


# ---------------------------------------------------------------------------------------------
# Facts and results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """A failing check: `key` names what failed (a form field or API `fields` key), `message`
    says why in one sentence for a clinician."""

    key: str
    message: str


def as_fields(checks: Iterable[Check]) -> dict[str, str]:
    """Return the checks as CONTRACT.md's `fields` mapping (one message per key)."""
    return {c.key: c.message for c in checks}


@dataclass(frozen=True)
class Screening:
    """The patient's latest intake screening: the local day it was taken, the condition keys
    answered "yes" and not yet cleared by a clinician, and whether a clinician signed it off."""

    taken_on: date
    uncleared: tuple[str, ...] = ()
    signed_off: bool = True


HEART_RATE_RANGE = (20, 250)  # beats a minute; outside is a typing error
SPO2_RANGE = (50, 100)  # %

# Monitoring words: vocabulary.MOAAS, DISSOCIATION, SEVERITY (re-exported here).


@dataclass(frozen=True)
class Reading:
    """Vital signs taken at `at` (aware). Any value may be missing; `action_note` is what the
    clinician did about an alerting reading."""

    at: datetime
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    action_note: str = ""

    def __post_init__(self) -> None:
        if (self.systolic is None) != (self.diastolic is None):
            raise ValueError("a blood pressure needs both systolic and diastolic")
        if self.has_bp:
            parse_bp(f"{self.systolic}/{self.diastolic}")  # the one set of BP bounds
        for value, (low, high), message in (
            (self.heart_rate, HEART_RATE_RANGE, "heart rate must be between {} and {} beats a minute"),
            (self.spo2, SPO2_RANGE, "SpO2 must be between {} and {} %"),
        ):
            if value is not None and not low <= value <= high:
                raise ValueError(message.format(low, high))

    @property
    def has_bp(self) -> bool:
        return self.systolic is not None

    @property
    def bp(self) -> str:
        """"128/84", or "" without a BP."""
        return f"{self.systolic}/{self.diastolic}" if self.has_bp else ""


@dataclass(frozen=True)
class PreDose:
    """What is known at the moment a dose would start.

    `now` and `starts_at` are aware; `tz` is the patient's zone (their "today"). `bp` is today's
    pre-dose reading, if any. `override_reason` is a clinician's reason to dose above the BP limit
    ("" for none; the service audits it). `ticked` holds the checklist keys ticked;
    `circumstances` the patient's circumstances (e.g. PREGNANCY_POSSIBLE). `rescreen_after` is the
    last day of the patient's previous series (`previous_series_end`); a screening from that day or
    earlier does not cover this series.
    """

    now: datetime
    tz: str
    starts_at: datetime
    screening: Screening | None
    open_flags: int = 0
    bp: Reading | None = None
    override_reason: str = ""
    ticked: frozenset[str] = frozenset()
    circumstances: frozenset[str] = frozenset()
    weight_kg: float | None = None
    rescreen_after: date | None = None


# ---------------------------------------------------------------------------------------------
# Pre-dose: the hard stop
# ---------------------------------------------------------------------------------------------


def predose_checks(facts: PreDose, settings: DosingSettings = DEFAULTS) -> list[Check]:
    """Return the failing pre-dose checks, in the order a clinician works through them; [] means
    the dose may start now. Keys: `screening`, `flag`, `bp`, `start_time`, `checklist`, `weight`.
    """
    today = local_date(facts.now, facts.tz)
    found = [
        _screening_problem(facts.screening, today, facts.rescreen_after, settings),
        _flag_problem(facts.open_flags),
        _bp_problem(facts, today, settings),
        _start_problem(facts, today, settings),
        _checklist_problem(settings.predose_checklist, facts.ticked, facts.circumstances, "not yet ticked"),
        None if facts.weight_kg else "record the patient's weight (kg) before dosing",
    ]
    keys = ("screening", "flag", "bp", "start_time", "checklist", "weight")
    return [Check(key, message) for key, message in zip(keys, found, strict=True) if message]


def _screening_problem(screening: Screening | None, today: date, rescreen_after: date | None,
                       settings: DosingSettings) -> str | None:
    if screening is None:
        return "no intake screening on file: the patient must be screened before a dose"
    age = (today - screening.taken_on).days
    if age > settings.screening_valid_days:
        return (f"the screening of {screening.taken_on.isoformat()} is {age} days old "
                f"(valid for {settings.screening_valid_days}): screen again before a dose")
    if rescreen_after is not None and screening.taken_on <= rescreen_after:
        return (f"the screening of {screening.taken_on.isoformat()} is from the previous series: "
                "screen again before a new series")
    if screening.uncleared:
        names = ", ".join(CONDITION[k].label if k in CONDITION else k for k in screening.uncleared)
        return f"the screening has uncleared contraindications ({names}): a clinician must clear them first"
    if not screening.signed_off:
        return "the screening has not been signed off by a clinician"
    return None


def _flag_problem(open_flags: int) -> str | None:
    if open_flags <= 0:
        return None
    what = "1 safety flag is" if open_flags == 1 else f"{open_flags} safety flags are"
    return f"{what} not acknowledged: review before dosing"


def needs_override(bp: Reading | None, settings: DosingSettings = DEFAULTS) -> bool:
    """Return True when `bp` is above the dosing limit, so dosing needs a clinician's override
    with a reason (the page shows the reason field; the service audits the override)."""
    return bp is not None and bp.has_bp and bp_exceeds(bp.systolic, bp.diastolic, *settings.bp_limit)


def _bp_problem(facts: PreDose, today: date, settings: DosingSettings) -> str | None:
    bp = facts.bp
    if bp is None or not bp.has_bp or local_date(bp.at, facts.tz) != today:
        return "take today's pre-dose blood pressure"
    limit_s, limit_d = settings.bp_limit
    if needs_override(bp, settings) and not facts.override_reason.strip():
        return f"pre-dose BP {bp.bp} is above the limit {limit_s}/{limit_d}: do not dose, or record an override with a reason"
    return None


def _start_problem(facts: PreDose, today: date, settings: DosingSettings) -> str | None:
    session_day = local_date(facts.starts_at, facts.tz)
    if session_day != today:
        return f"this session is booked for {session_day.isoformat()}: a dose is given on the day of the session"
    earliest = facts.starts_at - timedelta(minutes=settings.early_start_minutes)
    if facts.now < earliest:
        minutes = math.ceil((facts.starts_at - facts.now).total_seconds() / 60)
        return (f"the session starts in {minutes} minutes: a dose may start at most "
                f"{settings.early_start_minutes} minutes early")
    return None


def _checklist_problem(checklist: Iterable[ChecklistItem], ticked: Iterable[str], circumstances: Iterable[str],
                       state: str) -> str | None:
    done = set(ticked)
    missing = [i.label for i in items_for(checklist, circumstances) if i.key not in done]
    return f"{state}: {'; '.join(missing)}" if missing else None


def previous_series_end(ketamine_days: Iterable[date], today: date, gap_days: int = DEFAULTS.series_gap_days) -> date | None:
    """Return the last day of the series before the current one, or None if this is the first.

    `ketamine_days` are the local days of the patient's earlier dosed ketamine sessions (any order;
    later ones are ignored). The current series runs back from `today` while sessions are at most
    `gap_days` apart; a longer gap ends the previous series (instruments.md). Pass the result as
    `PreDose.rescreen_after`: a new series needs a screening taken after it.
    """
    days = sorted({d for d in ketamine_days if d < today}, reverse=True)
    newer = today
    for day in days:
        if (newer - day).days > gap_days:
            return day
        newer = day
    return None


# ---------------------------------------------------------------------------------------------
# Dose
# ---------------------------------------------------------------------------------------------

WEIGHT_KG = (20.0, 350.0)  # plausible adult weights; outside is a typing error
_TOLERANCE = 1e-9


def mg_per_kg(mg: float, kg: float) -> float:
    """Return the dose in mg/kg; raises ValueError unless mg > 0 and kg is a plausible weight."""
    if not mg > 0:
        raise ValueError("the dose must be more than 0 mg")
    if not WEIGHT_KG[0] <= kg <= WEIGHT_KG[1]:
        raise ValueError(f"weight must be between {WEIGHT_KG[0]:g} and {WEIGHT_KG[1]:g} kg")
    return mg / kg


def format_mg_per_kg(value: float) -> str:
    """"0.50 mg/kg": two decimals, the precision a dose is written with."""
    return f"{value:.2f} mg/kg"


@dataclass(frozen=True)
class DoseVerdict:
    """`mg_per_kg` of the dose; `in_range` False means the dose needs a confirmation with a
    reason; `expected` says the clinic's range for this patient ("35–70 mg (0.5–1.0 mg/kg)")."""

    mg_per_kg: float
    in_range: bool
    expected: str

    @property
    def message(self) -> str:
        """"" when in range, else the sentence asking for a confirmation."""
        if self.in_range:
            return ""
        return (f"{format_mg_per_kg(self.mg_per_kg)} is outside the clinic's range {self.expected}: "
                "confirm the dose with a reason")

    def problem(self, reason: str = "") -> Check | None:
        """Return the `dose_mg` check that refuses an out-of-range dose without a confirming
        reason (blank counts as none), or None when the dose may be recorded."""
        if self.in_range or reason.strip():
            return None
        return Check("dose_mg", self.message)


def dose_check(route: str, mg: float, kg: float, settings: DosingSettings = DEFAULTS) -> DoseVerdict:
    """Return the verdict on `mg` of ketamine by `route` for a patient of `kg`.

    Limits are inclusive (0.5 and 1.0 mg/kg are in range). Intranasal esketamine is in range
    only at one of its fixed doses (56 or 84 mg), whatever the weight. Raises ValueError for a
    non-positive dose or implausible weight (see `mg_per_kg`), KeyError for an unknown route.
    """
    allowed = settings.dose_range(route)
    ratio = mg_per_kg(mg, kg)
    if allowed.fixed_mg:
        options = " or ".join(f"{d:g} mg" for d in allowed.fixed_mg)
        return DoseVerdict(ratio, any(math.isclose(mg, d) for d in allowed.fixed_mg), options)
    low, high = allowed.min_mg_per_kg * kg, allowed.max_mg_per_kg * kg
    in_range = low * (1 - _TOLERANCE) <= mg <= high * (1 + _TOLERANCE)
    expected = f"{low:.0f}–{high:.0f} mg ({_num(allowed.min_mg_per_kg)}–{_num(allowed.max_mg_per_kg)} mg/kg)"
    return DoseVerdict(ratio, in_range, expected)


def _num(value: float) -> str:
    """0.5 → "0.5", 1 → "1.0", 0.25 → "0.25"."""
    return f"{value:.1f}" if round(value, 1) == value else f"{value:g}"


# ---------------------------------------------------------------------------------------------
# Vitals
# ---------------------------------------------------------------------------------------------


def vital_alerts(reading: Reading, settings: DosingSettings = DEFAULTS) -> list[Check]:
    """Return the reading's values past the clinic's alert thresholds (keys `bp`, `heart_rate`,
    `spo2`); each needs an action note. Missing values never alert."""
    alerts = []
    alert_s, alert_d = settings.alert_bp
    if reading.has_bp and (reading.systolic >= alert_s or reading.diastolic >= alert_d):
        alerts.append(Check("bp", f"BP {reading.bp} is at or above the alert level {alert_s}/{alert_d}"))
    hr = reading.heart_rate
    if hr is not None and hr > settings.alert_hr_above:
        alerts.append(Check("heart_rate", f"heart rate {hr} is above {settings.alert_hr_above}"))
    if hr is not None and hr < settings.alert_hr_below:
        alerts.append(Check("heart_rate", f"heart rate {hr} is below {settings.alert_hr_below}"))
    if reading.spo2 is not None and reading.spo2 < settings.alert_spo2_below:
        alerts.append(Check("spo2", f"SpO2 {reading.spo2} % is below {settings.alert_spo2_below} %"))
    return alerts


# ---------------------------------------------------------------------------------------------
# Discharge
# ---------------------------------------------------------------------------------------------


def minutes_since(start: datetime, now: datetime) -> int:
    """Whole minutes from `start` to `now` (the timer since the dose); negative before it."""
    return math.floor((now - start).total_seconds() / 60)


def discharge_checks(
    dosed_at: datetime,
    now: datetime,
    route: str,
    readings: Sequence[Reading],
    ticked: Iterable[str],
    settings: DosingSettings = DEFAULTS,
) -> list[Check]:
    """Return the failing discharge checks; [] means the patient may leave now.

    Keys: `observation` (less than the route's minimum time since `dosed_at`), `bp_after_dose`
    (no BP in the window after the dose, default 30–60 min), `bp_before_discharge` (no BP in the
    last 15 minutes), `checklist` (discharge items not ticked), `action_note` (an alerting reading
    without one). Raises KeyError for an unknown route.
    """
    minimum = settings.observation_minutes(route)
    elapsed = minutes_since(dosed_at, now)
    first, last = settings.bp_after_dose_window
    recent = now - timedelta(minutes=settings.bp_before_discharge_minutes)
    with_bp = [r for r in readings if r.has_bp]
    unnoted = [r for r in readings if vital_alerts(r, settings) and not r.action_note.strip()]
    found = {
        "observation": None if elapsed >= minimum else
        f"{elapsed} of the {minimum} minutes of observation after the dose have passed",
        "bp_after_dose": None if any(first <= (r.at - dosed_at).total_seconds() / 60 <= last for r in with_bp) else
        f"take a BP {first}–{last} minutes after the dose",
        "bp_before_discharge": None if any(recent <= r.at <= now for r in with_bp) else
        f"take a BP in the {settings.bp_before_discharge_minutes} minutes before discharge",
        "checklist": _checklist_problem(settings.discharge_checklist, ticked, (), "not yet confirmed"),
        "action_note": None if not unnoted else
        "write what was done about the alerting reading at "
        + ", ".join(f"{minutes_since(dosed_at, r.at)} min" for r in unnoted),
    }
    return [Check(key, message) for key, message in found.items() if message]


# ---------------------------------------------------------------------------------------------
# Settings as stored data (ClinicSettings JSON columns) and the admin's edits
# ---------------------------------------------------------------------------------------------

LABEL_MAX = 200  # characters of a checklist item's label
CHECKLIST_MAX = 20  # items per checklist
# Sane ceilings, to catch typing errors (a clinic's range must stay below them). IV and IM: twice the
# highest dose of the dose-ranging trials (1.0 mg/kg, Fava et al. 2020); anaesthetic induction starts
# about there. Sublingual / oral: bioavailability about 20-30 % (Sanacora 2017), so higher.
MG_PER_KG_CEILING: Mapping[str, float] = {"iv": 2.0, "im": 2.0, "sublingual_oral": 5.0}
# Esketamine (SPRAVATO): each nasal device delivers 28 mg; the label's doses are 56 and 84 mg.
ESKETAMINE_DEVICE_MG = 28
ESKETAMINE_CEILING_MG = 112


def checklist_to_data(items: Iterable[ChecklistItem]) -> list[dict[str, str]]:
    """The checklist as JSON-ready dicts (a ClinicSettings column)."""
    return [{"key": i.key, "label": i.label, "applies_when": i.applies_when} for i in items]


def checklist_from_data(data: Sequence[Mapping[str, str]] | None,
                        default: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
    """The stored checklist, or `default` when none is stored (None)."""
    if data is None:
        return default
    return tuple(ChecklistItem(d["key"], d["label"], d.get("applies_when", "")) for d in data)


def ranges_to_data(ranges: Iterable[DoseRange]) -> dict[str, dict]:
    """The dose ranges as JSON-ready dicts by route (a ClinicSettings column)."""
    return {r.route: ({"fixed_mg": list(r.fixed_mg)} if r.fixed_mg else
                      {"min_mg_per_kg": r.min_mg_per_kg, "max_mg_per_kg": r.max_mg_per_kg,
                       "infusion_minutes": r.infusion_minutes}) for r in ranges}


def ranges_from_data(data: Mapping[str, Mapping] | None) -> tuple[DoseRange, ...]:
    """The stored dose ranges (a route missing from `data` keeps its default), or DOSE_RANGES."""
    if data is None:
        return DOSE_RANGES
    out = []
    for default in DOSE_RANGES:
        d = data.get(default.route)
        if d is None:
            out.append(default)
        elif d.get("fixed_mg"):
            out.append(DoseRange(default.route, fixed_mg=tuple(float(mg) for mg in d["fixed_mg"])))
        else:
            out.append(DoseRange(default.route, float(d["min_mg_per_kg"]), float(d["max_mg_per_kg"]),
                                 infusion_minutes=d.get("infusion_minutes", default.infusion_minutes)))
    return tuple(out)


def range_problem(route: str, low: float | None, high: float | None) -> tuple[str, str] | None:
    """Why an mg/kg range for `route` cannot be the clinic's: ("min" or "max", the end to correct,
    and a sentence for a person), or None when it can be."""
    ceiling = MG_PER_KG_CEILING[route]
    if low is None or high is None:
        return ("min" if low is None else "max", "give both the lowest and the highest mg/kg")
    if low <= 0:
        return "min", "the lowest dose must be more than 0 mg/kg"
    if low >= high:
        return "min", f"the lowest dose ({low:g} mg/kg) must be below the highest ({high:g} mg/kg)"
    if high > ceiling:
        return "max", f"at most {ceiling:g} mg/kg by this route (a higher value is probably a typing error)"
    return None


def parse_fixed_doses(text: str) -> tuple[float, ...]:
    """"56, 84" → (56.0, 84.0). Raises ValueError with a sentence for a person: each dose is a whole
    number of 28 mg esketamine devices, from 28 to 112 mg, no repeats."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts:
        raise ValueError("give at least one dose in mg, for example 56, 84")
    try:
        doses = [float(p) for p in parts]
    except ValueError:
        raise ValueError("give the doses as numbers of mg separated by commas, for example 56, 84") from None
    for mg in doses:
        if not math.isfinite(mg) or mg % ESKETAMINE_DEVICE_MG or not 0 < mg <= ESKETAMINE_CEILING_MG:
            raise ValueError(f"{mg:g} mg is not a dose: each is {ESKETAMINE_DEVICE_MG} mg per nasal device, "
                             f"from {ESKETAMINE_DEVICE_MG} to {ESKETAMINE_CEILING_MG} mg")
    if len(set(doses)) != len(doses):
        raise ValueError("give each dose once")
    return tuple(sorted(doses))


def item_key(label: str, taken: Iterable[str]) -> str:
    """A new checklist item's key: its label in lower case with underscores ("Escort present" →
    "escort_present"), made unique among `taken` with a number ("escort_present_2")."""
    words = "".join(ch if ch.isalnum() else " " for ch in label.lower()).split()
    base = "_".join(words)[:40].strip("_") or "item"
    used, key, n = set(taken), base, 1
    while key in used:
        n += 1
        key = f"{base}_{n}"
    return key


def labels_of(checklist: Iterable[ChecklistItem], ticked: Iterable[str]) -> dict[str, str]:
    """{key: label} of the ticked items, in checklist order: what a session keeps, so its record
    still reads the words ticked after the clinic renames or removes an item."""
    done = set(ticked)
    return {i.key: i.label for i in checklist if i.key in done}


def ticked_labels(ticked: Iterable[str], kept: Mapping[str, str] | None,
                  default: Iterable[ChecklistItem]) -> list[str]:
    """The labels a session's record shows for its `ticked` keys: the labels it kept; for records
    from before the clinic could edit its lists, the built-in label (`default`); else the key."""
    builtin = {i.key: i.label for i in default}
    kept = kept or {}
    order = {key: n for n, key in enumerate([*kept, *(k for k in builtin if k not in kept)])}
    keys = sorted(set(ticked), key=lambda k: (order.get(k, len(order)), k))  # as the checklist read
    return [kept.get(key) or builtin.get(key) or key for key in keys]


# ---------------------------------------------------------------------------------------------
# The record of a dosing day
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peaks:
    """The extremes of a session's readings (None: never measured): the highest BP (by systolic,
    then diastolic) and heart rate, the lowest SpO2 and MOAA/S (deepest sedation), the strongest
    dissociation."""

    bp: str | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    moaas: int | None = None
    dissociation: str | None = None


def peaks(readings: Iterable[Reading], moaas: Iterable[str | None] = (),
          dissociation: Iterable[str | None] = ()) -> Peaks:
    """The extremes of `readings` and of the sedation and dissociation scores noted with them."""
    rows = list(readings)
    with_bp = [r for r in rows if r.has_bp]
    top = max(with_bp, key=lambda r: (r.systolic, r.diastolic), default=None)
    hrs = [r.heart_rate for r in rows if r.heart_rate is not None]
    sats = [r.spo2 for r in rows if r.spo2 is not None]
    scores = [int(m) for m in moaas if m is not None]
    order = {t.key: n for n, t in enumerate(DISSOCIATION)}
    felt = [d for d in dissociation if d in order]
    return Peaks(top.bp if top else None, max(hrs, default=None), min(sats, default=None),
                 min(scores, default=None), max(felt, key=order.__getitem__, default=None))
