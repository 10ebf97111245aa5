"""Issue #18, patients: copy on the patient's own session page."""
from __future__ import annotations

import re


def test_my_session_names_the_time_zone_as_a_place(login_as, patient, clinician, make_session):
    s = make_session(patient, clinician)
    html = login_as(patient).get(f"/sessions/{s.id}").get_data(as_text=True)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Your time zone: New York (America)" in words
    assert "America/New" not in words and "America/New York" not in words
