"""One page measurement for every benchmark: a warm-up GET, the SQL statements of one GET, then the
medians of `runs` GETs."""
from __future__ import annotations

import statistics
import time


def measure_page(client, path: str, runs: int) -> tuple[float, float, int, int]:
    """(median wall ms, median CPU ms of this process, SQL statements, bytes) of GET `path` after a
    warm-up request (templates compiled, caches filled). CPU time is the steadier number on a shared
    machine: it leaves out the time other processes had the CPU (the database's own work is in it for
    SQLite, not for PostgreSQL). Call it inside the app's context."""
    from sqlalchemy import event

    from katapp.extensions import db

    first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(f"GET {path} answered {first.status_code}")
    statements: list[int] = []

    def listener(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    client.get(path)
    event.remove(db.engine, "before_cursor_execute", listener)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu), len(statements), len(response.data)
