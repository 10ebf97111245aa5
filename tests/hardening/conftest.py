"""Hardening fixtures: `signed_in(user)`, a client carrying `user`'s session cookie.

The hostile-value walks run hundreds of cases; signing each actor in through the form (argon2) made the
suite take minutes. The form itself is tested in tests/auth and, with its limits, in test_sign_in_limits.
"""
from __future__ import annotations

import pytest


@pytest.fixture
def signed_in(app, auth):
    """signed_in(user) -> a new client with `user`'s session cookie, as a sign-in leaves it.

    Its `csrf` attribute holds the session's CSRF token, read from /account/password as the app's JS does;
    that page only has the token for a signed-in user, so a cookie the app does not accept fails here.
    """

    def sign_in(user):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        client.csrf = auth.on(client).csrf_token("/account/password")
        return client

    return sign_in
