"""Per-connection database settings."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine_events(engine: Engine) -> None:
    """SQLite: foreign keys on, WAL journal, a busy timeout so concurrent writers wait, not fail.

    `synchronous=NORMAL` with WAL: a commit is written to the WAL file before the answer leaves, so
    it survives the process being killed (kill -9, a crash, a worker restart); it is fsynced at the
    next checkpoint, so a power cut or OS crash may lose the last commits (never corrupts the file).
    README "Durability" says so.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised on connect
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
