"""What each part of a chat turn costs on its own, one at a time, against the floor of its round trips.

A turn on a cache hit (assistant/consumers.py) is, outside the model: one Redis script that admits
the frame and takes the turn slot, the message's INSERT, the context's one Redis MGET, the
history's SELECT, the reply's INSERT and the slot's release (one more Redis script), in two
worker-thread calls, each taking a pooled connection (with its health check) and giving it back.
This times each part in this process, as the consumer calls it, in the user's row level security
scope, and beside it the floor: the same round trips doing nothing (a redis-py PING, a pooled
`SELECT 1`), and a worker-thread hop of a function that does nothing.

Prints, per part, p50 and p95 wall milliseconds and p50 CPU milliseconds (this process: Python,
psycopg, redis-py), then the sum for a turn and the floor's sum for the same round trips.

    .venv/bin/python bench/turn_parts.py [--runs 500]

Uses the database ``pam_bench_parts`` (made and migrated here as pam_owner; BENCH_DATABASE_URL
overrides) and Redis db 9 (BENCH_REDIS_URL), flushed.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://pam_owner@127.0.0.1:5432/pam_bench_parts"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"


def timed(function, runs: int, setup=None) -> tuple[float, float, float]:
    """(p50 wall ms, p95 wall ms, p50 CPU ms) of ``function(setup())`` over ``runs`` calls after 20
    unmeasured; ``setup`` (untimed) makes each call's argument."""
    setup = setup or (lambda: None)
    for _ in range(20):
        function(setup())
    walls, cpus = [], []
    for _ in range(runs):
        argument = setup()
        wall, cpu = time.perf_counter(), time.thread_time()
        function(argument)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.thread_time() - cpu) * 1000)
    walls.sort()
    return statistics.median(walls), walls[int(len(walls) * 0.95)], statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    from bench.support import ensure_database

    ensure_database(database_url)
    environment = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                   "DJANGO_SECRET_KEY": "bench-only-secret-key-for-turn-parts-only-32b", "PAM_LOG_LEVEL": "WARNING",
                   # The parts are timed, not the limits: a bench user may send as fast as it likes.
                   "PAM_CHAT_MESSAGES_PER_MINUTE": "100000000", "PAM_WS_FRAMES_PER_MINUTE": "100000000"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=environment, check=True)
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pam_project.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django_redis import get_redis_connection

    from assistant import agent
    from assistant.consumers import finish_turn, receive_chat
    from assistant.context import user_context
    from assistant.models import Profile
    from assistant.protocol import ChatFrame
    from assistant.ratelimit import chat_admit
    from assistant.selectors import llm_history
    from assistant.services import message_receive
    from finance.models import Budget
    from pam_project import rls
    from pam_project.worker_threads import in_worker_thread

    get_redis_connection("default").flushdb()
    with rls.system_scope():
        user, created = get_user_model().objects.get_or_create(username="parts-bench")
        if created:
            Profile.objects.create(user=user, timezone="America/Denver", display_name="Parts")
            Budget.objects.create(user=user, category="groceries", monthly_limit=Decimal("600"))

    def frame(conversation_id=None):
        return ChatFrame.model_validate({"type": "chat", "message": "hi PAM", "message_id": str(uuid.uuid4()),
                                         "conversation_id": conversation_id})

    def give_back():
        connection.close()  # what in_worker_thread does after each call: the connection back to the pool

    with rls.scope(user):
        first = receive_chat(user, frame(), "hi PAM")
        first.turn_lock.release()
        conversation_id = first.message.conversation_id
        def save_message(_=None):
            message, _ = message_receive(user=user, client_message_id=uuid.uuid4(), text="hi",
                                         conversation_id=conversation_id)
            give_back()
            return message

        state = agent.TurnState(text="Hello! How can I help on the road today?", provider="local", model="local")
        # A conversation of some length: 40 messages, as after twenty turns.
        for _ in range(20):
            finish_turn(save_message(), state, "complete", 3, None)
        give_back()
        redis = get_redis_connection("default")

        def saved_message_and_slot():
            return save_message(), chat_admit(user_id=user.id).lock

        def select_one(_):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")

        loop = asyncio.new_event_loop()

        def receive(_):
            receive_chat(user, frame(conversation_id), "hi PAM").turn_lock.release()
            give_back()

        def finish(saved):
            message, slot = saved
            finish_turn(message, state, "complete", 3, slot)
            give_back()

        parts = [
            ("admit the frame, take the slot (Redis script)", lambda _: chat_admit(user_id=user.id).lock.release(),
             None),
            ("save the message (INSERT)", save_message, None),
            ("context, cache hit (MGET)", lambda _: user_context(user), None),
            ("history (SELECT, the last 30 of 40+)", lambda _: (llm_history(user=user, conversation_id=conversation_id),
                                                                 give_back()), None),
            ("receive_chat: admit, INSERT, context, history", receive, None),
            ("finish_turn: the reply's INSERT, release the slot", finish, saved_message_and_slot),
        ]
        floors = [
            ("floor: redis-py PING", lambda _: redis.ping(), None),
            ("floor: pooled SELECT 1 (checkout, check, give back)", lambda _: (select_one(_), give_back()), None),
            ("floor: SELECT 1 on a held connection", select_one, None),
            ("floor: worker-thread hop of a no-op", lambda _: loop.run_until_complete(in_worker_thread(lambda: None)()),
             None),
        ]
        results = {label: timed(function, args.runs, setup) for label, function, setup in parts + floors}
        loop.close()

    print(f"$ python bench/turn_parts.py --runs {args.runs}")
    print(f"{args.runs} runs of each part, one at a time, in one process; PostgreSQL and Redis on 127.0.0.1")
    print(f"{'part':52s} {'p50 ms':>8s} {'p95 ms':>8s} {'CPU p50':>8s}")
    for label, (p50, p95, cpu) in results.items():
        print(f"{label:52s} {p50:8.3f} {p95:8.3f} {cpu:8.3f}")
    hop = results["floor: worker-thread hop of a no-op"][0]
    turn = (results["receive_chat: admit, INSERT, context, history"][0]
            + results["finish_turn: the reply's INSERT, release the slot"][0] + 2 * hop)
    pooled = results["floor: pooled SELECT 1 (checkout, check, give back)"][0]
    floor = (3 * results["floor: redis-py PING"][0] + 2 * pooled
             + results["floor: SELECT 1 on a held connection"][0] + 2 * hop)
    print(f"a turn's database and Redis work, p50s added: {turn:.2f} ms (receive_chat + finish_turn + 2 hops)")
    print(f"its floor, the same round trips doing nothing: {floor:.2f} ms (3 Redis round trips, 2 pooled "
          "connections with 3 statements, 2 hops)")
    print("target (issue 7): p50 ≤ 5 ms added per turn, the frames and the event loop's work included")


if __name__ == "__main__":
    main()
