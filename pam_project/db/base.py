"""Django's PostgreSQL backend with PAM's row level security scope (``pam_project.rls``).

``rls_applied`` is the scope the current transaction was given with ``set_config(…, true)``:
PostgreSQL forgets it when the transaction ends or a savepoint is rolled back, so the wrapper
forgets it then too and sends it again before the next statement.
"""

from django.db.backends.postgresql import base

from pam_project import rls


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rls_applied = rls.UNSET
        self.execute_wrappers.append(rls.apply_scope)

    def connect(self):
        self.rls_applied = rls.UNSET
        super().connect()

    def _commit(self):
        self.rls_applied = rls.UNSET
        return super()._commit()

    def _rollback(self):
        self.rls_applied = rls.UNSET
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        try:  # ROLLBACK TO SAVEPOINT goes through the wrapper itself: forget the scope after it
            return super()._savepoint_rollback(sid)
        finally:
            self.rls_applied = rls.UNSET

    def _set_autocommit(self, autocommit):
        self.rls_applied = rls.UNSET
        return super()._set_autocommit(autocommit)
