"""What ``pam_db_statements_total`` costs a statement (pam_project/metrics.py ``count_statement``).

Times ROUNDS calls of the execute wrapper around a no-op ``execute`` against ROUNDS calls of the
no-op alone (the difference is the counter), repeated REPEATS times, and for scale a ``SELECT 1``
through Django's cursor on the database of DATABASE_URL (the cheapest statement PAM can send).

    .venv/bin/python bench/statement_counter.py [--rounds 1000000] [--repeats 5]

Needs DATABASE_URL for the ``SELECT 1`` figure (without it: SQLite).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")


def wrapper_cost_ns(rounds: int) -> float:
    """Nanoseconds ``count_statement`` adds to one statement."""
    from pam_project.metrics import count_statement

    def execute(sql, params, many, context):
        return None

    context = {}
    started = time.perf_counter()
    for _ in range(rounds):
        execute("SELECT 1", None, False, context)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(rounds):
        count_statement(execute, "SELECT 1", None, False, context)
    return (time.perf_counter() - started - bare) / rounds * 1e9


def select_one_us(rounds: int = 2000) -> float:
    """Microseconds for ``SELECT 1`` and its row through Django's cursor (autocommit)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        started = time.perf_counter()
        for _ in range(rounds):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return (time.perf_counter() - started) / rounds * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    costs = [wrapper_cost_ns(args.rounds) for _ in range(args.repeats)]
    print(" ".join(["$", "python", *sys.argv]))
    print(f"count_statement: {statistics.median(costs):.0f} ns per statement (median of {args.repeats}; "
          f"min {min(costs):.0f}, max {max(costs):.0f})")
    print(f"SELECT 1 through Django: {select_one_us():.1f} µs, for scale")


if __name__ == "__main__":
    main()
