"""Security baseline: headers, CSRF, access by role, errors without tracebacks, body limits."""
import pytest

from katapp.extensions import db
from katapp.models import AuditEvent
from katapp.security import audit, audit_view, safe_next

PAGES = {  # path -> roles that may open it
    "/checkin": {"patient"},
    "/journal": {"patient"},
    "/sessions": {"patient"},
    "/progress": {"patient"},
    "/caseload": {"clinician"},
    "/agenda": {"clinician"},
    "/caseload/add": {"clinician"},
    "/clinic": {"admin"},
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/admin/settings": {"admin"},
    "/account": {"patient", "clinician", "admin"},
    "/account/password": {"patient", "clinician", "admin"},
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["patient", "clinician", "admin"])
@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_by_role(make_user, login_as, role, path):
    c = login_as(make_user(role))
    expected = 200 if role in PAGES[path] else 404
    assert c.get(path).status_code == expected


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(client, make_user, auth):
    response = auth.login(make_user("patient"))
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch):
    from katapp import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"KATAPP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_static_assets_are_cached_immutably_when_fingerprinted(client):
    from katapp.templating import asset_url

    with client.application.test_request_context():
        url = asset_url("css/app.css")
    assert "?v=" in url
    with client.get(url) as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
    with client.get("/static/css/app.css") as plain:
        assert plain.headers["Cache-Control"] == "no-cache"


def test_no_inline_script_in_pages(make_user, login_as):
    import re

    for role, path in [("patient", "/checkin"), ("clinician", "/caseload"), ("admin", "/admin/users")]:
        html = login_as(make_user(role)).get(path).get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler"
        assert not re.search(r"<[^>]+\sstyle\s*=", html), "inline style attribute (CSP style-src 'self')"


def _echo_route(app):
    """A throwaway JSON write endpoint under /api, so these rules are tested apart from any feature."""
    from flask import jsonify, request

    app.add_url_rule("/api/v1/_echo", "echo", lambda: jsonify(request.get_json()), methods=["POST"])


def test_csrf_required_on_json_writes(app, make_user, login_as):
    _echo_route(app)
    c = login_as(make_user("patient"))
    assert c.post("/api/v1/_echo", json={"mood": 5}, headers={"X-CSRFToken": c.csrf}).status_code == 200
    response = c.post("/api/v1/_echo", json={"mood": 5})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf token missing or invalid"


def test_api_anonymous_is_401_json(client):
    response = client.get("/api/v1/patients")
    assert response.status_code == 401
    assert response.get_json() == {"error": "not signed in", "fields": {}}


def test_api_unknown_path_is_404_json(make_user, login_as):
    c = login_as(make_user("clinician"))
    response = c.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"] == "not found"


def test_body_too_large_is_413(app, make_user, login_as):
    _echo_route(app)
    c = login_as(make_user("patient"))
    response = c.post("/api/v1/_echo", data=b"x" * (300 * 1024), headers={"X-CSRFToken": c.csrf,
                                                                           "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "request body too large"


def test_error_pages_show_no_traceback(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in text and "secret internals" not in text
    assert "Nothing you entered was lost" in text


@pytest.mark.parametrize(("target", "expected"), [
    ("/journal", "/journal"), ("/checkin?x=1", "/checkin?x=1"), ("//evil.example", None), ("/\\evil", None),
    ("javascript:alert(1)", None), ("http://evil.example", None), ("", None), (None, None), ("/ok\r\nSet-Cookie:x", None),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_audit_log_is_append_only(app, make_user):
    from katapp.models import AuditLogIsAppendOnly

    user = make_user("admin")
    event = audit("something", actor=user)
    db.session.commit()
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.delete(db.session.get(AuditEvent, event.id))
        db.session.commit()
    db.session.rollback()


def test_audit_view_records_staff_but_not_self(app, patient, clinician):
    from flask_login import login_user

    with app.test_request_context():
        login_user(patient)
        audit_view(patient.id, "progress")
    assert db.session.query(AuditEvent).count() == 0
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        login_user(clinician)
        audit_view(patient.id, "dashboard", export=False)
        audit_view(patient.id, "checkins", export=True)
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [(e.action, e.actor_id, e.patient_id, e.ip) for e in events] == [
        ("view:dashboard", clinician.id, patient.id, "10.1.2.3"),
        ("export:checkins", clinician.id, patient.id, "10.1.2.3"),
    ]


def test_audit_view_joins_the_transaction_without_committing(app, patient, clinician):
    """A read handler never commits: the request's after_request hook stores the audit row."""
    from flask_login import login_user

    with app.test_request_context():
        login_user(clinician)
        audit_view(patient.id, "dashboard")
    db.session.rollback()
    assert db.session.query(AuditEvent).count() == 0


def test_a_read_request_commits_its_audit_rows(app, patient, clinician, login_as):
    login_as(clinician).get(f"/patients/{patient.id}/journal")
    db.session.rollback()
    assert [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("view:%"))] == ["view:journal"]
