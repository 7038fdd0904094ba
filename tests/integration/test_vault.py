"""The vault: secrets encrypted at rest, a key ring that rotates, a generated key when SECRET_KEY is unset."""

from __future__ import annotations

import asyncpg
import pytest

from shared import vault

OLD, NEW = "the-old-secret-key-0123456789", "the-new-secret-key-9876543210"


async def test_secrets_round_trip_rotate_to_the_new_key_and_fail_clearly_without_it(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        old = await vault.load(conn, OLD)
        ref = await vault.store(conn, old, "channel", {"token": "s3cr3t-value"})
        stored = await conn.fetchrow("SELECT purpose, key_id, ciphertext FROM vault_secrets WHERE id = $1", ref)
        assert stored["purpose"] == "channel" and "s3cr3t-value" not in stored["ciphertext"]
        assert await vault.read(conn, old, ref) == {"token": "s3cr3t-value"}

        ring = await vault.load(conn, f"{NEW},{OLD}")  # the new key first: it encrypts, both decrypt
        assert await vault.read(conn, ring, ref) == {"token": "s3cr3t-value"}
        assert await vault.status(conn) == {vault.key_id(OLD): 1}
        assert await vault.rotate(conn, ring) == 1
        assert await vault.status(conn) == {vault.key_id(NEW): 1}
        assert await vault.rotate(conn, ring) == 0

        new_only = await vault.load(conn, NEW)
        assert await vault.read(conn, new_only, ref) == {"token": "s3cr3t-value"}
        with pytest.raises(vault.VaultError, match="no key in SECRET_KEY opens"):
            await vault.read(conn, await vault.load(conn, OLD), ref)

        await vault.replace(conn, new_only, ref, {"token": "changed"})
        assert await vault.read(conn, new_only, ref) == {"token": "changed"}
        await vault.forget(conn, ref)
        with pytest.raises(KeyError):
            await vault.read(conn, new_only, ref)
        with pytest.raises(ValueError, match="at least 16"):
            await vault.load(conn, "short")


async def test_without_secret_key_one_is_generated_once_and_stays_in_the_ring(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        first = await vault.load(conn, None)
        again = await vault.load(conn, "")
        assert first == again and len(first.keys) == 1
        ref = await vault.store(conn, first, "crawl_auth", {"password": "pw"})
        # Setting SECRET_KEY later: the stored key still opens what it encrypted, rotation moves it over.
        ring = await vault.load(conn, NEW)
        assert ring.keys == (NEW, first.keys[0])
        assert await vault.read(conn, ring, ref) == {"password": "pw"}
        assert await vault.rotate(conn, ring) == 1
