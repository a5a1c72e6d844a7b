"""Django's ``migrate`` in the system row level security scope (``pam_project.rls``): a data
migration sees and may change every user's rows, as it must. Run it as the tables' owner role
(``DATABASE_OWNER_URL`` in ``make run``; docs/security.md)."""

from django.core.management.commands import migrate

from pam_project import rls


class Command(migrate.Command):
    def handle(self, *args, **options):
        with rls.system_scope():
            return super().handle(*args, **options)
