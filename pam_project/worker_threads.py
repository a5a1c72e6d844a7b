"""Database work from async code, side by side in the event loop's worker threads.

``channels.db.database_sync_to_async`` runs every call in one shared thread by default
(``thread_sensitive=True``), so a process's sockets queue for it one database call at a time.
PAM's chat path has no thread-bound state, so its calls run in the loop's thread pool instead,
each on a connection of its own from the pool, and give that connection back when they end
(DESIGN.md: no pooled connection is held while waiting on the LLM).
"""

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections


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
    """``await in_worker_thread(func)(*args, **kwargs)``: the synchronous ``func`` run in a worker
    thread of the event loop's pool (not the shared thread), with its database connection
    returned to the pool afterwards. Exceptions propagate."""
    return _InWorkerThread(func, thread_sensitive=False)
