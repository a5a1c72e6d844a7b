from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_monitor_schedules(sender, apps=None, **kwargs):
    """After migrate (and after a test flush): make sure each monitor has its beat schedule."""
    try:
        (apps or sender.apps).get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # migrated only part of the way: django-celery-beat's tables are not there yet
        return
    from assistant.monitors import monitor_schedules_seed

    monitor_schedules_seed()


class AssistantConfig(AppConfig):
    name = "assistant"
    verbose_name = "PAM assistant"

    def ready(self):
        # Every app's tools.py registers its PAM tools with @pam_tool on import.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tools")
        # A write tool's changes to the user's records are recorded so they can be undone.
        from assistant.undo import connect_signals

        connect_signals()
        post_migrate.connect(_seed_monitor_schedules, sender=self, dispatch_uid="pam_seed_monitor_schedules")
        # Row level security on every table of users' rows, and the app role's grants.
        from pam_project.rls import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="pam_row_level_security")
