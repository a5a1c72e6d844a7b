# The Celery app loads with Django so that @shared_task uses it (Celery's "First steps with Django").
from .celery import app as celery_app

__all__ = ("celery_app",)
