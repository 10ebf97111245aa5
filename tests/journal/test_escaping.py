"""Everything a patient writes is shown as literal text: never markup, never a template."""
from __future__ import annotations

import pytest

CASES = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"),
    ('<a href="javascript:alert(1)">click</a>', "&lt;a href=&#34;javascript:alert(1)&#34;&gt;click&lt;/a&gt;"),
    ("{{ config.SECRET_KEY }} {% for x in range(3) %}{{ x }}{% endfor %}",
     "{{ config.SECRET_KEY }} {% for x in range(3) %}{{ x }}{% endfor %}"),
    ("Tom & Jerry's \"quote\"", "Tom &amp; Jerry&#39;s &#34;quote&#34;"),
]


@pytest.mark.parametrize("body,shown", CASES)
def test_bodies_and_prompts_are_escaped_everywhere(as_patient, as_clinician, patient, body, shown, api):
    entry = api(as_patient, "POST", "/api/v1/journal", json={"body": body, "prompt": body, "shared": True}).get_json()
    pages = [
        as_patient.get(f"/journal/{entry['id']}"),
        as_patient.get(f"/journal/{entry['id']}/edit"),
        as_patient.get("/journal"),
        as_patient.get("/journal?view=session"),
        as_clinician.get(f"/patients/{patient.id}/journal"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert body not in html or body == shown, response.request.path
        assert shown[:40] in html, response.request.path
    # The JSON answer is the text itself.
    assert api(as_patient, "GET", f"/api/v1/journal/{entry['id']}").get_json()["body"] == body


def test_template_syntax_is_not_evaluated(as_patient, api):
    entry = api(as_patient, "POST", "/api/v1/journal", json={"body": "{{ 7 * 7 }} and {{ config }}"}).get_json()
    html = as_patient.get(f"/journal/{entry['id']}").get_data(as_text=True)
    assert "data-journal-body>{{ 7 * 7 }} and {{ config }}</div>" in html
    assert "&lt;Config" not in html and "SECRET_KEY" not in html


def test_entry_page_keeps_paragraphs_and_marks_direction(as_patient, api):
    entry = api(as_patient, "POST", "/api/v1/journal", json={"body": "one\n\ntwo"}).get_json()
    html = as_patient.get(f"/journal/{entry['id']}").get_data(as_text=True)
    assert '<div class="journal-body card" dir="auto" data-journal-body>one\n\ntwo</div>' in html
