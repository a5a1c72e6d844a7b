"""Idle chat sockets held by one daphne process of PAM, and its memory (RSS) per socket.

Starts PAM itself (``daphne pam_project.asgi:application``, as the Procfile does) on a free port,
connected as the application's role (pam_app) to its own PostgreSQL database
(``pam_bench_sockets``, created and migrated here; never the demo data) and to Redis, with the
per-address connection limit raised (every bench socket comes from 127.0.0.1). Then it opens
SOCKETS sockets, CONCURRENCY at a time, each signing in as a program does (docs/protocol.md: a
first ``auth`` frame with a JWT access token of one of USERS bench users) and waiting for the
``connection`` frame, and holds them all idle for HOLD seconds. It prints

  sockets held, refused or failed, and the connect rate (signed-in sockets per second)
  daphne's RSS after start-up and one warm-up socket, with every socket open, after the hold,
  and per socket
  whether the server still answers with everything open: a ping → pong and a chat turn (the
  local provider) on one socket, each timed

and stops the server it started. Target (issue 7): ≥ 5,000 idle sockets per process at ≤ 400 MB.

    .venv/bin/python bench/sockets.py [--sockets 5000] [--users 10] [--concurrency 100] [--hold 20]

Needs PostgreSQL and Redis on 127.0.0.1 (override with --database-url, the owner's URL used for
migrations and the bench users, and --redis-url; or BENCH_DATABASE_URL/BENCH_REDIS_URL). Raises
its open-files limit (up to the hard limit) to fit SOCKETS, and the server inherits it: each
socket is a descriptor on both sides.
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://pam_owner@127.0.0.1:5432/pam_bench_sockets"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
SECRET_KEY = "bench-only-secret-key-for-the-socket-bench-0123456789"


def raise_open_files(wanted: int) -> int:
    """Raise this process's (and so its children's) open-files limit to ``wanted``, or to the
    hard limit if that is lower; returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else max(soft, min(hard, max(wanted, soft)))
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (psutil when installed, else /proc/PID/status)."""
    try:
        import psutil
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {pid}") from None
    return psutil.Process(pid).memory_info().rss


def bench_tokens(users: int) -> list[str]:
    """A JWT access token for each of ``users`` bench users (made when missing)."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    from assistant.models import Profile
    from pam_project import rls

    tokens = []
    with rls.system_scope():
        for number in range(users):
            user, created = get_user_model().objects.get_or_create(username=f"socket-bench-{number:03d}")
            if created:
                Profile.objects.create(user=user, timezone="America/Denver")
            tokens.append(str(AccessToken.for_user(user)))
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, database_url: str, redis_url: str, log) -> subprocess.Popen:
    """daphne serving PAM as production runs it (DEBUG off, the app role), waited on until
    /health/ answers."""
    app_url = f"postgres://{os.environ.get('PAM_DATABASE_APP_ROLE', 'pam_app')}@{database_url.split('@', 1)[1]}"
    env = {
        **os.environ, "DATABASE_URL": app_url, "REDIS_URL": redis_url, "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_DEBUG": "0", "DJANGO_SECURE_COOKIES": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "pam_project.settings", "ANTHROPIC_API_KEY": "", "PAM_LOG_LEVEL": "WARNING",
        # Every bench socket comes from 127.0.0.1: lift the per-address connection limit (60/min).
        "PAM_WS_CONNECTIONS_PER_MINUTE": "1000000",
    }
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                               "pam_project.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"daphne exited with {server.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"daphne did not answer /health/ within 60 s; see {log.name}")


async def open_socket(url: str, token: str):
    """A signed-in program socket (docs/protocol.md: the `auth` frame, then `connection`)."""
    import websockets

    connection = await websockets.connect(url, ping_interval=None, compression=None, open_timeout=60,
                                          close_timeout=2)
    try:
        await connection.send(json.dumps({"type": "auth", "token": token}))
        frame = json.loads(await asyncio.wait_for(connection.recv(), 60))
        if frame.get("type") != "connection":
            raise RuntimeError(f"expected a connection frame, got {frame}")
    except BaseException:
        await connection.close()
        raise
    return connection


async def answer_time(connection, frame: dict, reply_type: str) -> float:
    """Seconds from sending ``frame`` to the first frame of ``reply_type`` (others skipped)."""
    started = time.perf_counter()
    await connection.send(json.dumps(frame))
    while True:
        reply = json.loads(await asyncio.wait_for(connection.recv(), 30))
        if reply.get("type") == reply_type:
            return time.perf_counter() - started
        if reply.get("type") == "error":
            raise RuntimeError(f"the server answered {reply}")


