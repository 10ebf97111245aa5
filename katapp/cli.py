"""`flask --app wsgi demo-data` and `flask --app wsgi create-user` (CONTRACT.md)."""
from __future__ import annotations

import sys
import time

import click
from flask import Flask

from katapp.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user)
    app.cli.add_command(audit_verify)
    app.cli.add_command(rebuild_summaries)


@click.command("demo-data")
@click.option("--patients", default=12, show_default=True, type=click.IntRange(3, 20000))
@click.option("--days", default=120, show_default=True, type=click.IntRange(14, 3650))
@click.option("--password", default=None, help="Password of every demo account.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="Delete everything first (refused on a non-empty database otherwise).")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has accounts.")
@click.option("--clinicians", default=None, type=click.IntRange(2, 1000),
              help="How many clinicians share the patients (default 2, or one per 500 patients above 1,000).")
@click.option("--require-2fa", "require_2fa", is_flag=True,
              help="Keep staff two-factor required (by default the demo clinic signs in with passwords alone).")
def demo_data(patients: int, days: int, password: str | None, seed: int, reset: bool, if_empty: bool,
              clinicians: int | None, require_2fa: bool) -> None:
    """Load a demo clinic: an admin, two clinicians and N patients with D days of history."""
    from sqlalchemy import select

    from katapp.demo import DEFAULT_PASSWORD, DemoError, build_demo
    from katapp.models import User

    if if_empty and not reset and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has accounts; demo data not loaded.")
        return

    started = time.perf_counter()
    try:
        counts = build_demo(patients=patients, days=days, password=password or DEFAULT_PASSWORD, seed=seed, reset=reset,
                            require_2fa=require_2fa, clinicians=clinicians)
    except DemoError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    took = time.perf_counter() - started
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()) + f" in {took:.1f}s")
    staff = counts.pop("clinicians")
    click.echo(f"Accounts: admin@demo.katapp.org, clinician1@demo.katapp.org … clinician{staff}@demo.katapp.org, "
               f"patient1@demo.katapp.org … patient{patients}@demo.katapp.org")
    click.echo(f"Password for every demo account: {password or DEFAULT_PASSWORD}")
    if require_2fa:
        click.echo("Staff two-factor is ON: clinicians and admins set up a passkey or authenticator app at first sign-in.")
    else:
        click.echo("Staff two-factor is OFF for this demo clinic, so every account signs in with the password alone. "
                   "Turn it on in Clinic settings (admin), or load the demo with --require-2fa.")


@click.command("rebuild-summaries")
def rebuild_summaries() -> None:
    """Recompute every patient's stored caseload summary (in batches), e.g. after a restore or upgrade."""
    from katapp.dashboard.store import rebuild_all

    started = time.perf_counter()
    count = rebuild_all()
    db.session.commit()
    click.echo(f"Rebuilt {count} patient summar{'y' if count == 1 else 'ies'} in {time.perf_counter() - started:.1f}s")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["patient", "clinician", "admin"]))
@click.option("--clinician", "clinician_email", default=None, help="Care-team clinician's email (patients).")
@click.option("--name", default=None, help="Display name (default: the part of the email before @).")
@click.option("--timezone", default="America/New_York", show_default=True)
def create_user(email: str, role: str, clinician_email: str | None, name: str | None, timezone: str) -> None:
    """Create an account; the password is read from standard input (prompted on a terminal).

    Input is checked here; the account is made by the one user-creation service.
    """
    from zoneinfo import available_timezones

    from katapp.admin.services import create_user as create_account
    from katapp.errors import Refusal

    if "@" not in email or len(email.strip()) > 254:
        raise click.ClickException("Give a valid email address.")
    if timezone not in available_timezones():
        raise click.ClickException(f"Unknown time zone {timezone!r}.")
    if clinician_email and role != "patient":
        raise click.ClickException("--clinician is only for patients.")
    clinician_ids = [_clinician_id(clinician_email)] if clinician_email else None
    password = (click.prompt("Password", hide_input=True, confirmation_prompt=True) if sys.stdin.isatty()
                else sys.stdin.readline().rstrip("\r\n"))
    try:
        user, _ = create_account(email=email, display_name=name or email.strip().split("@")[0], role=role,
                                 timezone=timezone, clinician_ids=clinician_ids, created_by=None, password=password)
    except Refusal as refusal:
        raise click.ClickException(" ".join(refusal.fields.values()) or refusal.message) from None
    click.echo(f"Created {role} {user.email} (id {user.id}).")


def _clinician_id(clinician_email: str) -> int:
    """The id of the clinician with this email, or a ClickException."""
    from sqlalchemy import select

    from katapp.accounts import normalize_email
    from katapp.models import User

    found = db.session.scalar(select(User.id).where(User.email == normalize_email(clinician_email),
                                                    User.role == "clinician"))
    if found is None:
        raise click.ClickException(f"No clinician with email {clinician_email}.")
    return found


@click.command("audit-verify")
def audit_verify() -> None:
    """Walk the audit hash chain; exit 1 naming the first broken link, 0 when it is whole."""
    from katapp.audit.chain import verify

    verdict = verify(db.session)
    if not verdict.ok:
        click.echo(f"Audit chain BROKEN after {verdict.checked} good events: {verdict.broken}", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {verdict.checked} events.")
