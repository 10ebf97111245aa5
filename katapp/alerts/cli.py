"""`flask --app wsgi send-alerts`: run by cron or a timer every few minutes, on any number of hosts."""
from __future__ import annotations

import click
from flask import Flask

from katapp.alerts import services


def register_commands(app: Flask) -> None:
    app.cli.add_command(send_alerts)


@click.command("send-alerts")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Send at most this many emails in this run.")
def send_alerts(limit: int) -> None:
    """Escalate safety flags left open too long, then send the due emails in the outbox.

    Exits 1 when an email failed (it stays in the outbox and is tried again on a later run).
    """
    escalated = services.escalate_overdue()
    report = services.send_due(limit=limit)
    click.echo(f"{escalated} flag(s) escalated, {report.sent} email(s) sent, {report.failed} failed")
    if report.failed:
        click.echo("Failed emails stay in the outbox and are retried later; see last_error in outbox_emails.", err=True)
        raise click.exceptions.Exit(1)
