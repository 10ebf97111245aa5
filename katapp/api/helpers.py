"""Helpers every API module uses: reading a JSON body strictly, the error shape, list answers."""
from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request

from katapp.security import json_error


class ApiError(Exception):
    """Raised by services/handlers; answered as CONTRACT.md's JSON error shape."""

    def __init__(self, status: int, error: str, fields: dict[str, str] | None = None):
        super().__init__(error)
        self.status = status
        self.error = error
        self.fields = fields or {}

    def response(self):
        return json_error(self.status, self.error, self.fields)


def json_body(allowed: set[str] | frozenset[str]) -> dict[str, Any]:
    """The request's JSON object; ApiError(400) when it is not an object or has unknown fields."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "body must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApiError(400, "unknown fields", {name: "unknown field" for name in unknown})
    return data


def list_answer(items: list[dict], next_path: str | None):
    """CONTRACT.md's list shape: {"items": [...], "next": path or null}."""
    return jsonify({"items": items, "next": next_path})


def not_found():
    abort(404)
