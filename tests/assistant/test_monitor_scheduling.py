"""The monitors run on schedules that staff own: beat reads them from the database, runs them on a
real Celery worker, picks up what staff change in admin, and seeding never undoes those changes.
Staff see each run in admin, and a run's alert reaches the user's open socket and nobody else's."""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from assistant.models import Alert, MonitorRun
from assistant.monitors import MONITORS, monitor_run, monitor_schedules_seed
from finance.services import budget_set, expense_create
from pam_project.celery import app as celery_app
from tests.conftest import app_role_database_url
from travel.services import fuel_log_create, odometer_update, vehicle_create

SEEDED_INTERVALS = {
    "PAM fuel monitor": (5, "minutes"),
    "PAM budget monitor": (1, "hours"),
    "PAM weather monitor": (30, "minutes"),
    "PAM maintenance monitor": (1, "days"),
    "PAM trips and calendar monitor": (15, "minutes"),
}


def schedule(name):
    return PeriodicTask.objects.select_related("interval").get(name=name)


def interval(every, period):
    return IntervalSchedule.objects.get_or_create(every=every, period=period)[0]


def give_alice_a_dining_budget_85_percent_spent(alice):
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Denver")).date()  # her month, not the server's
    budget_set(user=alice, category="dining", monthly_limit=Decimal("100.00"))
    expense_create(user=alice, amount=Decimal("85.00"), category="dining", date=today, merchant="Diner")


def give_alice_a_low_tank(alice):
    """100 gallons at 10 mpg, filled up 850 miles ago: about 15 % left (below 20 %: high)."""
    vehicle_create(user=alice, name="Big Rig", odometer_miles=10_000, tank_capacity_gallons=Decimal("100"),
                   rated_mpg=Decimal("10"), is_primary=True)
    fuel_log_create(user=alice, date=timezone.localdate(), odometer_miles=10_000, volume_gallons=Decimal("100"),
                    price_per_gallon=Decimal("4.00"), is_full=True)
    odometer_update(user=alice, odometer_miles=10_850)


def give_bob_a_full_tank(bob):
    vehicle_create(user=bob, name="Bob's Van", odometer_miles=5_000, tank_capacity_gallons=Decimal("80"),
                   rated_mpg=Decimal("8"), is_primary=True)
    fuel_log_create(user=bob, date=timezone.localdate(), odometer_miles=5_000, volume_gallons=Decimal("80"),
                    price_per_gallon=Decimal("4.00"), is_full=True)
    odometer_update(user=bob, odometer_miles=5_100)


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "root-pass-123"))
    return client


# --- A real worker with an embedded beat ---------------------------------------------------------

