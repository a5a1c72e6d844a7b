"""The Celery application that runs PAM's proactive monitors (DESIGN.md, "Proactive monitors").

Broker: Redis (settings.CELERY_BROKER_URL, REDIS_URL by default). Schedules: database rows of
django-celery-beat (``DatabaseScheduler``), seeded by name on migrate, edited by staff in admin.
Times in UTC; every task has a soft and a hard time limit (settings.CELERY_TASK_*_TIME_LIMIT).

Run a worker with ``celery -A pam_project worker`` and exactly one ``celery -A pam_project beat``
(``make run`` starts one worker with an embedded beat).
"""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")

app = Celery("pam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_secrets_in_worker_logs(logger, **kwargs):
    """A worker replaces the root logger's handlers with its own: mask on those too, and write
    PAM's log format (PAM_LOG_FORMAT) with each line's task id."""
    from pam_project.log_masking import mask_handlers
    from pam_project.observability import configure_worker_handlers

    mask_handlers(logger)
    configure_worker_handlers(logger)


@task_prerun.connect
def name_the_task_in_logs(task_id=None, **kwargs):
    """A task's log lines carry its task id as their ``request_id``."""
    from pam_project.observability import set_request_id

    set_request_id(task_id)


@task_postrun.connect
def forget_the_task_in_logs(**kwargs):
    from pam_project.observability import set_request_id

    set_request_id(None)
