"""Configuration classes, read from the environment (see README's configuration table).

`KATAPP_ENV` picks the class: development (default), testing or production. Production refuses
to start without SECRET_KEY; development generates one once and keeps it in the instance folder.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by database_uri()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY: str | None = None
    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)  # "keep me signed in" (patients only)
    STAFF_IDLE_TIMEOUT = timedelta(minutes=30)  # clinicians and admins
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # Request limits
    MAX_CONTENT_LENGTH = 256 * 1024
    # Forms / CSRF
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session (offline queue replays)
    # Rate limits (Flask-Limiter)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_IP = "100 per 15 minutes"
    LOGIN_LIMIT_ACCOUNT_WIDE = "50 per 15 minutes"  # all places together; tripping it is audited
    # Invitations
    INVITATION_TTL = timedelta(days=7)
    PASSWORD_RESET_TTL = timedelta(minutes=30)
    RESET_LIMIT_PER_EMAIL = "3 per hour"
    RESET_LIMIT_PER_IP = "20 per hour"
    # Compression in the app (Flask-Compress), so gunicorn alone sends small pages: brotli where the
    # browser takes it, else gzip. Streamed answers (CSV exports) go out as brotli or as they are.
    # Static files are precompressed by `make assets` instead (katapp/static_files.py).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br"]
    COMPRESS_BR_LEVEL = 5
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_MIMETYPES = [
        "text/html", "text/plain", "text/css", "text/csv", "text/calendar", "text/javascript",
        "application/javascript", "application/json", "application/manifest+json", "application/fhir+json",
        "image/svg+xml",
    ]
    # Trust one proxy (X-Forwarded-For/Proto) in front of the app; 0 = none.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    # Email (Flask-Mailman), sent only by `flask send-alerts` from the outbox.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or "localhost"
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)  # STARTTLS, usually port 587
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)  # TLS from the start, usually port 465
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or (465 if MAIL_USE_SSL else 587 if MAIL_USE_TLS else 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "katapp <no-reply@localhost>"
    MAIL_TIMEOUT = 15  # seconds; a hung server fails the attempt, the row is retried later
    MAIL_BACKEND = "smtp"
    # The address put in emails ("sign in to katapp <PUBLIC_URL>"); the request's host when unset.
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    # Passkeys (WebAuthn): the relying-party id and origin; unset: from the request's host.
    WEBAUTHN_RP_ID = os.environ.get("KATAPP_WEBAUTHN_RP_ID")
    WEBAUTHN_ORIGIN = os.environ.get("KATAPP_WEBAUTHN_ORIGIN")
    # Web Push (reminders, issue #17): the VAPID private key (PEM, or base64url of the raw key); when
    # unset, one is generated once into the instance folder (instance/vapid_private.pem).
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    # Who push services may contact about this sender (mailto: or https:); default: PUBLIC_URL's site.
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    # Without MAIL_SERVER, `make run` prints each email to its console instead of sending it.
    MAIL_BACKEND = "smtp" if os.environ.get("MAIL_SERVER") else "console"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = True  # tests send real tokens
    # Tests point MAIL_PORT at their own SMTP server on 127.0.0.1 (tests/alerts/conftest.py).
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_TIMEOUT = 5
    PUBLIC_URL = "https://katapp.test"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "1"))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[Config]:
    """Return the Config class for `name` (or KATAPP_ENV); ValueError for an unknown name."""
    name = (name or os.environ.get("KATAPP_ENV") or "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"KATAPP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None


def database_uri(instance_path: str) -> str:
    """DATABASE_URL, or a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; katapp uses psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(Path(instance_path) / "katapp.db")


def secret_key(env_name: str, instance_path: str) -> str:
    """SECRET_KEY from the environment; in development one generated and kept in the instance folder.

    Raises RuntimeError in production when SECRET_KEY is missing or too short.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        if env_name == "production" and len(key) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters in production.")
        return key
    if env_name == "production":
        raise RuntimeError(
            "SECRET_KEY is not set. katapp refuses to start in production without it: "
            "set SECRET_KEY to a long random value (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'`)."
        )
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
