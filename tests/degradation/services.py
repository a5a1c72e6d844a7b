"""Private PostgreSQL and Redis servers, and a daphne serving PAM on them, for the degradation
tests: each runs on a free port of its own, so a test can stop, restart or block it without
touching the machine's shared services (5432, 6379) that every other test uses.

PostgreSQL refuses to run as root, so the cluster belongs to the ``postgres`` OS user: its
directory is that user's and every pg_ctl call goes through ``runuser -u postgres --``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = "/usr/bin/redis-server"
PG_USER = "postgres"
DATABASE = "pam"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Poll ``condition()`` until it returns something truthy (returned); AssertionError naming
    ``message`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not within {timeout:g} s")
        time.sleep(interval)


def as_postgres(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run(["runuser", "-u", PG_USER, "--", *args], capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def postgres_owned_dir(prefix: str) -> Path:
    """A new directory under the system temp dir that the postgres OS user owns."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.chown(path, PG_USER, PG_USER)
    return path


class PrivatePostgres:
    """A PostgreSQL 15 cluster in ``data_dir`` (owned by the postgres OS user) on its own port.

    Trust authentication on 127.0.0.1 only, no Unix socket, fsync off: a throwaway server.
    """

    def __init__(self, data_dir: Path, port: int | None = None):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.log = self.data_dir.parent / "postgres.log"

    def url(self, role: str = PG_USER, database: str = DATABASE) -> str:
        return f"postgres://{role}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        as_postgres(str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "30", "-D", str(self.data_dir),
                     "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: clients are disconnected; ``immediate``: no clean shutdown)."""
        as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data_dir))

    def restart(self) -> None:
        """Stop (every connection is cut) and start again on the same port."""
        self.stop()
        self.start()

    @property
    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def kill(self) -> None:
        """Stop however it can: pg_ctl's immediate mode, else SIGKILL to the postmaster."""
        if not self.is_running:
            return
        try:
            self.stop("immediate")
        except (RuntimeError, subprocess.TimeoutExpired):
            try:
                pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass

    def connect(self, database: str = DATABASE) -> psycopg.Connection:
        """A superuser connection (row level security does not apply): for setting up and checking."""
        return psycopg.connect(self.url(PG_USER, database), autocommit=True, connect_timeout=5)

    def query(self, sql: str, params=()) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()

    def create_user(self, username: str) -> int:
        """A new active user (no usable password: tests sign in with a JWT); returns its id."""
        return self.query(
            """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                      is_active, date_joined)
               VALUES ('!', false, %s, '', '', '', false, true, now()) RETURNING id""", (username,))[0][0]

    def replies(self, message_ids: list[str]) -> dict[str, tuple[str, str] | None]:
        """For each client message_id saved as a user message: its reply's ``(status, content)``,
        or None when it has none. Ids never saved are left out."""
        rows = self.query(
            """SELECT m.client_message_id::text, r.status, r.content FROM assistant_message m
               LEFT JOIN assistant_message r ON r.reply_to_id = m.id
               WHERE m.role = 'user' AND m.client_message_id::text = ANY(%s)""", (list(message_ids),))
        return {message_id: None if status is None else (status, content) for message_id, status, content in rows}

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no PostgreSQL log)"


class PrivateRedis:
    """redis-server on its own port with nothing saved to disk; ``stop()`` and ``start()`` keep
    the port, so clients configured with it find it again."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pam-redis-"))
        self.process: subprocess.Popen | None = None
        self.log = self.dir / "redis.log"
        self.is_blocked = False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.dir), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with self.client() as client:
                    return client.ping()
            except redis.RedisError:
                return False

        wait_until(answers, timeout=10, message="the private redis-server answering")

    def stop(self) -> None:
        """Kill the server (everything in it is gone, as after a crash)."""
        if self.process is None:
            return
        if self.is_blocked:
            self.unblock()
        kill_group(self.process)
        self.process = None

    def block(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing is answered."""
        os.killpg(self.process.pid, signal.SIGSTOP)
        self.is_blocked = True

    def unblock(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)
        self.is_blocked = False

    def keys(self, pattern: str) -> list[str]:
        with self.client() as client:
            return sorted(key.decode() for key in client.keys(pattern))

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no Redis log)"

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL ``process`` and everything it started (its own session), and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class PamServer:
    """daphne serving PAM (``pam_project.asgi:application``) on a free port, with ``env`` on top
    of the test process's environment."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.env = env
        self.log = tempfile.NamedTemporaryFile("w+", prefix="pam-daphne-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/pam/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "pam_project.asgi:application"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

        def accepts():
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                return False

        wait_until(accepts, timeout=20, interval=0.1, message=f"daphne accepting connections on {self.port}")

    def stop(self) -> None:
        """Kill it (nothing to save; a graceful stop waits seconds on the open sockets)."""
        if self.process is None:
            return
        kill_group(self.process)
        self.process = None

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-8000:]

    def remove(self) -> None:
        self.stop()
        self.log.close()
        os.unlink(self.log.name)
