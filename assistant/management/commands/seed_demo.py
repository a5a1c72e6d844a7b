from django.core.management.base import BaseCommand

from assistant.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo_user
from pam_project import rls


class Command(BaseCommand):
    help = "Create the demo user with a profile, budgets and a month of realistic expenses."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo user's data and seed it afresh.")

    def handle(self, *args, reset=False, **options):
        with rls.system_scope():  # an operator's command: it writes the demo user's rows
            user, created, expense_count = seed_demo_user(reset=reset)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created the demo user with {expense_count} expenses."))
        else:
            self.stdout.write("The demo user already exists; left as it is (use --reset to start over).")
        self.stdout.write(f"Log in at /accounts/login/ as  {DEMO_USERNAME} / {DEMO_PASSWORD}")
