"""The Celery application that runs PAM's proactive monitors (DESIGN.md, "Proactive monitors").

Broker: Redis (settings.CELERY_BROKER_URL, REDIS_URL by default). Schedules: database rows of
django-celery-beat (``DatabaseScheduler``), seeded by name on migrate, edited by staff in admin.
Times in UTC; every task has a soft and a hard time limit (settings.CELERY_TASK_*_TIME_LIMIT).

Run a worker with ``celery -A pam_project worker`` and exactly one ``celery -A pam_project beat``
(``make run`` starts one worker with an embedded beat).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")

app = Celery("pam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
