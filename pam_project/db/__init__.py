"""PAM's database backend: Django's PostgreSQL backend that passes the row level security scope
(``pam_project.rls``) to every transaction. ``DATABASES["default"]["ENGINE"] = "pam_project.db"``."""
