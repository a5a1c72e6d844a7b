"""PostgreSQL row level security (pam_project/rls.py): the database keeps each user's rows to
that user even for a query that forgot its filter, and the application's role cannot opt out.

Raw SQL here goes through a plain psycopg connection as the application's role (pam_app), so
nothing of PAM's code helps it; the data is committed (transactional_db) so that connection sees
it like a production process would.
"""

import datetime
import uuid
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assistant.models import Message
from assistant.services import message_receive
from finance.models import Expense
from finance.services import expense_create
from pam_project import rls
from tests.conftest import app_role_database_url
from travel.models import Trip, TripStop
from travel.services import trip_create

# Tables that reference a user but are Django's or simplejwt's sign-in machinery, read before
# anyone is signed in (docs/security.md says why they are not under a policy).
AUTH_TABLES = {"auth_user_groups", "auth_user_user_permissions", "django_admin_log",
               "token_blacklist_outstandingtoken"}


def user_referencing_tables() -> set[str]:
    """Every table with a foreign key to auth_user, from PostgreSQL's own catalog."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
                          WHERE c.contype = 'f' AND c.confrelid = 'auth_user'::regclass""")
        return {row[0].strip('"') for row in cursor.fetchall()}


@pytest.fixture
def rows(transactional_db, alice, bob):
    """Alice's and bob's expenses, a trip with stops and a chat message each, committed."""
    made = {}
    for user, amount, place, (lat, lng) in ((alice, "45.20", "Moab", (38.57, -109.55)),
                                            (bob, "12.00", "Boise", (43.62, -116.2))):
        expense_create(user=user, amount=Decimal(amount), category="groceries",
                       description=f"{user.username}'s secret groceries", date=datetime.date(2026, 11, 3))
        trip_create(user=user, title=f"{user.username}'s trip", stops=[
            {"name": place, "latitude": lat, "longitude": lng},
            {"name": "Denver", "latitude": 39.74, "longitude": -104.99}])
        message_receive(user=user, client_message_id=uuid.uuid4(), text=f"{user.username} says hi")
        made[user.username] = user
    return made


def as_app_role(user_id=None, *, all_users=False):
    """A psycopg connection as pam_app (autocommit off: every statement in one transaction), with
    the transaction's scope set like the backend sets it, or not at all."""
    conn = psycopg.connect(app_role_database_url(), connect_timeout=5)
    if user_id is not None or all_users:
        conn.execute(rls.SET_SCOPE_SQL, rls.scope_params(rls.SYSTEM if all_users else user_id))
    return conn


def count(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()[0]


class TestTheCatalog:
    def test_every_table_of_users_rows_is_under_a_forced_policy(self, db):
        tables = {table.table for table in rls.owned_tables()}
        # Found from PostgreSQL's catalog, not from the same code that installs the policies.
        assert user_referencing_tables() - AUTH_TABLES <= tables
        assert {"finance_expense", "travel_trip", "travel_tripstop", "assistant_message",
                "assistant_profile"} <= tables
        with connection.cursor() as cursor:
            cursor.execute("""SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                                     count(p.oid) FILTER (WHERE p.polname = %s)
                              FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
                              WHERE c.relname = ANY(%s) GROUP BY 1, 2, 3""", [rls.POLICY, sorted(tables)])
            found = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor.fetchall()}
        assert found == {name: (True, True, 1) for name in tables}

    def test_the_app_role_owns_nothing_and_cannot_bypass(self, db, settings):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls, rolcreatedb FROM pg_roles WHERE rolname = %s",
                           [settings.PAM_DATABASE_APP_ROLE])
            assert cursor.fetchone() == (False, False, False)
            cursor.execute("""SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                              WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s""",
                           [settings.PAM_DATABASE_APP_ROLE])
            assert cursor.fetchone()[0] == 0

    def test_the_tests_themselves_are_held_to_the_policies(self, db):
        assert not rls.connection_bypasses()


