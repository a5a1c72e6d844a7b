"""What row level security costs a query (pam_project/rls.py, pam_project/db).

Times one indexed ORM read (a user's expenses this month, 20 rows) N times, four ways:

  no scope, autocommit     nothing is sent (the policies then show no rows: a floor, not a baseline)
  user scope, autocommit   each statement runs in a transaction of its own that sets the scope
  user scope, transaction  the scope is set once, before the transaction's first statement
  system scope, autocommit like the monitors' statements outside a transaction

and prints the median per query and the difference from the transaction case, where the scope
costs one statement per transaction: the autocommit rows show what a statement outside a
transaction pays for its own transaction and set_config. Run it on a migrated
database as the owner role (the tests' role; it makes and deletes one user):

    DATABASE_URL=postgres://pam_owner@127.0.0.1:5432/pam .venv/bin/python bench/rls.py [--queries 2000]
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from finance.models import Expense  # noqa: E402
from pam_project import rls  # noqa: E402


def timed(queries: int, read) -> float:
    """Median seconds per call of ``read`` over ``queries`` calls (in batches of 100)."""
    batches = []
    for _ in range(max(1, queries // 100)):
        started = time.perf_counter()
        for _ in range(100):
            read()
        batches.append((time.perf_counter() - started) / 100)
    return statistics.median(batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    options = parser.parse_args()
    with rls.system_scope():
        user = get_user_model().objects.create_user(f"rls-bench-{os.getpid()}")
        first = datetime.date.today().replace(day=1)
        Expense.objects.bulk_create(Expense(user=user, amount=Decimal("9.99"), category="groceries", date=first)
                                    for _ in range(20))

    def read():
        return len(Expense.objects.filter(user=user, date__gte=first)[:50])

    try:
        with rls.scope(None):
            floor = timed(options.queries, read)
        with rls.scope(user):
            assert read() == 20
            autocommit = timed(options.queries, read)
            with transaction.atomic():
                in_transaction = timed(options.queries, read)
        with rls.system_scope():
            system = timed(options.queries, read)
    finally:
        with rls.system_scope():
            user.delete()
    print(f"bench/rls.py --queries {options.queries}  (one 20-row indexed read; median per query)")
    for label, seconds in (("no scope, autocommit", floor), ("user scope, autocommit", autocommit),
                           ("user scope, transaction", in_transaction), ("system scope, autocommit", system)):
        print(f"  {label:26} {seconds * 1e6:7.0f} µs   {(seconds - in_transaction) * 1e6:+6.0f} µs")


if __name__ == "__main__":
    main()
