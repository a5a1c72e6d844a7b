from django.core.management.base import BaseCommand

from finance.services import recurring_post_due
from pam_project import rls


class Command(BaseCommand):
    help = "Post every recurring bill and income that has fallen due (each owner's local date). Safe to rerun."

    def handle(self, *args, **options):
        with rls.system_scope():  # an operator's command over every user's rows
            posted = recurring_post_due()
        self.stdout.write(f"Posted {posted} recurring {'entry' if posted == 1 else 'entries'}.")
