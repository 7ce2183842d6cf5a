"""Initial passwords for accounts made in bulk: random, typed once, changed at first sign-in.

Why a dedicated hash. Django's default PBKDF2 (1,000,000 rounds, about half a second) is
right for passwords people choose, which are guessable; 20,000 students would cost hours.
An initial password is not chosen: 16 characters drawn by `secrets` from 31 symbols carry
79 bits, so even at 10^11 guesses a second an offline search takes millions of years
whatever the hash costs. It is also short-lived: the first sign-in must replace it (and
Django then re-hashes with the default hasher). So these are stored with PBKDF2-SHA256 at
INITIAL_ITERATIONS rounds under their own algorithm name (`InitialPasswordHasher`), which
Django verifies like any other hash; a person's own password never uses it.

This module imports nothing from Django, so that its worker processes start fast.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ALGORITHM = "fx_initial"
INITIAL_ITERATIONS = 1000
# Lower-case letters and digits without those read alike on paper (0/o, 1/l/i).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 4, 4
# Below this many passwords a pool costs more to start than it saves.
POOL_THRESHOLD = 4000


def generate() -> str:
    """e.g. "k7mq-3xha-p9rt-wd2e": easy to type from a slip, with letters and digits."""
    limit = 256 - 256 % len(ALPHABET)  # drop bytes that would favour the first symbols
    while True:
        chars = [ALPHABET[b % len(ALPHABET)] for b in secrets.token_bytes(GROUPS * GROUP_LENGTH * 2) if b < limit]
        chars = chars[: GROUPS * GROUP_LENGTH]
        if len(chars) == GROUPS * GROUP_LENGTH and any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars):
            break
    return "-".join("".join(chars[i : i + GROUP_LENGTH]) for i in range(0, len(chars), GROUP_LENGTH))


def _salt() -> str:
    # 128 random bits; URL-safe base64 never contains the "$" that separates the fields.
    return secrets.token_urlsafe(16)


def encode(password: str, salt: str, iterations: int = INITIAL_ITERATIONS) -> str:
    """The same string as Django's PBKDF2PasswordHasher.encode, under our algorithm name."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"{ALGORITHM}${iterations}${salt}${base64.b64encode(digest).decode('ascii').strip()}"


def _encode_chunk(items: list[tuple[str, str]]) -> list[str]:
    return [encode(password, salt) for password, salt in items]


def hash_all(passwords: list[str], *, workers: int | None = None) -> list[str]:
    """Hashes for `passwords`, in order. Large batches are spread over worker processes.

    The workers are fresh interpreters running this module (`python -m`), not forks or
    multiprocessing spawns: a fork would copy the caller's database connections and
    threads, and multiprocessing re-imports the caller's main script, which in a shell or
    an unguarded script runs it again. A worker that fails is made up for in-process."""
    items = [(password, _salt()) for password in passwords]
    workers = workers or os.cpu_count() or 1
    if len(items) < POOL_THRESHOLD or workers < 2:
        return _encode_chunk(items)
    size = -(-len(items) // workers)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH", "")]))}
    processes = [
        subprocess.Popen(  # noqa: S603  (our own interpreter and module, no shell)
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        for _chunk in chunks
    ]
    results: list[str] = []
    for process, chunk in zip(processes, chunks, strict=True):
        out, _err = process.communicate(json.dumps(chunk).encode())
        encoded = json.loads(out) if process.returncode == 0 and out else None
        results.extend(encoded if encoded is not None and len(encoded) == len(chunk) else _encode_chunk(chunk))
    return results


_ROOT = str(Path(__file__).resolve().parent.parent.parent)

if __name__ == "__main__":
    json.dump(_encode_chunk([tuple(item) for item in json.load(sys.stdin)]), sys.stdout)
