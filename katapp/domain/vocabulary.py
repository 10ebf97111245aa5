"""The clinic's words, as data: session kinds, statuses, routes, screening conditions, indications.

One place names each clinical thing. Models take their CHECK-constraint keys from here
(`KEYS`), forms and charts their labels, templates `label(...)`. A template never capitalises
a key to make a label. To add a session kind, add one `SessionKind` below and a migration for
the CHECK constraint; every form, chart and page picks it up.
Sources: shared/clinical/instruments.md (conditions to treat before ketamine, routes).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionKind:
    key: str
    label: str  # in a sentence: "your ketamine session"
    title: str  # on its own: a chip, a chart legend, a select option
    colour: str  # chart colour (readable on light and dark backgrounds)
    default_minutes: int


@dataclass(frozen=True)
class Term:
    """A key with its label (statuses, routes)."""

    key: str
    label: str
    title: str


@dataclass(frozen=True)
class Condition:
    """A screening condition: its label for staff and its plain-language question for patients."""

    key: str
    label: str
    question: str


SESSION_KINDS: tuple[SessionKind, ...] = (
    SessionKind("ketamine", "ketamine session", "Ketamine", "#8e5cc7", 90),
    SessionKind("integration", "integration session", "Integration", "#2a9d8f", 50),
    SessionKind("intake", "intake", "Intake", "#8a9593", 60),
    SessionKind("follow_up", "follow-up", "Follow-up", "#c58a1a", 30),
)
KIND = {k.key: k for k in SESSION_KINDS}
KIND_KEYS = tuple(KIND)

# A ketamine session goes scheduled -> checked_in -> dosed -> completed (issue #12). Its
# "completed" IS the discharge: the status every other feature (outcomes, caseload, CONTRACT.md's
# PATCH) already counts, reached only through the discharge checks (katapp/domain/dosing.py calls
# it DISCHARGED). Other kinds go scheduled -> completed. Cancelled and no-show end either.
SESSION_STATUSES: tuple[Term, ...] = (
    Term("scheduled", "scheduled", "Scheduled"),
    Term("checked_in", "checked in", "Checked in"),
    Term("dosed", "dosed, under observation", "Dosed"),
    Term("completed", "completed", "Completed"),
    Term("cancelled", "cancelled", "Cancelled"),
    Term("no_show", "no-show", "No-show"),
)
STATUS = {s.key: s for s in SESSION_STATUSES}
STATUS_KEYS = tuple(STATUS)
BUSY_STATUSES = ("scheduled", "checked_in", "dosed", "completed")  # cancelled and no-show free the slot
DISCHARGED_LABEL = "discharged"  # a completed ketamine session, in words

# Monitoring words (issue #12 §3). MOAA/S: Modified Observer's Assessment of Alertness/Sedation
# (Chernik et al., J Clin Psychopharmacol 1990), 5 = responds readily to name, 0 = no response.
MOAAS: tuple[Term, ...] = (
    Term("5", "responds readily to name spoken in normal tone", "5 Alert"),
    Term("4", "lethargic response to name spoken in normal tone", "4 Lethargic"),
    Term("3", "responds only after name is called loudly or repeatedly", "3 Loud voice"),
    Term("2", "responds only after mild prodding or shaking", "2 Prodding"),
    Term("1", "does not respond to mild prodding or shaking", "1 No response to prodding"),
    Term("0", "does not respond to deep stimulus", "0 Unresponsive"),
)
DISSOCIATION: tuple[Term, ...] = (
    Term("none", "none", "None"),
    Term("mild", "mild", "Mild"),
    Term("moderate", "moderate", "Moderate"),
    Term("severe", "severe", "Severe"),
)
SEVERITY: tuple[Term, ...] = (  # of an adverse event
    Term("mild", "mild", "Mild"),
    Term("moderate", "moderate", "Moderate"),
    Term("severe", "severe", "Severe"),
)
MOAAS_KEYS = tuple(t.key for t in MOAAS)
DISSOCIATION_KEYS = tuple(t.key for t in DISSOCIATION)
SEVERITY_KEYS = tuple(t.key for t in SEVERITY)

ROUTES: tuple[Term, ...] = (
    Term("iv", "IV (intravenous)", "IV"),
    Term("im", "IM (intramuscular)", "IM"),
    Term("intranasal", "intranasal", "Intranasal"),
    Term("sublingual_oral", "sublingual / oral", "Sublingual / oral"),
)
ROUTE = {r.key: r for r in ROUTES}
ROUTE_KEYS = tuple(ROUTE)

# The seven conditions to treat before ketamine (the clinic's own material, context/what-is-kat.txt).
SCREENING_CONDITIONS: tuple[Condition, ...] = (
    Condition("hallucinations", "Hallucinations (psychosis)",
              "Have you ever seen or heard things that other people could not (hallucinations or psychosis)?"),
    Condition("untreated_mania", "Untreated mania",
              "Do you have mania or bipolar highs that are not currently treated?"),
    Condition("cardiovascular_disease", "Cardiovascular disease",
              "Do you have heart or blood-vessel disease (for example angina, heart failure, "
              "a past heart attack or stroke, or high blood pressure that is not controlled)?"),
    Condition("uncontrolled_hyperthyroidism", "Uncontrolled hyperthyroidism",
              "Do you have an overactive thyroid that is not under control?"),
    Condition("intracranial_pressure", "Increased intracranial pressure",
              "Have you been told you have raised pressure inside your head "
              "(for example after a head injury or from a brain tumour)?"),
    Condition("cystitis", "Cystitis",
              "Do you have bladder problems such as pain, burning or blood when passing urine (cystitis)?"),
    Condition("liver_disease", "Liver disease",
              "Have you been told you have liver disease or problems with your liver?"),
    # Issue #12 item 4 (Sanacora et al., JAMA Psychiatry 2017; SPRAVATO prescribing information).
    Condition("pregnancy", "Pregnancy or breastfeeding",
              "Are you pregnant, trying to become pregnant, or breastfeeding?"),
    Condition("substance_use", "Substance use history (ketamine/PCP, stimulants, alcohol)",
              "Have you ever had problems with ketamine, PCP, stimulants (such as cocaine or amphetamines) "
              "or alcohol?"),
    Condition("interacting_medications", "Interacting medications",
              "Do you take benzodiazepines, lamotrigine, an MAOI, opioids or other sedating medicines, "
              "stimulants, or memantine?"),
    Condition("glaucoma", "Uncontrolled glaucoma or raised eye pressure",
              "Do you have glaucoma or raised pressure in your eyes that is not under control?"),
    Condition("seizure_disorder", "Seizure disorder",
              "Have you ever had seizures or epilepsy?"),
    Condition("sleep_apnoea", "Sleep apnoea or airway problems",
              "Do you have sleep apnoea or problems with your breathing or airway?"),
    Condition("recent_mi_stroke", "Recent myocardial infarction or stroke, aneurysm",
              "Have you had a heart attack or stroke recently, or been told you have an aneurysm?"),
    Condition("ketamine_allergy", "Known ketamine allergy",
              "Have you ever had an allergic reaction to ketamine?"),
)
CONDITION = {c.key: c for c in SCREENING_CONDITIONS}
CONDITION_KEYS = tuple(CONDITION)

# What a patient is treated for (User.indication); the clinic overview reports outcomes by it.
INDICATIONS: tuple[Term, ...] = (
    Term("depression", "depression", "Depression"),
    Term("ptsd", "PTSD", "PTSD"),
    Term("pain", "chronic pain", "Pain"),
    Term("other", "other", "Other"),
)
INDICATION = {i.key: i for i in INDICATIONS}
INDICATION_KEYS = tuple(INDICATION)


@dataclass(frozen=True)
class QuestionnaireWords:
    """How a patient sees a questionnaire: its plain name, the minutes it takes, and the smallest
    change of its total that is more than measurement noise (shared/clinical/instruments.md:
    PHQ-9 fewer than 5 points is noise; PCL-5 reliable change from 5 points; GAD-7 has no
    published figure there, so the same conservative 5 points as the PHQ-9 is used)."""

    key: str
    name: str  # "Depression check"
    minutes: int
    noise: int  # a change smaller than this is "about the same"


QUESTIONNAIRES: dict[str, QuestionnaireWords] = {q.key: q for q in (
    QuestionnaireWords("phq9", "Depression check", 2, 5),
    QuestionnaireWords("gad7", "Anxiety check", 2, 5),
    QuestionnaireWords("pcl5", "Trauma stress check", 5, 5),
)}

_TABLES = {"kind": KIND, "status": STATUS, "route": ROUTE, "condition": CONDITION,
           "moaas": {t.key: t for t in MOAAS}, "dissociation": {t.key: t for t in DISSOCIATION},
           "severity": {t.key: t for t in SEVERITY}, "indication": INDICATION}


def label(table: str, key: str | None, *, title: bool = False) -> str:
    """The label (or title) of `key` in one of the tables above; "" for None.

    Raises KeyError for an unknown table or key: a missing label is a bug, not a blank.
    """
    if key is None:
        return ""
    term = _TABLES[table][key]
    return term.title if title and hasattr(term, "title") else term.label
