"""Celery tasks of the proactive monitors (DESIGN.md, "Proactive monitors"): thin wrappers over
``assistant.monitors.monitor_run``, scheduled by django-celery-beat rows that
``assistant.monitors.monitor_schedules_seed`` creates. Each returns its MonitorRun's id."""

from celery import shared_task

from assistant.monitors import monitor_run


@shared_task(name="assistant.tasks.fuel_monitor")
def fuel_monitor() -> int:
    return monitor_run("fuel").id


@shared_task(name="assistant.tasks.budget_monitor")
def budget_monitor() -> int:
    return monitor_run("budget").id


@shared_task(name="assistant.tasks.weather_monitor")
def weather_monitor() -> int:
    return monitor_run("weather").id


@shared_task(name="assistant.tasks.maintenance_monitor")
def maintenance_monitor() -> int:
    return monitor_run("maintenance").id


@shared_task(name="assistant.tasks.context_monitor")
def context_monitor() -> int:
    return monitor_run("context").id
