import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assistant.context import PART_TTL_SECONDS, warm_context
from pam_project import rls


class Command(BaseCommand):
    help = "Build and cache PAM's user context (profile, financial and travel parts) for all or some users."

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
        started = time.perf_counter()
        with rls.system_scope():  # an operator's command over every user's rows
            # A bar only on a terminal: piped or logged output gets the summary alone. It writes to
            # the stream itself: the command's wrapper would end each redraw with a newline.
            with tqdm(total=users.count(), unit="user", desc="Warming", file=self.stdout._out,
                      disable=not self.stdout.isatty()) as bar:
                warmed, failed = warm_context(users.iterator(), on_user=lambda user, ok: bar.update())
        parts = len(PART_TTL_SECONDS)
        summary = (f"Warmed the context cache for {warmed} user(s) ({warmed * parts} parts: "
                   f"{', '.join(PART_TTL_SECONDS)}) in {time.perf_counter() - started:.2f} s; {failed} failed.")
        self.stdout.write(self.style.WARNING(summary) if failed else self.style.SUCCESS(summary))
        if failed:
            raise CommandError(f"{failed} user(s) could not be warmed; see the log.")
