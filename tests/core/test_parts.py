"""Cross-feature page parts are listed in katapp/parts.py and called by name (DESIGN.md §14)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from jinja2 import TemplateNotFound

from katapp.parts import PARTS

KATAPP = Path(__file__).resolve().parents[2] / "katapp"


def test_every_part_names_a_template_that_exists(app):
    for name, part in PARTS.items():
        try:
            app.jinja_env.get_template(part.template)
        except TemplateNotFound:
            pytest.fail(f"part {name!r}: no template {part.template}")


def test_an_unknown_part_is_an_error_not_a_blank(app):
    with app.test_request_context("/"), pytest.raises(KeyError):
        render_template_string('{{ part("no_such_part") }}')


def test_anonymous_gets_every_part_empty(app):
    with app.test_request_context("/"):
        for name in PARTS:
            assert render_template_string("{{ part(name) }}", name=name).strip() == "", name


def test_no_template_hedges_an_include_or_its_data():
    for template in KATAPP.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "ignore missing" not in text, template
        assert not re.search(r"if \w+ is defined else", text), template
