"""The Celery application that runs PAM's proactive monitors (DESIGN.md, "Proactive monitors").

Broker: Redis (settings.CELERY_BROKER_URL, REDIS_URL by default). Schedules: database rows of
django-celery-beat (``DatabaseScheduler``), seeded by name on migrate, edited by staff in admin.
Times in UTC; every task has a soft and a hard time limit (settings.CELERY_TASK_*_TIME_LIMIT).

Run a worker with ``celery -A pam_project worker`` and exactly one ``celery -A pam_project beat``
(``make run`` starts one worker with an embedded beat).
"""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")

app = Celery("pam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_secrets_in_worker_logs(logger, **kwargs):
    """A worker replaces the root logger's handlers with its own: mask on those too."""
    from pam_project.log_masking import mask_handlers

    mask_handlers(logger)
