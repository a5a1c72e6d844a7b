"""Print the environment `make run` should use: PostgreSQL and Redis when they answer.

Creates the `pam` database on first use. Prints shell `export` lines; says on stderr what it
found, so a first look still works (SQLite, in-memory) on a laptop with neither service.
"""

import os
import socket
import sys

PG_HOST, PG_PORT, PG_DB = "127.0.0.1", 5432, "pam"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure_database() -> str | None:
    import psycopg

    try:
        with psycopg.connect(f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres", autocommit=True,
                             connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone():
                conn.execute(f'CREATE DATABASE "{PG_DB}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL answers but could not be used ({exc}); using SQLite.", file=sys.stderr)
        return None
    return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{PG_DB}"


def main() -> None:
    lines = []
    if "DATABASE_URL" not in os.environ and answers(PG_HOST, PG_PORT):
        url = ensure_database()
        if url:
            lines.append(f"export DATABASE_URL={url}")
            print(f"Using PostgreSQL: {url}", file=sys.stderr)
    elif "DATABASE_URL" not in os.environ:
        print("PostgreSQL is not running on 127.0.0.1:5432; using SQLite (db.sqlite3).", file=sys.stderr)
    if "REDIS_URL" not in os.environ and answers(REDIS_HOST, REDIS_PORT):
        lines.append(f"export REDIS_URL=redis://{REDIS_HOST}:{REDIS_PORT}/0")
        print(f"Using Redis: redis://{REDIS_HOST}:{REDIS_PORT}/0", file=sys.stderr)
    elif "REDIS_URL" not in os.environ:
        print("Redis is not running on 127.0.0.1:6379; using the in-memory cache and channel layer.",
              file=sys.stderr)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
