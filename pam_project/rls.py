"""PostgreSQL row level security: the database itself keeps each user's rows to that user.

Every query of PAM's code already filters by its user (DESIGN.md, "Permissions"). This is the
defence in depth under it (docs/security.md): every table of a user's rows has a policy that
shows and accepts only the rows of the user named by the connection's setting ``pam.user_id``,
``FORCE ROW LEVEL SECURITY`` so the tables' owner is held to it too, and the application's role
(``pam_app``) neither owns the tables nor has ``BYPASSRLS``. A query that forgot its user sees
no rows at all.

Who the current code acts for is its *scope*, a context variable: a user's id, ``SYSTEM`` (every
user's rows: the monitors, admin, migrations and operators' commands, set explicitly), or nobody
(the default: an anonymous request sees no user's rows). The database backend
(``pam_project.db``) passes the scope to PostgreSQL before a statement whenever the connection's
setting differs from it, with ``set_config('pam.user_id', …, false)``: a session setting, so a
statement outside a transaction needs no transaction of its own (one round trip, no BEGIN and
COMMIT). The setting a connection carries is recorded on that connection itself, so a pooled
connection handed to another scope (another user, or nobody) is always given the new scope
before its first statement; a rollback, which may restore an earlier setting, makes the backend
send it again.

Entry points set the scope: ``ScopeMiddleware`` for requests (``JWTAuthentication`` once a token
names the user), the chat consumer for its socket, ``assistant.registry.call_tool`` for a tool,
``assistant.monitors.monitor_run`` for the monitors (``SYSTEM``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.decorators import sync_and_async_middleware

#: The apps whose models hold users' rows.
PAM_APPS = ("assistant", "finance", "travel", "social")
#: The name of the policy on every user-owned table.
POLICY = "pam_user_rows"
#: Bumped when the policies' SQL changes, so ``install`` rewrites them.
POLICY_VERSION = "pam-rls-1"


class _System:
    def __repr__(self):
        return "SYSTEM"


#: The scope of code that works on every user's rows, explicitly: monitors, admin, migrations.
SYSTEM = _System()
#: The backend's "not known" marker: the connection's setting must be sent before the next statement.
UNSET = object()

_scope: contextvars.ContextVar = contextvars.ContextVar("pam_rls_scope", default=None)


def current_scope():
    """The scope now: a user's id (int), ``SYSTEM``, or None (nobody)."""
    return _scope.get()


def _scope_value(user_or_scope):
    if user_or_scope is None or user_or_scope is SYSTEM or isinstance(user_or_scope, int):
        return user_or_scope
    if not getattr(user_or_scope, "is_authenticated", False):
        return None
    return user_or_scope.pk


def enter(user_or_scope) -> contextvars.Token:
    """Set the scope for the rest of the current context (a user, a user id, ``SYSTEM`` or None)
    and return the token that ``leave`` takes. For code that owns its context (a socket's
    consumer, a request's middleware); elsewhere use ``scope``."""
    return _scope.set(_scope_value(user_or_scope))


def leave(token: contextvars.Token) -> None:
    """Restore the scope from before ``enter``."""
    _scope.reset(token)


@contextlib.contextmanager
def scope(user_or_scope) -> Iterator[None]:
    """``with scope(user):`` — queries inside see (and may write) only that user's rows;
    ``with scope(SYSTEM):`` every user's; ``with scope(None):`` none."""
    token = enter(user_or_scope)
    try:
        yield
    finally:
        leave(token)


def system_scope():
    """``with system_scope():`` the explicit scope of work over every user (monitors, operators'
    commands, admin)."""
    return scope(SYSTEM)


# --- The database side: passing the scope to PostgreSQL ---

SET_SCOPE_SQL = "SELECT set_config('pam.user_id', %s, false), set_config('pam.all_users', %s, false)"


def scope_params(value) -> tuple[str, str]:
    """The two session settings for a scope: ``(pam.user_id, pam.all_users)``."""
    if value is SYSTEM:
        return "", "on"
    return ("" if value is None else str(value)), ""


def apply_scope(execute, sql, params, many, context):
    """Execute wrapper (installed by ``pam_project.db``): makes sure the connection a statement
    runs on carries the current scope. The settings are sent only when the connection's recorded
    setting (``rls_applied``) differs from the scope, nobody included: a connection last used for
    alice is reset before an anonymous request's statement. The record is cleared first, so a
    failed ``set_config`` is sent again next time."""
    db = context["connection"]
    wanted = _scope.get()
    if db.rls_applied != wanted:
        db.rls_applied = UNSET
        execute(SET_SCOPE_SQL, scope_params(wanted), False, context)
        db.rls_applied = wanted
    return execute(sql, params, many, context)


# --- Requests ---


