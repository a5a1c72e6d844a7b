"""Print the environment `make run` should use: PostgreSQL and Redis when they answer.

Creates PAM's database roles and the `pam` database on first use (scripts/db_roles.py): the app
connects as `pam_app` (DATABASE_URL), migrations run as `pam_owner` (DATABASE_OWNER_URL).
Prints shell `export` lines; says on stderr what it found, so a first look still works (SQLite,
in-memory) on a laptop with neither service.
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


def ensure_database() -> tuple[str, str] | None:
    """The app's and the owner's URLs of the `pam` database, after making sure the roles and the
    database exist (scripts/db_roles.py); None when PostgreSQL cannot be used."""
    import db_roles
    import psycopg

    try:
        db_roles.ensure([PG_DB])
    except psycopg.Error as exc:
        print(f"PostgreSQL answers but could not be used ({exc}); using SQLite.", file=sys.stderr)
        return None
    return (f"postgres://{db_roles.APP_ROLE}@{PG_HOST}:{PG_PORT}/{PG_DB}",
            f"postgres://{db_roles.OWNER_ROLE}@{PG_HOST}:{PG_PORT}/{PG_DB}")


def main() -> None:
    lines = []
    if "DATABASE_URL" not in os.environ and answers(PG_HOST, PG_PORT):
        urls = ensure_database()
        if urls:
            lines += [f"export DATABASE_URL={urls[0]}", f"export DATABASE_OWNER_URL={urls[1]}"]
            print(f"Using PostgreSQL: {urls[0]} (migrations as {urls[1]})", file=sys.stderr)
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
