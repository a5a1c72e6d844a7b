"""A quick password hasher for the tests: the same pbkdf2_sha256 format as production, with one
iteration instead of Django's million, so creating alice and bob costs microseconds, not a
second. A hash carries its iteration count, so the browser tests' daphne server (production
settings) still verifies these passwords."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