def request_scope(user, path: str):
    """The scope of a request: staff in the admin work on every user's rows (Django's model
    permissions decide what they may do); a signed-in user on their own; anyone else on none."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff and user.is_active and path.startswith(_admin_prefix()):
        return SYSTEM
    return user.pk


def _admin_prefix() -> str:
    from django.urls import reverse

    return reverse("admin:index")


@sync_and_async_middleware
def ScopeMiddleware(get_response):  # noqa: N802  (a middleware factory reads like a class)
    """Sets each request's scope from ``request.user`` (after AuthenticationMiddleware) and
    restores the previous one after the response, so no request inherits another's. API
    requests authenticated by a token get their user's scope in ``JWTAuthentication``."""
    from asgiref.sync import iscoroutinefunction

    if iscoroutinefunction(get_response):

        async def middleware(request):
            token = enter(request_scope(await request.auser(), request.path_info))
            try:
                return await get_response(request)
            finally:
                leave(token)

    else:

        def middleware(request):
            token = enter(request_scope(request.user, request.path_info))
            try:
                return get_response(request)
            finally:
                leave(token)

    return middleware


# --- The policies ---


@dataclass(frozen=True)
class OwnedTable:
    """A table of users' rows: ``owner_column`` holds the user's id, or (for a child table like
    trip stops) ``parent``/``parent_column`` name the owned table its rows belong to."""

    table: str
    owner_column: str | None = None
    parent: str | None = None
    parent_column: str | None = None

    def condition(self) -> str:
        if self.owner_column:
            return f'pam_row_visible("{self.owner_column}")'
        # The parent's own policy applies inside the subquery: a stop is visible with its trip.
        return (f'EXISTS (SELECT 1 FROM "{self.parent}" AS parent '
                f'WHERE parent.id = "{self.table}"."{self.parent_column}")')


def owned_tables() -> list[OwnedTable]:
    """Every table of users' rows in PAM's apps, found from the models so a new model is covered
    without a list to keep: a model with a ``user`` foreign key (or one-to-one) is owned by it; a
    model without one but with a required foreign key to an owned model belongs to that one."""
    from django.apps import apps

    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    models = [model for name in PAM_APPS for model in apps.get_app_config(name).get_models()]
    direct = {}
    for model in models:
        field = next((f for f in model._meta.concrete_fields
                      if f.name == "user" and f.is_relation and f.related_model is user_model), None)
        if field is not None:
            direct[model] = OwnedTable(model._meta.db_table, owner_column=field.column)
    tables = list(direct.values())
    for model in models:
        if model in direct:
            continue
        parent = next((f for f in model._meta.concrete_fields
                       if f.is_relation and not f.null and f.related_model in direct), None)
        if parent is not None:
            tables.append(OwnedTable(model._meta.db_table, parent=parent.related_model._meta.db_table,
                                     parent_column=parent.column))
    return sorted(tables, key=lambda table: table.table)


ROW_VISIBLE_FUNCTION = """
CREATE OR REPLACE FUNCTION pam_row_visible(owner bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT current_setting('pam.all_users', true) = 'on'
        OR owner = NULLIF(current_setting('pam.user_id', true), '')::bigint
$$
"""


def install(using: str = "default") -> list[str]:
    """Enable, force and (re)write the policy of every owned table whose policy is missing or
    older than ``POLICY_VERSION``, and grant the application role (``PAM_DATABASE_APP_ROLE``) the
    rows' verbs on every table. Must run as the tables' owner (migrate does: it is connected to
    ``post_migrate``). Returns the tables it changed. Does nothing on a database other than
    PostgreSQL."""
    from django.db import connections

    db = connections[using]
    if db.vendor != "postgresql":
        return []
    tables = owned_tables()
    changed = []
    with transaction.atomic(using=using), db.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_class c
               JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = %s
               WHERE c.relname = ANY(%s) AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity
                 AND obj_description(p.oid, 'pg_policy') = %s""",
            [POLICY, [t.table for t in tables], POLICY_VERSION],
        )
        current = {row[0] for row in cursor.fetchall()}
        stale = [table for table in tables if table.table not in current]
        if stale:
            cursor.execute(ROW_VISIBLE_FUNCTION)
        for table in stale:
            name, condition = table.table, table.condition()
            cursor.execute(f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY')
            cursor.execute(f'ALTER TABLE "{name}" FORCE ROW LEVEL SECURITY')
            cursor.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{name}"')
            cursor.execute(f'CREATE POLICY {POLICY} ON "{name}" USING ({condition}) WITH CHECK ({condition})')
            cursor.execute(f"COMMENT ON POLICY {POLICY} ON \"{name}\" IS '{POLICY_VERSION}'")
            changed.append(name)
        role = settings.PAM_DATABASE_APP_ROLE
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if role and cursor.fetchone():
            cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
            cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
            cursor.execute(f'GRANT EXECUTE ON FUNCTION pam_row_visible(bigint) TO "{role}"')
    return changed


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: ``install`` on the database just migrated."""
    install(using)


def connection_bypasses() -> bool:
    """Whether the default connection's role skips row level security (a superuser or a role
    with BYPASSRLS): then the policies protect nothing."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])
