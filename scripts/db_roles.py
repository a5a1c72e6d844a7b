"""Create PAM's two PostgreSQL roles and give its databases to the owner (docs/security.md).

    python scripts/db_roles.py [DATABASE ...]      (default: pam)

Connects as a superuser, ``PAM_DATABASE_ADMIN_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), and makes sure that:

- ``pam_owner`` (``PAM_DATABASE_OWNER_ROLE``) can log in and create databases (the tests create
  theirs), is neither a superuser nor exempt from row level security, and owns each DATABASE and
  every table, sequence and view in its ``public`` schema (an older PAM left them to ``postgres``).
  Migrations run as this role.
- ``pam_app`` (``PAM_DATABASE_APP_ROLE``) can log in and nothing more: not a superuser, no
  BYPASSRLS, no CREATEDB, owner of nothing. The web and worker processes connect as it;
  ``pam_project.rls.install`` grants it the rows' verbs after every migrate.

Each DATABASE is created when missing; an existing ``test_<DATABASE>`` (the tests' copy) is given
to the owner too, so the tests can drop and recreate it. Safe to run again. Passwords are not
set here: local PostgreSQL trusts 127.0.0.1; in production set them (``ALTER ROLE … PASSWORD``).
"""

import os
import sys

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get("PAM_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
OWNER_ROLE = os.environ.get("PAM_DATABASE_OWNER_ROLE", "pam_owner")
APP_ROLE = os.environ.get("PAM_DATABASE_APP_ROLE", "pam_app")


def ensure_role(conn, name: str, attributes: str) -> None:
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("ALTER ROLE {} " + attributes).format(sql.Identifier(name)))


def give_to_owner(admin_url: str, database: str) -> None:
    """Make OWNER_ROLE the owner of everything in ``database``'s public schema."""
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=database)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            """SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                 AND pg_get_userbyid(c.relowner) <> %s""",
            (OWNER_ROLE,),
        ).fetchall()
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
        for name, kind in rows:
            conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(kinds[kind]), sql.Identifier(name), sql.Identifier(OWNER_ROLE)))
        functions = conn.execute(
            """SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s""",
            (OWNER_ROLE,),
        ).fetchall()
        for (signature,) in functions:
            conn.execute(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(
                sql.SQL(signature), sql.Identifier(OWNER_ROLE)))


def ensure(databases: list[str], admin_url: str = ADMIN_URL) -> None:
    """Create the roles and databases (see the module docstring). Raises psycopg.Error when the
    admin connection fails or is not allowed to."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        ensure_role(conn, OWNER_ROLE, "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS")
        ensure_role(conn, APP_ROLE, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database").fetchall()}
        for database in databases:
            if database not in existing:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(OWNER_ROLE)))
            for name in (database, f"test_{database}"):
                if name in existing or name == database:
                    conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                        sql.Identifier(name), sql.Identifier(OWNER_ROLE)))
                    give_to_owner(admin_url, name)


def main() -> None:
    databases = sys.argv[1:] or ["pam"]
    try:
        ensure(databases)
    except psycopg.Error as exc:
        sys.exit(f"Could not set up PAM's database roles through {ADMIN_URL}: {exc}")
    print(f"PostgreSQL roles ready: {OWNER_ROLE} owns {', '.join(databases)}; the app connects as {APP_ROLE}.",
          file=sys.stderr)


if __name__ == "__main__":
    main()
