"""The budget and fuel monitors over many users: wall time and database queries per run.

Builds (once) a database of USERS users in their own PostgreSQL database (``pam_bench``), each
with three budgets and this month's spending (a fifth of them past a budget's 80 % threshold,
some past 95 %) and a primary vehicle with two full fill-ups and an odometer that leaves the
tank anywhere from empty to full (about a fifth under 20 %). Then, ROUNDS times, it deletes the
alerts and runs each monitor as Celery would (``assistant.monitors.monitor_run``), printing the
time, the queries, the users scanned and the alerts raised (each alert also becomes a chat
message and a push through the Redis channel layer). A second run right after shows the cost
when every condition already alerted (the steady state).

    .venv/bin/python bench/monitors.py [--users 100000] [--rounds 1]

Needs PostgreSQL and Redis on 127.0.0.1 (override with BENCH_DATABASE_URL, BENCH_REDIS_URL).
Building 100,000 users takes a few minutes the first time; later runs reuse them.
"""

import argparse
import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pam_bench")
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("PAM_LOG_LEVEL", "WARNING")

ZONES = ["America/Denver", "America/New_York", "America/Los_Angeles", "America/Phoenix", "Europe/Berlin"]
BATCH = 5000


def ensure_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build(users: int) -> None:
    """USERS bench users with budgets, spending, a vehicle and fill-ups (skipped when present)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from assistant.models import Profile
    from finance.models import Budget, Expense
    from travel.models import FuelLog, Vehicle

    User = get_user_model()
    have = User.objects.filter(username__startswith="bench-").count()
    if have >= users:
        return
    print(f"Building {users - have:,} bench users…", flush=True)
    today = datetime.datetime.now(datetime.UTC).date()
    spent_on = today.replace(day=min(today.day, 28)) if today.day > 1 else today
    password = make_password(None)
    for start in range(have, users, BATCH):
        numbers = range(start, min(start + BATCH, users))
        created = User.objects.bulk_create([User(username=f"bench-{n:06d}", password=password) for n in numbers])
        Profile.objects.bulk_create([Profile(user=user, timezone=ZONES[n % len(ZONES)])
                                     for n, user in zip(numbers, created, strict=True)])
        Budget.objects.bulk_create([Budget(user=user, category=category, monthly_limit=Decimal(limit))
                                    for user in created for category, limit in
                                    (("groceries", "800"), ("dining", "300"), ("campground", "900"))])
        # Groceries spending in 5 % steps from 0 % to 95 % of the budget: a fifth at or past 80 %.
        Expense.objects.bulk_create([
            Expense(user=user, category=category, amount=amount, date=spent_on, description="bench")
            for n, user in zip(numbers, created, strict=True) for category, amount in (
                ("groceries", Decimal(800 * ((n % 20) * 5 + 1)) / 100), ("dining", Decimal("42.50")),
                ("campground", Decimal("35.00")))])
        vehicles = Vehicle.objects.bulk_create([
            Vehicle(user=user, name="Rig", tank_capacity_gallons=Decimal("50"), rated_mpg=Decimal("10"),
                    is_primary=True, odometer_miles=41000 + (n % 10) * 50 + 10)  # 1 %…91 % of the tank used
            for n, user in zip(numbers, created, strict=True)])
        FuelLog.objects.bulk_create([
            FuelLog(user_id=vehicle.user_id, vehicle=vehicle, date=today - datetime.timedelta(days=days),
                    odometer_miles=odometer, volume_gallons=Decimal("40"), price_per_gallon=Decimal("3.80"),
                    total_cost=Decimal("152.00"), is_full=True)
            for vehicle in vehicles for days, odometer in ((20, 40600), (10, 41000))])
        print(f"  {start + len(numbers):,} users", flush=True)


def measure(name: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assistant.monitors import monitor_run

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = monitor_run(name)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "queries": len(queries), "users": run.users_scanned, "alerts": run.alerts_raised}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    ensure_database()
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    build(args.users)
    from assistant.models import Alert, Message

    print(f"\nbench/monitors.py --users {args.users} --rounds {args.rounds}  "
          f"(batches of {settings.PAM_MONITOR_CHUNK_SIZE:,} users)")
    print(f"{'monitor':<8} {'run':<10} {'seconds':>8} {'queries':>8} {'users':>9} {'alerts':>8}")
    for _ in range(args.rounds):
        Message.objects.filter(alert__isnull=False).delete()
        Alert.objects.all().delete()
        for name in ("budget", "fuel"):
            for label in ("first", "repeat"):  # repeat: every condition has already alerted
                figures = measure(name)
                print(f"{name:<8} {label:<10} {figures['seconds']:>8.2f} {figures['queries']:>8} "
                      f"{figures['users']:>9,} {figures['alerts']:>8,}", flush=True)


if __name__ == "__main__":
    main()
