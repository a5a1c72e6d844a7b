"""What the benches share."""


def ensure_database(url: str) -> None:
    """Create the bench database at ``url`` (owned by pam_owner, scripts/db_roles.py) when it does
    not exist yet. Raises psycopg.OperationalError for any other connection failure."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
        from scripts.db_roles import ensure

        ensure([url.rsplit("/", 1)[1].split("?")[0]])
