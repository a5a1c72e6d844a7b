"""Database work from async code, side by side in a small pool of worker threads.

``channels.db.database_sync_to_async`` runs every call in one shared thread by default
(``thread_sensitive=True``), so a process's sockets queue for it one database call at a time.
PAM's chat path has no thread-bound state, so its calls run in PAM_DB_THREADS worker threads
instead (more threads wait longer for the GIL each time the database answers:
docs/performance.md), each on a connection of its own from the pool, given back when the call
ends (DESIGN.md: no pooled connection is held while waiting on the LLM).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connections

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    """The process's PAM_DB_THREADS worker threads (made on first use)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.PAM_DB_THREADS, thread_name_prefix="pam-db")
        return _executor


class _InWorkerThread(SyncToAsync):
    def thread_handler(self, loop, *args, **kwargs):
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            # Back to the pool, even where channels' test communicator turns close_old_connections
            # into a no-op: a worker thread may not touch the database again for a long while.
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:
                    connection.close()


def in_worker_thread(func):
    """``await in_worker_thread(func)(*args, **kwargs)``: the synchronous ``func`` run in one of
    the process's PAM_DB_THREADS worker threads (not the shared thread), with its database
    connection returned to the pool afterwards. Exceptions propagate."""
    return _InWorkerThread(func, thread_sensitive=False, executor=_threads())