class Worker:
    """``celery -A pam_project worker --beat`` in a subprocess, on the test database and the
    test's Redis database, consuming only its own queue."""

    def __init__(self, log_path):
        self.queue = f"pam-test-{uuid.uuid4().hex[:12]}"
        self.log_path = log_path
        self.process = None

    def start(self):
        # The test database (pytest-django's test_...) as the application's role, like a
        # production worker: the monitors see every user's rows only through their system scope.
        env = {
            **os.environ,
            "DATABASE_URL": app_role_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            # The broker is the test's own Redis database, emptied before and after every test;
            # the worker only consumes its own queue, so it can eat nobody else's tasks.
            "CELERY_BROKER_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "pam_project.settings"),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "celery", "-A", "pam_project", "worker", "--beat", "--pool", "solo",
                   "--loglevel", "INFO", "--queues", self.queue, "--hostname", f"{self.queue}@%h",
                   "--without-mingle", "--without-gossip", "--without-heartbeat"]
        with open(self.log_path, "wb") as log:
            # Its own session, so teardown can stop the worker and its embedded beat process together.
            self.process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def output(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for(self, condition, what, timeout=60):
        """Poll ``condition()`` until it returns something truthy; fail with the worker's log
        when it does not within ``timeout`` seconds or the worker dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited ({self.process.returncode}) before {what}:\n{self.output()}")
            time.sleep(0.2)
        pytest.fail(f"No {what} within {timeout} s. Worker output:\n{self.output()}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown of the worker and its beat
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A not yet started Worker (commit the data it needs, then ``.start()``); always stopped
    at teardown, before the database is flushed, and its log printed (shown when a test fails)."""
    worker = Worker(tmp_path / "worker.log")
    try:
        yield worker
    finally:
        worker.stop()
        print(f"--- celery worker output ---\n{worker.output()}")


class TestBeatAndWorker:
    def test_beat_runs_the_budget_monitor_on_the_interval_in_the_database_and_alice_gets_her_alert(
            self, worker, alice, bob):
        give_alice_a_dining_budget_85_percent_spent(alice)
        budget = schedule("PAM budget monitor")
        budget.interval = interval(2, IntervalSchedule.SECONDS)  # as staff would set it in admin
        budget.last_run_at = None
        budget.queue = worker.queue
        budget.save()
        for other in PeriodicTask.objects.filter(name__startswith="PAM ").exclude(id=budget.id):
            other.enabled = False  # only the budget monitor is on
            other.save()

        started = timezone.now()
        worker.start()
        runs = MonitorRun.objects.filter(monitor="budget", status=MonitorRun.Status.SUCCEEDED)
        # Two runs: the one beat makes when it first sees the schedule, and the one 2 s later.
        worker.wait_for(lambda: runs.count() >= 2, "second successful budget run")

        first = runs.order_by("started_at").first()
        assert (first.users_scanned, first.alerts_raised) == (1, 1)
        assert all(run.alerts_raised == 0 for run in runs.order_by("started_at")[1:]), "a repeat alerts nobody"
        alert = Alert.objects.get(user=alice)
        assert (alert.category, alert.severity, alert.title) == ("budget", "high", "Dining budget 85% used")
        assert "$85.00 of $100.00 spent on dining" in alert.message
        assert not Alert.objects.filter(user=bob).exists()

        budget.refresh_from_db()
        assert budget.total_run_count >= 1 and budget.last_run_at >= started
        assert not MonitorRun.objects.exclude(monitor="budget").exists(), "the monitors switched off did not run"


# --- What staff change in admin is what beat uses ------------------------------------------------

def change_form(task, **changes):
    """The whole PeriodicTask change form as the admin page posts it, with ``changes``."""
    start = timezone.localtime(task.start_time) if task.start_time else None
    data = {
        "name": task.name, "regtask": task.task, "task": "", "enabled": "on" if task.enabled else "",
        "description": task.description,
        "interval": task.interval_id or "", "crontab": task.crontab_id or "", "solar": task.solar_id or "",
        "clocked": task.clocked_id or "",
        "start_time_0": start.strftime("%Y-%m-%d") if start else "",
        "start_time_1": start.strftime("%H:%M:%S") if start else "",
        "one_off": "on" if task.one_off else "",
        "args": task.args, "kwargs": task.kwargs,
        "expires_0": "", "expires_1": "", "expire_seconds": task.expire_seconds or "",
        "queue": task.queue or "", "exchange": task.exchange or "", "routing_key": task.routing_key or "",
        "priority": "" if task.priority is None else task.priority, "headers": task.headers or "{}",
        "_save": "Save",
    }
    data.update(changes)
    for checkbox in ("enabled", "one_off"):  # a browser leaves an unchecked box out
        if not data[checkbox]:
            del data[checkbox]
    return data


def beat_entries():
    """What beat would schedule now: a fresh DatabaseScheduler reading the database."""
    return DatabaseScheduler(app=celery_app, lazy=True).schedule


@pytest.mark.django_db(transaction=True)  # the scheduler commits and recycles connections, as in beat
class TestSchedulesInAdmin:
    def test_an_interval_staff_change_in_admin_is_what_beat_uses(self, staff_client):
        fuel = schedule("PAM fuel monitor")
        assert beat_entries()["PAM fuel monitor"].schedule.run_every == datetime.timedelta(minutes=5)
        every_minute = interval(1, IntervalSchedule.MINUTES)

        url = f"/admin/django_celery_beat/periodictask/{fuel.id}/change/"
        assert staff_client.get(url).status_code == 200
        response = staff_client.post(url, change_form(fuel, interval=every_minute.id))
        assert response.status_code == 302, response.context["adminform"].form.errors

        fuel.refresh_from_db()
        assert (fuel.interval_id, fuel.task, fuel.enabled) == (every_minute.id, "assistant.tasks.fuel_monitor", True)
        entry = beat_entries()["PAM fuel monitor"]
        assert entry.task == "assistant.tasks.fuel_monitor"
        assert entry.schedule.run_every == datetime.timedelta(minutes=1)

    def test_a_monitor_switched_off_in_admin_is_no_longer_scheduled(self, staff_client):
        fuel = schedule("PAM fuel monitor")
        response = staff_client.post(f"/admin/django_celery_beat/periodictask/{fuel.id}/change/",
                                     change_form(fuel, enabled=""))
        assert response.status_code == 302, response.context["adminform"].form.errors

        entries = beat_entries()
        assert "PAM fuel monitor" not in entries
        assert set(entries) == set(SEEDED_INTERVALS) - {"PAM fuel monitor"}

    def test_run_selected_tasks_sends_the_monitor_to_the_workers(self, staff_client):
        from django_redis import get_redis_connection

        fuel = schedule("PAM fuel monitor")
        # A queue no worker consumes, so no worker anywhere runs it; the message is read back below.
        fuel.queue = f"pam-test-{uuid.uuid4().hex[:12]}"
        fuel.save()
        broker = get_redis_connection("default")
        assert celery_app.conf.broker_url == settings.REDIS_URL, "the test's own Redis database is the broker"

        response = staff_client.post("/admin/django_celery_beat/periodictask/",
                                     {"action": "run_tasks", "_selected_action": [fuel.id]}, follow=True)
        try:
            assert response.status_code == 200
            assert [str(m) for m in response.context["messages"]] == ["1 task was successfully run"]
            sent = [json.loads(raw) for raw in broker.lrange(fuel.queue, 0, -1)]
            assert [(m["headers"]["task"], m["headers"]["periodic_task_name"]) for m in sent] == [
                ("assistant.tasks.fuel_monitor", "PAM fuel monitor")]
        finally:
            broker.delete(fuel.queue, f"_kombu.binding.{fuel.queue}")


# --- Seeding -------------------------------------------------------------------------------------

@pytest.mark.django_db
class TestSeeding:
    def test_every_monitor_has_its_schedule_after_migrate(self):
        tasks = PeriodicTask.objects.filter(name__in=SEEDED_INTERVALS).select_related("interval")
        assert {t.name: (t.interval.every, t.interval.period) for t in tasks} == SEEDED_INTERVALS
        assert {t.name: t.task for t in tasks} == {spec.schedule_name: spec.task for spec in MONITORS.values()}
        assert all(t.enabled for t in tasks)

    def test_seeding_again_creates_nothing_and_keeps_what_staff_changed(self):
        fuel = schedule("PAM fuel monitor")
        fuel.interval = interval(1, IntervalSchedule.MINUTES)
        fuel.save()
        weather = schedule("PAM weather monitor")
        weather.enabled = False
        weather.save()

        assert monitor_schedules_seed() == 0
        assert PeriodicTask.objects.filter(name__in=SEEDED_INTERVALS).count() == 5
        fuel, weather = schedule("PAM fuel monitor"), schedule("PAM weather monitor")
        assert (fuel.interval.every, fuel.interval.period) == (1, "minutes")
        assert weather.enabled is False

    def test_a_deleted_schedule_is_made_again(self):
        schedule("PAM maintenance monitor").delete()
        assert monitor_schedules_seed() == 1
        maintenance = schedule("PAM maintenance monitor")
        assert (maintenance.task, maintenance.interval.every, maintenance.interval.period, maintenance.enabled) == (
            "assistant.tasks.maintenance_monitor", 1, "days", True)
        assert PeriodicTask.objects.filter(name__in=SEEDED_INTERVALS).count() == 5


# --- Monitor runs in admin -----------------------------------------------------------------------

@pytest.mark.django_db
class TestMonitorRunAdmin:
    URL = "/admin/assistant/monitorrun/"

    def test_staff_see_each_run_with_the_users_scanned_and_alerts_raised(self, staff_client, alice, bob):
        give_alice_a_dining_budget_85_percent_spent(alice)
        budget_set(user=bob, category="fuel", monthly_limit=Decimal("300.00"))  # scanned, nothing to say
        run = monitor_run("budget")
        assert (run.status, run.users_scanned, run.alerts_raised) == ("succeeded", 2, 1)

        page = staff_client.get(self.URL).content.decode()
        assert f'href="/admin/assistant/monitorrun/{run.id}/change/"' in page
        assert '<td class="field-status">Succeeded</td>' in page
        assert '<td class="field-users_scanned">2</td>' in page
        assert '<td class="field-alerts_raised">1</td>' in page

    def test_staff_filter_runs_by_monitor(self, staff_client, alice):
        give_alice_a_dining_budget_85_percent_spent(alice)
        budget_run, fuel_run = monitor_run("budget"), monitor_run("fuel")

        response = staff_client.get(self.URL, {"monitor__exact": "fuel"})
        assert [run.id for run in response.context["cl"].result_list] == [fuel_run.id]
        response = staff_client.get(self.URL, {"monitor__exact": "budget"})
        assert [run.id for run in response.context["cl"].result_list] == [budget_run.id]

    def test_staff_cannot_add_or_change_a_run(self, staff_client):
        run = monitor_run("fuel")
        assert staff_client.get(f"{self.URL}add/").status_code == 403
        assert f"{self.URL}add/" not in staff_client.get(self.URL).content.decode()
        response = staff_client.post(f"{self.URL}{run.id}/change/", {"monitor": "budget", "users_scanned": 99})
        assert response.status_code == 403
        run.refresh_from_db()
        assert (run.monitor, run.users_scanned) == ("fuel", 0)


# --- A monitor run reaches the user's socket -----------------------------------------------------

@pytest.mark.django_db(transaction=True)
class TestMonitorRunToSocket:
    async def test_a_fuel_run_pushes_alices_low_tank_to_her_open_socket_and_nothing_to_bob(
            self, socket_for, alice, bob):
        await database_sync_to_async(give_alice_a_low_tank)(alice)
        await database_sync_to_async(give_bob_a_full_tank)(bob)
        alices, bobs = await socket_for(alice), await socket_for(bob)

        run = await database_sync_to_async(monitor_run)("fuel")
        assert (run.users_scanned, run.alerts_raised) == (2, 1)
        frame = await alices.receive_json_from(timeout=5)
        assert frame["type"] == "proactive_alert"
        alert = frame["alert"]
        assert (alert["category"], alert["severity"]) == ("fuel", "high")
        assert alert["title"] == "Fuel is getting low in Big Rig"
        assert alert["message"].startswith("About 15% left: 15.0 of 100 gallons, roughly 150 miles at 10 mpg")
        assert await bobs.receive_nothing(timeout=0.5)

        again = await database_sync_to_async(monitor_run)("fuel")
        assert again.alerts_raised == 0
        assert await alices.receive_nothing(timeout=0.5), "the same low tank is not pushed twice"
