"""Chat-turn latency through a running PAM (daphne, PostgreSQL, Redis, the local provider).

Logs in as the demo user, opens one socket and sends TURNS messages one after another, cycling
through everyday utterances (writes and reads). Prints, per kind of turn, p50/p95/max of

  round trip  frame sent → chat_response received, measured by this client
  server      the reply's latency_ms (frame in → reply saved, measured by the server)

Start PAM with the per-user chat limits raised (20 messages and 120 frames a minute), then run this:

    PAM_CHAT_MESSAGES_PER_MINUTE=100000 PAM_WS_FRAMES_PER_MINUTE=100000 make run
    .venv/bin/python bench/chat_turn.py [--turns 200] [--url ...]

The demo user gains the logged expenses; `manage.py seed_demo --reset` starts it over.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections import defaultdict

import requests
import websockets

UTTERANCES = [
    ("write", "I spent $4.50 on coffee this morning"),
    ("read", "How's my budget looking?"),
    ("read", "How much have I spent on fuel this month?"),
    ("small talk", "hi PAM"),
]


def login(base: str, username: str, password: str) -> str:
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10)
    response = session.post(f"{base}/accounts/login/", timeout=10, headers={"Referer": f"{base}/accounts/login/"},
                            data={"username": username, "password": password,
                                  "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    if "sessionid" not in session.cookies:
        sys.exit(f"Could not log in as {username} at {base} (status {response.status_code}); is `make run` up?")
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def run(base: str, cookie: str, turns: int) -> dict:
    ws_url = base.replace("http", "ws", 1) + "/ws/pam/"
    results = defaultdict(lambda: {"round_trip": [], "server": []})
    async with websockets.connect(ws_url, additional_headers={"Cookie": cookie, "Origin": base}) as socket:
        assert json.loads(await socket.recv())["type"] == "connection"
        conversation_id = None
        for number in range(turns):
            kind, text = UTTERANCES[number % len(UTTERANCES)]
            message_id = str(uuid.uuid4())
            frame = {"type": "chat", "message": text, "message_id": message_id}
            if conversation_id:
                frame["conversation_id"] = conversation_id
            started = time.perf_counter()
            await socket.send(json.dumps(frame))
            while True:
                reply = json.loads(await socket.recv())
                if reply.get("type") == "message_ack":
                    conversation_id = reply["conversation_id"]
                if reply.get("type") == "error":
                    sys.exit(f"turn {number} failed: {reply}")
                if reply.get("type") == "chat_response":
                    break
            results[kind]["round_trip"].append((time.perf_counter() - started) * 1000)
            results[kind]["server"].append(reply["latency_ms"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="pam-demo-2026")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    cookie = login(base, args.username, args.password)
    results = asyncio.run(run(base, cookie, args.turns))
    print(f"$ {' '.join(sys.argv)}")
    print(f"{args.turns} sequential turns on one socket, local provider, against {base}")
    print(f"{'turn':<11} {'n':>4}  {'round trip ms p50/p95/max':>27}  {'server ms p50/p95/max':>23}")
    for kind, figures in results.items():
        rt, server = figures["round_trip"], figures["server"]
        print(f"{kind:<11} {len(rt):>4}  {statistics.median(rt):>9.1f} {percentile(rt, .95):>8.1f} {max(rt):>8.1f}"
              f"  {statistics.median(server):>7.0f} {percentile(server, .95):>7.0f} {max(server):>7.0f}")


if __name__ == "__main__":
    main()
