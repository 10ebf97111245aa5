"""Property tests of the input gate's pure rules (katapp/domain/gate.py)."""
import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from katapp.domain import gate

BAD_CHARS = st.sampled_from(
    ["\x00", "\x07", "\x1b", "\x7f", "\ud800", "\udfff", "\ufffe", "\uffff", "\ufdd0", "\ufffd", "\U0001fffe",
     *map(chr, gate.BIDI_CONTROLS)]
)
# letters, digits, punctuation, symbols (emoji), spaces and line breaks: what people write
SAFE = st.text(st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\ufffd") | st.just("\n"),
               max_size=200)


@given(SAFE, BAD_CHARS, SAFE)
def test_any_text_with_a_forbidden_character_is_refused(before, bad, after):
    assert gate.text_problem(before + bad + after) is not None


def test_the_fast_scan_refuses_what_the_per_character_rule_refuses():
    """text_problem skips its per-character loop when `_SUSPECT` finds nothing (issue #16 item 1): every
    code point the loop refuses must be one `_SUSPECT` finds, and the message must stay the loop's."""
    for code in range(0x110000):
        ch = chr(code)
        refused = gate._char_problem(ch) is not None
        assert refused <= bool(gate._SUSPECT.search(ch)), f"U+{code:04X}"
        if refused:
            assert gate.text_problem("ok " + ch) == gate._char_problem(ch), f"U+{code:04X}"
        else:
            assert gate.text_problem("ok " + ch) is None, f"U+{code:04X}"


@given(SAFE.filter(lambda s: s.strip()))
def test_ordinary_text_passes(text):
    assert gate.text_problem(text) is None


@given(st.text(st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", " ", "\t"]), min_size=1)
       .filter(lambda s: not s.isspace()))
def test_text_of_only_invisible_characters_is_refused(text):
    assert gate.text_problem(text) == "has no visible characters"


@given(st.integers(min_value=0, max_value=300))
def test_length_limit_is_exact(extra):
    assert gate.text_problem("x" * 120, 120) is None
    assert (gate.text_problem("x" * (121 + extra), 120) is None) is False


@given(st.dates())
def test_one_date_window(day):
    inside = dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31)
    assert (gate.date_problem(day) is None) == inside


def nested(depth: int, leaf) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@given(st.integers(min_value=0, max_value=80), st.text(alphabet='[]{}"\\x', max_size=20))
def test_depth_scan_agrees_with_the_real_nesting(depth, leaf):
    raw = json.dumps(nested(depth, leaf)).encode()
    assert gate.json_too_deep(raw) == (depth > gate.MAX_JSON_DEPTH)


@given(st.integers())
def test_json_numbers_beyond_the_database_are_refused(number):
    found = gate.json_problem({"n": number})
    assert (found is None) == (abs(number) <= gate.MAX_INT)


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children,
                                                                                      max_size=4),
                    max_leaves=20))
def test_json_problem_never_crashes(value):
    found = gate.json_problem(value)
    assert found is None or (isinstance(found[0], str) and found[1])
