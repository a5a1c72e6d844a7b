"""Django's PostgreSQL backend with PAM's row level security scope (``pam_project.rls``).

``rls_applied`` is the scope the physical connection carries (``set_config(…, false)``), kept on
the psycopg connection itself so that it follows the connection through the pool: None on a new
connection (nothing set: no user's rows), ``rls.UNSET`` when not known. A rollback, of a
transaction or to a savepoint, may restore an earlier setting, so the scope is sent again after
one.
"""

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from pam_project import metrics, rls

_APPLIED = "_pam_rls_scope"  # attribute of the psycopg connection


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(rls.apply_scope)
        # Outermost (Django runs the first wrapper first): counts the app's statement once, not
        # the set_config that apply_scope sends before it.
        self.execute_wrappers.insert(0, metrics.count_statement)

    @property
    def rls_applied(self):
        return getattr(self.connection, _APPLIED, None) if self.connection is not None else rls.UNSET

    @rls_applied.setter
    def rls_applied(self, scope):
        if self.connection is not None:
            setattr(self.connection, _APPLIED, scope)

    def _close(self):
        # A connection handed back mid-transaction is rolled back by the pool: not known then.
        if self.connection is not None and self.connection.info.transaction_status != TransactionStatus.IDLE:
            self.rls_applied = rls.UNSET
        return super()._close()

    def _rollback(self):
        self.rls_applied = rls.UNSET
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        try:  # ROLLBACK TO SAVEPOINT goes through the wrapper itself: forget the scope after it
            return super()._savepoint_rollback(sid)
        finally:
            self.rls_applied = rls.UNSET
