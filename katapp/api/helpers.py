"""Helpers every API module uses: reading a JSON body strictly and list answers.

Refusals are `katapp.errors.Refusal`; the app's error handler answers them as CONTRACT.md's shape.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from katapp.errors import Invalid


def json_body(allowed: set[str] | frozenset[str]) -> dict[str, Any]:
    """The request's JSON object; Invalid (400) when it is not an object or has unknown fields."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("body must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    Invalid.check({name: "unknown field" for name in unknown}, "unknown fields")
    return data


def list_answer(items: list[dict], next_path: str | None):
    """CONTRACT.md's list shape: {"items": [...], "next": path or null}."""
    return jsonify({"items": items, "next": next_path})
