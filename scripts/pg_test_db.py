"""Create (or drop) a fresh PostgreSQL database for one test run; print its URL.

`python scripts/pg_test_db.py create` prints postgresql+psycopg://…/katapp_test_<random> and
exits 0, or exits 3 when no PostgreSQL answers at PGHOST:PGPORT (default 127.0.0.1:5432).
`python scripts/pg_test_db.py drop URL` removes it again.
"""
from __future__ import annotations

import os
import secrets
import sys


def _admin_conninfo() -> str:
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    return f"host={host} port={port} user={user} dbname={os.environ.get('PGDATABASE', 'test')} connect_timeout=3"


def main(argv: list[str]) -> int:
    import psycopg

    if len(argv) >= 1 and argv[0] == "drop":
        name = argv[1].rsplit("/", 1)[1]
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return 0
    try:
        conn = psycopg.connect(_admin_conninfo(), autocommit=True)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable: {exc}".strip(), file=sys.stderr)
        return 3
    name = "katapp_test_" + secrets.token_hex(4)
    info = conn.info
    url = f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{name}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
