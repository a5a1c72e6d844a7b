"""Chat turns under load: N concurrent WebSocket users through one daphne process.

Starts its own daphne (``bench/echo_asgi.py``: PAM plus a bare Channels echo socket) on real
PostgreSQL (database ``pam_load``, served as the ``pam_app`` role so row level security is on)
and Redis (db 13 by default, flushed), with the offline ``local`` provider. USERS bench users sign
in as programs (a JWT ``auth`` frame) and each sends TURNS chat messages one after another, all
users at once: first THINK seconds apart (people chatting: the latency PAM adds at that load),
then flat out, each message sent the moment the reply to the last arrives (the most turns a second
the process can serve; latency is then mostly the queue of 50 waiting users). The same users'
sockets then send TURNS frames each to the echo socket: the floor, what the machine, daphne and
Channels cost with no PAM in between.

Prints, for each kind of turn:

  turns/s          completed turns per second of wall time, all users together
  added (server)   p50/p95/p99 of the server's own latency per turn: from the chat frame's arrival
                   to its ``chat_response`` being sent, minus the time inside the language-model
                   provider (the frame's ``server_ms`` and ``provider_ms``)
  round trip       p50/p95/p99 measured by the client, frame sent → ``chat_response`` received
  statements       database statements per turn, from ``pam_db_statements_total`` on /metrics

and the ratio of PAM's round trip (and rate) to the echo floor's.

    .venv/bin/python bench/chat_load.py [--users 50] [--turns 20] [--think 2]

Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_ADMIN_DATABASE_URL, BENCH_REDIS_URL override).
"""

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

DATABASE = "pam_load"
METRICS_TOKEN = "bench-metrics-token"

