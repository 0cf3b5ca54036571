"""Hashes for PINs, passwords, session tokens and ID numbers, in one place."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_id_number", "hash_secret", "hash_token", "new_token", "verify_secret"]

# OWASP's minimum argon2id profile (19 MiB, 2 passes): a desk registration stays under 50 ms.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Session tokens are random, so a plain digest suffices and lookup stays an index hit."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_id_number(secret_key: str, number: str) -> str:
    """Keyed so that a leaked database cannot be matched against a list of ID numbers."""
    return hmac.new(secret_key.encode(), number.encode(), hashlib.sha256).hexdigest()
