"""PHQ-9, GAD-7 and PCL-5 as data, and one generic scorer for them.

Clinical source for every number here: /work/shared/clinical/instruments.md
(PHQ-9: Kroenke, Spitzer & Williams 2001; GAD-7: Spitzer et al. 2006;
PCL-5: US National Center for PTSD, public domain).
Adding an instrument means adding an `Instrument` to `INSTRUMENTS`; `score` needs no change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Answers = tuple[int, ...]
# A flag test sees the validated answers, their total and the cut-point in force (or None).
FlagTest = Callable[[Answers, int, int | None], bool]


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Band:
    """A severity band; `low` and `high` are both inclusive."""

    low: int
    high: int
    label: str


@dataclass(frozen=True)
class FlagRule:
    """Raise `flag` when `test(answers, total, cutpoint)` is true."""

    flag: str
    test: FlagTest


@dataclass(frozen=True)
class ExtraQuestion:
    """A published question that is asked and stored but never scored (never in the total)."""

    key: str  # the API's name for the answer, e.g. "difficulty"
    text: str
    options: tuple[Option, ...]

    def label(self, value: int | None) -> str | None:
        """The option's wording for a stored answer, or None when unanswered."""
        return next((o.label for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str
    short_title: str
    timeframe: str
    items: tuple[str, ...]
    options: tuple[Option, ...]
    bands: tuple[Band, ...]
    loinc_total: str | None
    plain_meaning: dict[str, str]
    flag_rules: tuple[FlagRule, ...] = ()
    # Instruments without validated bands (PCL-5) classify by a cut-point instead.
    cutpoint: int | None = None
    cutpoint_labels: tuple[str, str] = ("at or above cut-point", "below cut-point")
    # The published form's unscored last question (PHQ-9, GAD-7: "how difficult ...").
    extra: ExtraQuestion | None = None
    # The published instruction paragraph shown above the items (PCL-5).
    instructions: str | None = None
    # The PCL-5 asks which stressful experience the answers refer to, in the patient's own words.
    index_event_prompt: str | None = None

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def max_item(self) -> int:
        return max(option.value for option in self.options)

    @property
    def max_total(self) -> int:
        return self.item_count * self.max_item

    def severity(self, total: int, cutpoint: int | None = None) -> str:
        """Return the severity label for `total`: its band, else the cut-point label."""
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        cut = self.cutpoint if cutpoint is None else cutpoint
        if cut is None:
            raise ValueError(f"{self.short_title} has no band for total {total}")
        above, below = self.cutpoint_labels
        return above if total >= cut else below


@dataclass(frozen=True)
class Score:
    total: int
    severity: str
    flags: tuple[str, ...]


class ScoreError(ValueError):
    """Answers cannot be scored; `fields` maps each bad field to a message for the user."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))


# Flag-rule builders. Item numbers are 1-based, as printed on the questionnaires.
def item_at_least(item: int, value: int) -> FlagTest:
    return lambda answers, total, cutpoint: answers[item - 1] >= value


def total_at_least(value: int) -> FlagTest:
    return lambda answers, total, cutpoint: total >= value


def total_at_least_cutpoint(answers: Answers, total: int, cutpoint: int | None) -> bool:
    return cutpoint is not None and total >= cutpoint


def clusters_endorsed(rating: int, clusters: tuple[tuple[range, int], ...]) -> FlagTest:
    """Test that each cluster (item numbers, minimum count) has enough items rated >= `rating`."""

    def test(answers: Answers, total: int, cutpoint: int | None) -> bool:
        return all(sum(answers[item - 1] >= rating for item in items) >= needed for items, needed in clusters)

    return test


SAFETY_FLAGS = frozenset({"self_harm"})
PCL5_DEFAULT_CUTPOINT = 33
GAD7_EVALUATE_AT = 10  # A GAD-7 total of 10 or more warrants evaluation (instruments.md).

_FREQUENCY = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)

# The final, unscored question of the published PHQ-9 and GAD-7 (instruments.md): asked, stored,
# shown to clinicians, never added to the total.
DIFFICULTY = ExtraQuestion(
    key="difficulty",
    text="If you checked off any problems, how difficult have these problems made it for you to do your "
    "work, take care of things at home, or get along with other people?",
    options=(
        Option(0, "Not difficult at all"),
        Option(1, "Somewhat difficult"),
        Option(2, "Very difficult"),
        Option(3, "Extremely difficult"),
    ),
)

PHQ9 = Instrument(
    key="phq9",
    title="Patient Health Questionnaire (PHQ-9)",
    short_title="PHQ-9",
    timeframe="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=_FREQUENCY,
    # Kroenke, Spitzer & Williams 2001.
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    loinc_total="44261-6",
    plain_meaning={
        "minimal": "This suggests few or no signs of depression right now.",
        "mild": "This suggests some signs of depression; your care team will keep watching how it changes.",
        "moderate": "This suggests depression is affecting you noticeably; "
        "your care team will talk it through with you.",
        "moderately severe": "This suggests depression is weighing on you a lot; "
        "your care team will review it with you.",
        "severe": "This suggests depression is weighing on you heavily; your care team will review it with you soon.",
    },
    # Item 9 above 0 needs clinical attention regardless of the total (instruments.md).
    flag_rules=(FlagRule("self_harm", item_at_least(9, 1)),),
    extra=DIFFICULTY,
)

GAD7 = Instrument(
    key="gad7",
    title="Generalized Anxiety Disorder scale (GAD-7)",
    short_title="GAD-7",
    timeframe="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    options=_FREQUENCY,
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    loinc_total="70274-6",
    plain_meaning={
        "minimal": "This suggests few or no signs of anxiety right now.",
        "mild": "This suggests some anxiety; your care team will keep watching how it changes.",
        "moderate": "This suggests anxiety is affecting you noticeably; your care team will talk it through with you.",
        "severe": "This suggests anxiety is weighing on you heavily; your care team will review it with you soon.",
    },
    # A total of 10 or more warrants further evaluation (instruments.md).
    flag_rules=(FlagRule("gad7_evaluate", total_at_least(GAD7_EVALUATE_AT)),),
    extra=DIFFICULTY,
)

PCL5 = Instrument(
    key="pcl5",
    title="PTSD Checklist for DSM-5 (PCL-5)",
    short_title="PCL-5",
    timeframe="In the past month, how much were you bothered by:",
    items=(
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "Repeated, disturbing dreams of the stressful experience?",
        "Suddenly feeling or acting as if the stressful experience were actually happening again "
        "(as if you were actually back there reliving it)?",
        "Feeling very upset when something reminded you of the stressful experience?",
        "Having strong physical reactions when something reminded you of the stressful experience "
        "(for example, heart pounding, trouble breathing, sweating)?",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?",
        "Trouble remembering important parts of the stressful experience?",
        "Having strong negative beliefs about yourself, other people, or the world (for example, having "
        "thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, "
        "the world is completely dangerous)?",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or have "
        "loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    options=(
        Option(0, "Not at all"),
        Option(1, "A little bit"),
        Option(2, "Moderately"),
        Option(3, "Quite a bit"),
        Option(4, "Extremely"),
    ),
    bands=(),  # No validated severity bands: show the total and the cut-point (instruments.md).
    loinc_total=None,
    plain_meaning={
        "probable PTSD": "This is at or above the level where a fuller assessment for post-traumatic "
        "stress is recommended; your care team will discuss it with you.",
        "below cut-point": "This is below the level that usually prompts a fuller assessment for "
        "post-traumatic stress.",
    },
    flag_rules=(
        FlagRule("pcl5_above_cutpoint", total_at_least_cutpoint),
        # DSM-5 rule, items rated 2 ("Moderately") or more count: >=1 of items 1-5 (B),
        # >=1 of 6-7 (C), >=2 of 8-14 (D), >=2 of 15-20 (E) (instruments.md).
        FlagRule(
            "pcl5_dsm5_pattern",
            clusters_endorsed(2, ((range(1, 6), 1), (range(6, 8), 1), (range(8, 15), 2), (range(15, 21), 2))),
        ),
    ),
    # Provisional PTSD at total >= 33; published cut-points range 31-33, a clinic setting.
    cutpoint=PCL5_DEFAULT_CUTPOINT,
    cutpoint_labels=("probable PTSD", "below cut-point"),
    # The PCL-5's published instructions (US National Center for PTSD).
    instructions="Below is a list of problems that people sometimes have in response to a very stressful "
    "experience. Keeping your worst event in mind, please read each problem carefully and then choose one "
    "of the answers to indicate how much you have been bothered by that problem in the past month.",
    index_event_prompt="Your worst event: briefly, in your own words, which very stressful experience are you "
    "thinking of? Write only what you are comfortable sharing; only your care team reads it.",
)

INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in (PHQ9, GAD7, PCL5)}


def score(instrument: str, answers, *, pcl5_cutpoint: int = PCL5_DEFAULT_CUTPOINT) -> Score:
    """Return the total, severity label and flags for one completed questionnaire.

    `answers` is a list or tuple with one plain int per item, in item order.
    `pcl5_cutpoint` is the clinic's PCL-5 setting (published range 31-33).
    Raises ScoreError naming each bad field: "instrument", "pcl5_cutpoint", "answers",
    or "answers[i]" (0-based index) for an answer that is not a whole number in range;
    bools, floats (even 2.0), strings and None are refused.
    """
    inst = INSTRUMENTS.get(instrument) if isinstance(instrument, str) else None
    if inst is None:
        raise ScoreError({"instrument": "unknown instrument"})
    cutpoint = inst.cutpoint
    if inst.key == "pcl5":
        if type(pcl5_cutpoint) is not int or not 0 < pcl5_cutpoint <= inst.max_total:
            raise ScoreError({"pcl5_cutpoint": f"must be a whole number from 1 to {inst.max_total}"})
        cutpoint = pcl5_cutpoint
    values = _validated(inst, answers)
    total = sum(values)
    flags = tuple(rule.flag for rule in inst.flag_rules if rule.test(values, total, cutpoint))
    return Score(total=total, severity=inst.severity(total, cutpoint), flags=flags)


def _validated(inst: Instrument, answers) -> Answers:
    """Return `answers` as a tuple of ints, or raise ScoreError."""
    if not isinstance(answers, (list, tuple)):
        raise ScoreError({"answers": f"{inst.short_title} answers must be a list"})
    if len(answers) != inst.item_count:
        raise ScoreError({"answers": f"{inst.short_title} needs {inst.item_count} answers, got {len(answers)}"})
    low, high = min(o.value for o in inst.options), inst.max_item
    bad = {
        f"answers[{i}]": f"must be a whole number from {low} to {high}"
        # type() rather than isinstance(): True is an int, and must not count as 1.
        for i, value in enumerate(answers)
        if type(value) is not int or not low <= value <= high
    }
    if bad:
        raise ScoreError(bad)
    return tuple(answers)


CARE_TEAM_LOOKS = "Thank you for answering. Because of your answers, your care team will look at this soon and get in touch."


def describe(instrument: str, score: Score, *, open_flag: bool = False) -> str:
    """Return plain-language sentences for a patient about `score`.

    With a safety flag on this result (PHQ-9 item 9 above 0) or another flag still open, nothing
    reassuring is said, whatever the total: only that the care team will look at it.
    Raises KeyError for an unknown instrument or a severity the instrument does not define.
    """
    inst = INSTRUMENTS[instrument]
    meaning = inst.plain_meaning[score.severity]
    if open_flag or SAFETY_FLAGS & set(score.flags):
        meaning = CARE_TEAM_LOOKS
    if inst.bands:
        return f"Your score of {score.total} out of {inst.max_total} is in the {score.severity} range. {meaning}"
    return f"Your score is {score.total} out of {inst.max_total}. {meaning}"
