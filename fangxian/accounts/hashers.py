"""The hasher that verifies initial passwords (see initial_passwords.py for why)."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from . import initial_passwords


class InitialPasswordHasher(PBKDF2PasswordHasher):
    algorithm = initial_passwords.ALGORITHM
    iterations = initial_passwords.INITIAL_ITERATIONS
    # Never the preferred hasher, so a successful sign-in re-hashes with the default one.