# What a user says in each phase: small talk answers from the model alone (the turn's own cost:
# save, context, history, reply); a read question makes the model call one read-only tool.
PHASES = {
    "small talk": ["hi PAM", "thanks!", "good morning", "hello again"],
    "read tool": ["How's my budget looking?", "How much have I spent on fuel this month?"],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(users: int) -> list[str]:
    """Create ``pam_load`` (roles as scripts/db_roles.py makes them), migrate it as the owner and
    make ``users`` bench users with a budget each; returns a JWT access token per user."""
    import db_roles

    db_roles.ensure([DATABASE])
    os.environ["DATABASE_URL"] = f"postgres://{db_roles.OWNER_ROLE}@127.0.0.1:5432/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-for-load-tests-only-32b")
    os.environ["PAM_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from finance.models import Budget
    from pam_project import rls

    call_command("migrate", verbosity=0)
    tokens = []
    with rls.system_scope():
        for number in range(users):
            user, created = get_user_model().objects.get_or_create(username=f"load-{number}")
            if created:
                Budget.objects.create(user=user, category="groceries", monthly_limit=Decimal("600"))
            tokens.append(str(AccessToken.for_user(user)))
    return tokens


def start_server(port: int, redis_url: str, app_url: str):
    """daphne serving bench.echo_asgi on ``port``; returns the process and its log file."""
    env = {
        **os.environ,
        "DATABASE_URL": app_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-for-load-tests-only-32b",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PAM_LOG_LEVEL": "WARNING",
        "PAM_METRICS_TOKEN": METRICS_TOKEN,
        "ANTHROPIC_API_KEY": "",
        # The abuse limits would refuse a benchmark: lift them for this server only.
        "PAM_CHAT_MESSAGES_PER_MINUTE": "10000000",
        "PAM_WS_FRAMES_PER_MINUTE": "10000000",
        "PAM_WS_CONNECTIONS_PER_MINUTE": "10000000",
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="pam-load-daphne-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bench.echo_asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"daphne exited with {process.returncode}:\n{Path(log.name).read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, log
        except OSError:
            time.sleep(0.1)
    sys.exit(f"daphne did not listen on {port} within 30 s:\n{Path(log.name).read_text()}")


def statements_so_far(base: str) -> float | None:
    """``pam_db_statements_total`` from the server's /metrics, or None when it has none."""
    response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    if response.status_code != 200:
        return None
    found = re.search(r"^pam_db_statements_total(?:\{[^}]*\})? ([0-9.e+]+)$", response.text, re.MULTILINE)
    return float(found.group(1)) if found else None


async def open_socket(url: str, token: str):
    socket_ = await websockets.connect(url, max_size=2**20, open_timeout=30)
    await socket_.send(json.dumps({"type": "auth", "token": token}))
    while (frame := json.loads(await socket_.recv()))["type"] != "connection":
        if frame["type"] == "error":
            raise RuntimeError(f"could not sign in: {frame}")
    return socket_


async def pam_turns(socket_, texts: list[str], turns: int, samples: dict, think: float = 0.0) -> None:
    """``turns`` chat turns one after another on one socket, in one conversation, ``think``
    seconds apart (the user reading the reply and typing the next message)."""
    conversation_id = None
    if think:  # users start at different moments, like people do
        await asyncio.sleep(random.Random(id(samples) ^ id(socket_)).uniform(0, think))
    for number in range(turns):
        if think and number:
            await asyncio.sleep(think)
        message_id = str(uuid.uuid4())
        frame = {"type": "chat", "message": texts[number % len(texts)], "message_id": message_id}
        if conversation_id:
            frame["conversation_id"] = conversation_id
        started = time.perf_counter()
        await socket_.send(json.dumps(frame))
        while True:
            reply = json.loads(await socket_.recv())
            if reply.get("message_id") != message_id:
                continue
            if reply["type"] == "message_ack":
                conversation_id = reply["conversation_id"]
            elif reply["type"] == "error":
                raise RuntimeError(f"turn failed: {reply}")
            elif reply["type"] == "chat_response":
                break
        samples["round_trip"].append((time.perf_counter() - started) * 1000)
        samples["added"].append(reply["server_ms"] - reply["provider_ms"])


async def echo_turns(socket_, turns: int, samples: dict) -> None:
    for number in range(turns):
        frame = {"type": "chat", "message": "hi PAM", "message_id": str(uuid.uuid4()), "n": number}
        started = time.perf_counter()
        await socket_.send(json.dumps(frame))
        json.loads(await socket_.recv())
        samples["round_trip"].append((time.perf_counter() - started) * 1000)


async def timed(runs) -> float:
    started = time.perf_counter()
    await asyncio.gather(*runs)
    return time.perf_counter() - started


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


async def measure(base: str, tokens: list[str], turns: int, think: float) -> dict:
    ws = base.replace("http", "ws", 1)
    sockets = await asyncio.gather(*(open_socket(f"{ws}/ws/pam/", token) for token in tokens))
    # One turn each first: every user's context is cached and their conversation started, so the
    # measured turns are the cache-hit turns of a running chat.
    await asyncio.gather(*(pam_turns(s, ["hello"], 1, {"round_trip": [], "added": []}) for s in sockets))
    results = {}
    for phase, texts in PHASES.items():
        for pace, pause in ((f"{think:g} s apart", think), ("flat out", 0.0)):
            samples = {"round_trip": [], "added": []}
            before = statements_so_far(base)
            seconds = await timed(pam_turns(s, texts, turns, samples, pause) for s in sockets)
            after = statements_so_far(base)
            samples["rate"] = len(samples["round_trip"]) / seconds
            if None not in (before, after):
                samples["statements"] = (after - before) / len(samples["round_trip"])
            results[f"{phase}, {pace}"] = samples
    for s in sockets:
        await s.close()
    echoes = await asyncio.gather(*(websockets.connect(f"{ws}/ws/echo/") for _ in tokens))
    samples = {"round_trip": []}
    seconds = await timed(echo_turns(s, turns, samples) for s in echoes)
    samples["rate"] = len(samples["round_trip"]) / seconds
    results["echo (floor), flat out"] = samples
    for s in echoes:
        await s.close()
    return results


def report(args, results: dict) -> None:
    floor = results["echo (floor), flat out"]
    floor_p50 = percentiles(floor["round_trip"])[0]
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"{args.users} concurrent users x {args.turns} turns each, {args.think:g} s apart or flat out (the next "
          "sent when the reply arrives); one daphne process, local provider, "
          f"PostgreSQL (as pam_app, row level security on) and Redis on 127.0.0.1, {os.cpu_count()} cores")
    print(f"{'':<27} {'turns/s':>8}  {'added ms p50/p95/p99':>22}  {'round trip ms p50/p95/p99':>27}"
          f"  {'stmts/turn':>10}  {'vs floor (rt p50, rate)':>24}")
    for phase, samples in results.items():
        rt = percentiles(samples["round_trip"])
        added = percentiles(samples["added"]) if "added" in samples else None
        added_text = f"{added[0]:>6.2f} {added[1]:>6.2f} {added[2]:>6.2f}" if added else f"{'-':>20}"
        statements = samples.get("statements")
        statements_text = f"{statements:>10.2f}" if statements is not None else f"{'-':>10}"
        # A paced phase's rate is the users' pace, not the server's: compared only flat out.
        rate_ratio = f"{floor['rate'] / samples['rate']:>6.1f}x" if "flat out" in phase else f"{'-':>7}"
        ratio = f"{rt[0] / floor_p50:>8.1f}x {rate_ratio} slower"
        print(f"{phase:<27} {samples['rate']:>8.0f}  {added_text:>22}  {rt[0]:>8.2f} {rt[1]:>8.2f} {rt[2]:>8.2f}"
              f"  {statements_text}  {ratio:>24}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20, help="turns per user in each phase")
    parser.add_argument("--think", type=float, default=2.0,
                        help="seconds between a user's turns in the paced phases (the flat-out ones have none)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    import redis

    redis.Redis.from_url(args.redis).flushdb()
    tokens = prepare_database(args.users)
    import db_roles

    port = free_port()
    app_url = f"postgres://{db_roles.APP_ROLE}@127.0.0.1:5432/{DATABASE}"
    process, log = start_server(port, args.redis, app_url)
    try:
        results = asyncio.run(measure(f"http://127.0.0.1:{port}", tokens, args.turns, args.think))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    report(args, results)
    print(f"(daphne's log: {log.name})")


if __name__ == "__main__":
    main()