async def run(args, tokens: list[str], server_pid: int, port: int) -> dict:
    url = f"ws://127.0.0.1:{port}/ws/pam/"
    warm = await open_socket(url, tokens[0])  # imports and pools that the first socket pays for
    await answer_time(warm, {"type": "ping"}, "pong")
    await warm.close()
    await asyncio.sleep(1)
    figures = {"rss_start": rss_bytes(server_pid)}

    limit = asyncio.Semaphore(args.concurrency)
    errors: dict[str, int] = {}

    async def one(number: int):
        async with limit:
            try:
                return await open_socket(url, tokens[number % len(tokens)])
            except Exception as exc:  # counted and shown, not fatal: how many hold is the figure
                name = f"{type(exc).__name__}: {str(exc)[:80]}"
                errors[name] = errors.get(name, 0) + 1
                return None

    started = time.perf_counter()
    opened = [c for c in await asyncio.gather(*(one(n) for n in range(args.sockets))) if c is not None]
    figures["connect_seconds"] = time.perf_counter() - started
    figures["opened"], figures["errors"] = len(opened), errors
    await asyncio.sleep(2)
    figures["rss_open"] = rss_bytes(server_pid)
    probe = opened[0] if opened else await open_socket(url, tokens[0])
    figures["ping_ms"] = await answer_time(probe, {"type": "ping"}, "pong") * 1e3
    figures["chat_ms"] = await answer_time(probe, {"type": "chat", "message": "hi PAM",
                                                   "message_id": str(uuid.uuid4())}, "chat_response") * 1e3
    await asyncio.sleep(args.hold)
    figures["rss_held"] = rss_bytes(server_pid)
    figures["still_open"] = sum(1 for c in opened if c.close_code is None)
    figures["ping_after_hold_ms"] = await answer_time(probe, {"type": "ping"}, "pong") * 1e3
    closing = time.perf_counter()
    await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)
    figures["close_seconds"] = time.perf_counter() - closing
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--users", type=int, default=10, help="bench users the sockets sign in as, round robin")
    parser.add_argument("--concurrency", type=int, default=100, help="connections being opened at once")
    parser.add_argument("--hold", type=float, default=20, help="seconds to hold every socket open")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    args = parser.parse_args()

    open_files = raise_open_files(args.sockets + 1000)
    os.environ.update(DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, DJANGO_SECRET_KEY=SECRET_KEY,
                      DJANGO_SETTINGS_MODULE="pam_project.settings", PAM_LOG_LEVEL="WARNING")
    from bench.support import ensure_database

    ensure_database(args.database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    tokens = bench_tokens(args.users)

    port = free_port()
    with tempfile.NamedTemporaryFile("w+", prefix="pam-bench-daphne-", suffix=".log", delete=False) as log:
        server = start_server(port, args.database_url, args.redis_url, log)
        try:
            figures = asyncio.run(run(args, tokens, server.pid, port))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()

    mib = 1024 * 1024
    held = figures["opened"]
    per_socket = (figures["rss_held"] - figures["rss_start"]) / held if held else float("nan")
    print(f"\n$ {' '.join(sys.argv)}")
    print(f"one daphne process (pid {server.pid}), {args.users} users, {args.concurrency} connecting at once, "
          f"open-files limit {open_files:,}; daphne's log: {log.name}")
    print(f"sockets signed in        {held:,} of {args.sockets:,}  ({figures['still_open']:,} still open after "
          f"{args.hold:g} s idle)")
    for name, count in sorted(figures["errors"].items(), key=lambda item: -item[1]):
        print(f"  failed {count:,}×  {name}")
    print(f"connect rate             {held / figures['connect_seconds']:,.0f} sockets/s "
          f"({figures['connect_seconds']:.1f} s for all)")
    for label, rss in (("RSS after warm-up", figures["rss_start"]), ("RSS, all open", figures["rss_open"]),
                       (f"RSS after {args.hold:g} s idle", figures["rss_held"])):
        print(f"{label:<24} {rss / mib:7.1f} MiB ({rss / 1e6:.0f} MB)")
    print(f"RSS per socket           {per_socket / 1024:7.1f} KiB")
    print(f"still answering          ping → pong {figures['ping_ms']:.1f} ms, chat turn {figures['chat_ms']:.0f} ms; "
          f"ping after the hold {figures['ping_after_hold_ms']:.1f} ms")
    print(f"closing all              {figures['close_seconds']:.1f} s")
    print("target (issue 7): ≥ 5,000 idle sockets per process at ≤ 400 MB RSS → "
          + ("met" if held >= 5000 and figures["rss_held"] <= 400e6 else "NOT met"))


if __name__ == "__main__":
    main()
