"""Secrets at rest: write-only values (channel tokens, crawl credentials) encrypted with ``SECRET_KEY``.

A secret never enters the event log, a log line, an export or an api answer in clear: it is stored
here, encrypted, and events carry its reference (``secret_ref``, a UUID). A rebuild replays the
references; this table is not a projection and a rebuild leaves it alone.

Keys
----
``SECRET_KEY`` is a comma-separated key ring: the first key encrypts, every key decrypts. Any
string works (a random one of 32+ characters is right: ``python -c "import secrets;
print(secrets.token_urlsafe(32))"``); the Fernet key (AES-128-CBC + HMAC-SHA256) is derived from
it with HKDF-SHA256. When ``SECRET_KEY`` is unset, a key is generated on the first start and kept
in the database (table ``vault_key``), like the generated API token: that keeps secrets out of the
log, exports and logs, but someone holding a database dump holds the key too, so production sets
``SECRET_KEY`` outside the database. A stored key stays in the ring for decryption after
``SECRET_KEY`` is set.

Rotation: put the new key first and keep the old one after it (``SECRET_KEY=new,old``), restart,
run ``seo admin secrets rotate`` (re-encrypts every secret with the first key; ``seo admin secrets
status`` counts secrets per key id), then drop the old key from ``SECRET_KEY``.

API (for every owner of secrets; ``purpose`` names the owner: ``"channel"``, ``"crawl_auth"``)::

    vault = await load(conn, settings.secret_key)           # once per process, at start-up
    ref = await store(conn, vault, "channel", {"token": "..."})   # in the transaction that appends the ref
    values = await read(conn, vault, ref)                   # {"token": "..."}; KeyError if forgotten
    await replace(conn, vault, ref, {"token": "..."})       # same ref, new values
    await forget(conn, ref)                                 # when the owner is deleted
    new_ref = await copy(conn, ref, "crawl_auth")           # another owner's own copy (still encrypted)
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass

import asyncpg
import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = structlog.get_logger(__name__)

MIN_KEY_LENGTH = 16
_SALT = b"seo-crawler vault v1"

_STORED_KEY = "SELECT key FROM vault_key WHERE id = 1"
_INSERT_KEY = "INSERT INTO vault_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING RETURNING id"
_INSERT = "INSERT INTO vault_secrets (id, purpose, key_id, ciphertext) VALUES ($1, $2, $3, $4)"
_READ = "SELECT ciphertext FROM vault_secrets WHERE id = $1"
_REPLACE = "UPDATE vault_secrets SET key_id = $2, ciphertext = $3, updated_at = now() WHERE id = $1"
_DELETE = "DELETE FROM vault_secrets WHERE id = $1"
# A copy under a new reference, still encrypted (no key needed): each owner forgets its own.
_COPY = """INSERT INTO vault_secrets (id, purpose, key_id, ciphertext)
           SELECT $2, $3, key_id, ciphertext FROM vault_secrets WHERE id = $1 RETURNING id"""
_ALL = "SELECT id, ciphertext FROM vault_secrets WHERE key_id <> $1 ORDER BY id FOR UPDATE"
_BY_KEY = "SELECT key_id, count(*) AS n FROM vault_secrets GROUP BY key_id ORDER BY key_id"


class VaultError(Exception):
    """A secret cannot be read: no key in the ring opens it (a key was dropped too early)."""


def _fernet_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=b"fernet").derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def key_id(secret: str) -> str:
    """A short public name of a key (never the key): which key encrypted a row."""
    return hashlib.sha256(_fernet_key(secret)).hexdigest()[:12]


@dataclass(frozen=True)
class Vault:
    """The key ring: ``keys[0]`` encrypts, all decrypt."""

    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a vault needs at least one key")
        for key in self.keys:
            if len(key) < MIN_KEY_LENGTH:
                raise ValueError(f"SECRET_KEY: every key must be at least {MIN_KEY_LENGTH} characters long")

    @property
    def primary_id(self) -> str:
        return key_id(self.keys[0])

    def _ring(self) -> MultiFernet:
        return MultiFernet([Fernet(_fernet_key(k)) for k in self.keys])

    def seal(self, values: dict[str, str]) -> str:
        """``values`` encrypted with the primary key (a Fernet token: authenticated, time-stamped)."""
        return self._ring().encrypt(json.dumps(values, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        try:
            plain = self._ring().decrypt(token.encode())
        except InvalidToken:
            raise VaultError(
                "no key in SECRET_KEY opens this secret (was an old key dropped before rotating?)"
            ) from None
        values: dict[str, str] = json.loads(plain)
        return values


def ring_of(setting: str | None) -> list[str]:
    """The keys named by a ``SECRET_KEY`` value (comma-separated, blanks ignored)."""
    return [k.strip() for k in (setting or "").split(",") if k.strip()]


async def load(conn: asyncpg.Connection, secret_key: str | None) -> Vault:
    """The vault of this process: ``SECRET_KEY``'s ring, else (and after it) the key stored in the database.

    With neither, a key is generated and stored (the first of several starting services wins).
    """
    ring = ring_of(secret_key)
    stored: str | None = await conn.fetchval(_STORED_KEY)
    if not ring and stored is None:
        if await conn.fetchval(_INSERT_KEY, secrets.token_urlsafe(32)) is not None:
            log.warning(
                "SECRET_KEY is not set: generated one and stored it in the database; set SECRET_KEY to keep "
                "secrets safe from someone holding a database dump (docs/OPERATIONS.md, Secrets)"
            )
        stored = await conn.fetchval(_STORED_KEY)
    keys = ring + ([stored] if stored and stored not in ring else [])
    return Vault(tuple(keys))


async def store(conn: asyncpg.Connection, vault: Vault, purpose: str, values: dict[str, str]) -> uuid.UUID:
    """Encrypt and keep ``values``; returns the reference events carry."""
    ref = uuid.uuid4()
    await conn.execute(_INSERT, ref, purpose, vault.primary_id, vault.seal(values))
    return ref


async def read(conn: asyncpg.Connection, vault: Vault, ref: uuid.UUID) -> dict[str, str]:
    """The values behind ``ref`` (``KeyError`` when it was forgotten, ``VaultError`` when no key opens it)."""
    token: str | None = await conn.fetchval(_READ, ref)
    if token is None:
        raise KeyError(f"no secret {ref}")
    return vault.open(token)


async def replace(conn: asyncpg.Connection, vault: Vault, ref: uuid.UUID, values: dict[str, str]) -> None:
    await conn.execute(_REPLACE, ref, vault.primary_id, vault.seal(values))


async def forget(conn: asyncpg.Connection, ref: uuid.UUID) -> None:
    await conn.execute(_DELETE, ref)


async def copy(conn: asyncpg.Connection, ref: uuid.UUID, purpose: str) -> uuid.UUID:
    """The same secret under a new reference (a crawl's own copy of its schedule's credentials), so that
    each owner forgets its own. ``KeyError`` when ``ref`` was forgotten."""
    new = uuid.uuid4()
    if await conn.fetchval(_COPY, ref, new, purpose) is None:
        raise KeyError(f"no secret {ref}")
    return new


async def rotate(conn: asyncpg.Connection, vault: Vault) -> int:
    """Re-encrypt every secret not under the primary key with it. Returns how many were."""
    done = 0
    async with conn.transaction():
        for row in await conn.fetch(_ALL, vault.primary_id):
            await conn.execute(_REPLACE, row["id"], vault.primary_id, vault.seal(vault.open(row["ciphertext"])))
            done += 1
    return done


async def status(conn: asyncpg.Connection) -> dict[str, int]:
    """Secrets per key id (after a rotation, all under the primary key's id)."""
    return {row["key_id"]: row["n"] for row in await conn.fetch(_BY_KEY)}
