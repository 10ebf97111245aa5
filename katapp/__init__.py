"""katapp: a progress tracker for ketamine-assisted therapy clinics."""
from __future__ import annotations

from flask import Flask

import config as config_module
from katapp.extensions import compress, csrf, db, limiter, login_manager, migrate

FEATURES = ("main", "auth", "admin", "audit", "api", "pwa", "checkins", "schedule", "journal", "dashboard",
            "exports", "reminders", "account")


def create_app(config: dict | str | None = None) -> Flask:
    """Build the app: load config, init extensions, register blueprints, errors, CLI, security."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    init_extensions(app)
    register_inputs(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_security(app)
    register_template_helpers(app)
    register_page_parts(app)
    register_static_files(app)
    return app


def load_config(app: Flask, overrides: dict | str | None) -> None:
    """Config class from KATAPP_ENV (or the `config` name), then a dict of overrides (tests)."""
    env_name = overrides if isinstance(overrides, str) else None
    if isinstance(overrides, dict):
        env_name = overrides.get("KATAPP_ENV")
    cls = config_module.config_class(env_name)
    app.config.from_object(cls)
    app.config["KATAPP_ENV"] = cls.ENV_NAME
    if isinstance(overrides, dict):
        app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_uri(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key(cls.ENV_NAME, app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)
        # A file opened in this process cannot drop like a network connection: no ping before each use.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def init_extensions(app: Flask) -> None:
    from katapp import extensions, models  # noqa: F401  (models registers the tables with the metadata)
    from katapp.db_setup import configure_engine_events

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)  # first after_request registered, so it runs last: it compresses the final body
    extensions.mail.init_app(app)  # `katapp.mail` is the sending module, so no bare `mail` here
    with app.app_context():
        configure_engine_events(db.engine)


def register_inputs(app: Flask) -> None:
    from katapp.inputs import init_inputs

    init_inputs(app)  # before the blueprints: their `<int:...>` rules take the bounded converter


def register_blueprints(app: Flask) -> None:
    import importlib

    for name in FEATURES:
        module = importlib.import_module(f"katapp.{name}")
        app.register_blueprint(module.bp)


def register_errors(app: Flask) -> None:
    from katapp.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from katapp.alerts import register_commands as register_alert_commands
    from katapp.cli import register_commands
    from katapp.reminder_sender import register_commands as register_reminder_commands

    register_commands(app)
    register_alert_commands(app)
    register_reminder_commands(app)


def register_security(app: Flask) -> None:
    from katapp.device import init_device
    from katapp.security import init_security
    from katapp.twofactor import init_two_factor

    init_security(app)
    init_device(app)  # one person per phone: X-Katapp-User, Clear-Site-Data on ways in
    init_two_factor(app)  # after the idle timeout: a timed-out user is signed out before the gate


def register_template_helpers(app: Flask) -> None:
    from katapp.templating import init_templating

    init_templating(app)


def register_page_parts(app: Flask) -> None:
    from katapp.parts import init_parts

    init_parts(app)


def register_static_files(app: Flask) -> None:
    from katapp.static_files import init_static_files

    init_static_files(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
