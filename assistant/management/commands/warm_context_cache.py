from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from assistant.context import warm_context
from pam_project import rls


class Command(BaseCommand):
    help = "Build and cache PAM's user context (profile and financial parts) for all or some users."

    def add_arguments(self, parser):
        parser.add_argument("--user", type=int, action="append", dest="user_ids", metavar="ID",
                            help="Only this user id (repeatable).")

    def handle(self, *args, user_ids=None, **options):
        users = get_user_model().objects.filter(is_active=True).order_by("id")
        if user_ids:
            users = users.filter(id__in=user_ids)
            missing = set(user_ids) - set(users.values_list("id", flat=True))
            if missing:
                raise CommandError(f"No active user with id {', '.join(map(str, sorted(missing)))}")
        with rls.system_scope():  # an operator's command over every user's rows
            count = warm_context(users.iterator())
        self.stdout.write(self.style.SUCCESS(f"Warmed the context cache for {count} user(s)."))
