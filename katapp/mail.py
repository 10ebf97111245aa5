"""Outgoing email through Flask-Mailman (settings: config.py's MAIL_*).

Nothing in a user's request sends: features write rows to the outbox (katapp/alerts) and
`flask send-alerts` calls `send_each` here. In development without MAIL_SERVER the console backend
prints each email instead of sending it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_mailman import EmailMessage

from katapp.extensions import mail


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str


def send_each(letters: Iterable[Letter]) -> list[str | None]:
    """Send each letter over one connection; return, per letter, None when the server accepted it
    or the error (one line) when it did not. A connection that cannot be opened fails them all."""
    letters = list(letters)
    connection = mail.get_connection()
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the outbox row and retried
        return [_describe(exc)] * len(letters)
    try:
        return [_send_one(connection, letter) for letter in letters]
    finally:
        _close_quietly(connection)


def _send_one(connection, letter: Letter) -> str | None:
    try:
        sent = EmailMessage(letter.subject, letter.body, to=[letter.to], connection=connection).send()
    except Exception as exc:  # noqa: BLE001 - recorded and retried, never raised into the sender loop
        return _describe(exc)
    return None if sent else "the mail server did not accept the message"


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001, S110  # nosec B110 - the messages are already sent or already marked failed
        pass


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