@pytest.mark.django_db(transaction=True)
class TestRawSqlAsTheAppRole:
    def test_without_the_setting_a_query_sees_no_rows_at_all(self, rows):
        with as_app_role() as conn:
            for table in ("finance_expense", "travel_trip", "travel_tripstop", "assistant_message",
                          "assistant_conversation", "assistant_profile"):
                assert count(conn, f"SELECT count(*) FROM {table}") == 0, table
        assert Expense.objects.count() == 2  # they are there: the system scope sees both

    def test_with_bobs_id_a_query_sees_none_of_alices_rows(self, rows):
        alice, bob = rows["alice"], rows["bob"]
        with as_app_role(bob.id) as conn:
            assert count(conn, "SELECT count(*) FROM finance_expense WHERE user_id = %s", (alice.id,)) == 0
            assert conn.execute("SELECT description FROM finance_expense").fetchall() == [("bob's secret groceries",)]
            assert count(conn, "SELECT sum(amount) FROM finance_expense") == Decimal("12.00")  # no leak in aggregates
            assert conn.execute("SELECT name FROM travel_tripstop ORDER BY position").fetchall() == [
                ("Boise",), ("Denver",)]
            assert count(conn, "SELECT count(*) FROM assistant_message WHERE content LIKE 'alice%%'") == 0

    def test_with_alices_id_she_sees_her_rows(self, rows):
        with as_app_role(rows["alice"].id) as conn:
            assert conn.execute("SELECT description FROM finance_expense").fetchall() == [
                ("alice's secret groceries",)]
            assert count(conn, "SELECT count(*) FROM travel_tripstop") == TripStop.objects.filter(
                trip__user=rows["alice"]).count()

    def test_bob_can_neither_change_nor_delete_nor_plant_alices_rows(self, rows):
        alice, bob = rows["alice"], rows["bob"]
        with as_app_role(bob.id) as conn:
            assert conn.execute("UPDATE finance_expense SET amount = 0 WHERE user_id = %s", (alice.id,)).rowcount == 0
            assert conn.execute("DELETE FROM travel_trip WHERE user_id = %s", (alice.id,)).rowcount == 0
            conn.commit()
        with as_app_role(bob.id) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege,
                                                        match="row-level security"):
            conn.execute("UPDATE finance_expense SET user_id = %s", (alice.id,))
        with as_app_role(bob.id) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege,
                                                        match="row-level security"):
            conn.execute("""INSERT INTO finance_expense (user_id, amount, category, description, date, created_at,
                                                         updated_at)
                            VALUES (%s, 1, 'other', 'planted', '2026-11-03', now(), now())""", (alice.id,))
        assert Expense.objects.get(user=alice).amount == Decimal("45.20")
        assert Trip.objects.filter(user=alice).exists()
        assert not Expense.objects.filter(description="planted").exists()

    def test_a_setting_made_in_a_transaction_that_rolls_back_is_undone(self, rows):
        # Why the backend sends the scope again after any rollback.
        with as_app_role(rows["alice"].id) as conn:
            assert count(conn, "SELECT count(*) FROM finance_expense") == 1
            conn.rollback()
            assert count(conn, "SELECT count(*) FROM finance_expense") == 0

    def test_the_app_role_cannot_switch_the_policies_off(self, rows):
        with as_app_role() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE finance_expense DISABLE ROW LEVEL SECURITY")
        with as_app_role() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DROP POLICY pam_user_rows ON finance_expense")


@pytest.mark.django_db(transaction=True)
class TestTheScopeOfPamsOwnCode:
    def test_a_query_that_forgot_its_user_sees_only_the_scopes_rows(self, rows):
        alice, bob = rows["alice"], rows["bob"]
        with rls.scope(bob):
            assert list(Expense.objects.values_list("user_id", flat=True)) == [bob.id]
            assert not Message.objects.filter(user=alice).exists()
        with rls.scope(None):
            assert Expense.objects.count() == 0  # the owner role is held to the policies too (FORCE)

    def test_writing_a_row_for_another_user_is_refused_by_the_database(self, rows):
        with rls.scope(rows["bob"]), pytest.raises(Exception, match="row-level security"):
            Expense.objects.create(user=rows["alice"], amount=Decimal("1"), category="other",
                                   date=datetime.date(2026, 11, 3))
        assert Expense.objects.filter(user=rows["alice"]).count() == 1

    def test_the_scope_is_sent_again_after_a_savepoint_is_rolled_back(self, rows):
        alice, bob = rows["alice"], rows["bob"]
        with rls.scope(alice), transaction.atomic():
            assert Expense.objects.count() == 1
            with pytest.raises(RuntimeError), rls.scope(bob), transaction.atomic():
                assert Expense.objects.get().user_id == bob.id
                raise RuntimeError("roll the savepoint back")
            # PostgreSQL restored the setting from before the savepoint; the scope is alice's again.
            assert Expense.objects.get().user_id == alice.id

    def test_a_statement_outside_a_transaction_is_one_statement_with_the_scope(self, rows):
        assert connection.get_autocommit()
        with rls.scope(rows["alice"]), CaptureQueriesContext(connection) as statements:
            assert Expense.objects.get().description == "alice's secret groceries"
        assert [query["sql"] for query in statements] == [statements[0]["sql"]]  # no BEGIN, no COMMIT
        assert connection.get_autocommit()

    def test_a_pooled_connection_takes_the_next_scope_nobody_included(self, rows):
        alice, bob = rows["alice"], rows["bob"]
        with rls.scope(alice):
            assert Expense.objects.get().user_id == alice.id
        connection.close()  # back to the pool, still carrying alice's setting
        seen = {}
        for who in (bob, None, alice, rls.SYSTEM):
            with rls.scope(who):
                seen[who] = sorted(Expense.objects.values_list("user_id", flat=True))
            connection.close()
        assert seen == {bob: [bob.id], None: [], alice: [alice.id], rls.SYSTEM: sorted([alice.id, bob.id])}

    def test_the_scope_is_sent_again_after_a_transaction_is_rolled_back(self, rows):
        alice, bob = rows["alice"], rows["bob"]
        with rls.scope(alice):
            assert Expense.objects.get().user_id == alice.id
        with pytest.raises(RuntimeError), rls.scope(bob), transaction.atomic():
            assert Expense.objects.get().user_id == bob.id
            raise RuntimeError("roll the transaction back")
        # PostgreSQL restored alice's setting; the backend does not trust its record of bob's.
        with rls.scope(bob):
            assert Expense.objects.get().user_id == bob.id
