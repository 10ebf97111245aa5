import pytest

from katapp.domain.instruments import INSTRUMENTS, SAFETY_FLAGS, Score, ScoreError, describe, score


def spread(total, count, max_item):
    """Answers with the given total, filled from the first item (item 9 of PHQ-9 stays 0 below 25)."""
    answers = []
    for _ in range(count):
        answers.append(min(max_item, total))
        total -= answers[-1]
    assert total == 0
    return answers


@pytest.mark.parametrize(
    ("key", "total", "severity"),
    [
        ("phq9", 0, "minimal"),
        ("phq9", 4, "minimal"),
        ("phq9", 5, "mild"),
        ("phq9", 9, "mild"),
        ("phq9", 10, "moderate"),
        ("phq9", 14, "moderate"),
        ("phq9", 15, "moderately severe"),
        ("phq9", 19, "moderately severe"),
        ("phq9", 20, "severe"),
        ("phq9", 27, "severe"),
        ("gad7", 0, "minimal"),
        ("gad7", 4, "minimal"),
        ("gad7", 5, "mild"),
        ("gad7", 9, "mild"),
        ("gad7", 10, "moderate"),
        ("gad7", 14, "moderate"),
        ("gad7", 15, "severe"),
        ("gad7", 21, "severe"),
        ("pcl5", 0, "below cut-point"),
        ("pcl5", 32, "below cut-point"),
        ("pcl5", 33, "probable PTSD"),
        ("pcl5", 80, "probable PTSD"),
    ],
)
def test_band_edges(key, total, severity):
    inst = INSTRUMENTS[key]
    result = score(key, spread(total, inst.item_count, inst.max_item))
    assert (result.total, result.severity) == (total, severity)


@pytest.mark.parametrize(
    ("total", "cutpoint", "severity", "above"),
    [
        (32, 33, "below cut-point", False),
        (33, 33, "probable PTSD", True),
        (30, 31, "below cut-point", False),
        (31, 31, "probable PTSD", True),
    ],
)
def test_pcl5_cutpoint_setting(total, cutpoint, severity, above):
    result = score("pcl5", spread(total, 20, 4), pcl5_cutpoint=cutpoint)
    assert result.severity == severity
    assert ("pcl5_above_cutpoint" in result.flags) is above


@pytest.mark.parametrize(
    ("key", "items", "options", "max_total", "loinc"),
    [("phq9", 9, 4, 27, "44261-6"), ("gad7", 7, 4, 21, "70274-6"), ("pcl5", 20, 5, 80, None)],
)
def test_instrument_shape(key, items, options, max_total, loinc):
    inst = INSTRUMENTS[key]
    assert (inst.item_count, len(inst.options), inst.max_total, inst.loinc_total) == (items, options, max_total, loinc)
    labels = {b.label for b in inst.bands} or set(inst.cutpoint_labels)
    assert set(inst.plain_meaning) == labels


@pytest.mark.parametrize(
    ("key", "answers", "fields"),
    [
        ("bdi", [0] * 9, {"instrument": "unknown instrument"}),
        (None, [0] * 9, {"instrument": "unknown instrument"}),
        ("phq9", "000000000", {"answers": "PHQ-9 answers must be a list"}),
        ("phq9", None, {"answers": "PHQ-9 answers must be a list"}),
        ("phq9", [0] * 8, {"answers": "PHQ-9 needs 9 answers, got 8"}),
        ("gad7", [0] * 8, {"answers": "GAD-7 needs 7 answers, got 8"}),
        ("phq9", [0, 0, 0, 4, 0, 0, 0, 0, 0], {"answers[3]": "must be a whole number from 0 to 3"}),
        ("phq9", [0, 0, 0, -1, 0, 0, 0, 0, 0], {"answers[3]": "must be a whole number from 0 to 3"}),
        ("phq9", [True] + [0] * 8, {"answers[0]": "must be a whole number from 0 to 3"}),
        ("phq9", [2.0] + [0] * 8, {"answers[0]": "must be a whole number from 0 to 3"}),
        ("phq9", ["2"] + [0] * 8, {"answers[0]": "must be a whole number from 0 to 3"}),
        ("phq9", [0] * 8 + [None], {"answers[8]": "must be a whole number from 0 to 3"}),
        (
            "pcl5",
            [5] + [0] * 18 + [False],
            {"answers[0]": "must be a whole number from 0 to 4", "answers[19]": "must be a whole number from 0 to 4"},
        ),
    ],
)
def test_refusals(key, answers, fields):
    with pytest.raises(ScoreError) as caught:
        score(key, answers)
    assert caught.value.fields == fields


@pytest.mark.parametrize("cutpoint", [0, 81, 33.0, True])
def test_bad_pcl5_cutpoint_refused(cutpoint):
    with pytest.raises(ScoreError) as caught:
        score("pcl5", [0] * 20, pcl5_cutpoint=cutpoint)
    assert set(caught.value.fields) == {"pcl5_cutpoint"}


@pytest.mark.parametrize(
    ("key", "answers", "flags"),
    [
        ("phq9", [0] * 8 + [1], ("self_harm",)),  # total 1, minimal: still a safety flag
        ("phq9", [3] * 8 + [0], ()),
        ("gad7", [3, 3, 3, 0, 0, 0, 0], ()),  # 9
        ("gad7", [3, 3, 3, 1, 0, 0, 0], ("gad7_evaluate",)),  # 10
        # DSM-5 pattern: one item >= 2 in B and C, two in D and E; total 12, below the cut-point.
        ("pcl5", [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0], ("pcl5_dsm5_pattern",)),
        # Same but only one item in D: no pattern.
        ("pcl5", [2, 0, 0, 0, 0, 2, 0, 2, 1, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0], ()),
        # Above the cut-point with no item rated >= 2 in C (items 6-7): no DSM-5 pattern.
        ("pcl5", [4, 4, 4, 4, 4, 1, 1, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], ("pcl5_above_cutpoint",)),
        ("pcl5", [4] * 20, ("pcl5_above_cutpoint", "pcl5_dsm5_pattern")),
    ],
)
def test_flags(key, answers, flags):
    assert score(key, answers).flags == flags


def test_self_harm_is_the_safety_flag():
    assert SAFETY_FLAGS == {"self_harm"}
    assert SAFETY_FLAGS & set(score("phq9", [0] * 8 + [2]).flags)


@pytest.mark.parametrize(
    ("key", "result", "start"),
    [
        ("phq9", Score(7, "mild", ()), "Your score of 7 out of 27 is in the mild range. "),
        ("gad7", Score(16, "severe", ("gad7_evaluate",)), "Your score of 16 out of 21 is in the severe range. "),
        ("pcl5", Score(40, "probable PTSD", ()), "Your score is 40 out of 80. This is at or above"),
    ],
)
def test_describe(key, result, start):
    assert describe(key, result).startswith(start)
