"""Which errors mean "the database went away" (a crawl is handed back, not failed): issue 12."""

from __future__ import annotations

import asyncpg

from shared.platform import database

NOWHERE = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1"


async def test_a_vanished_server_is_an_outage_and_a_fetch_error_is_not() -> None:
    assert await database.lost_connection(asyncpg.exceptions.AdminShutdownError("terminating connection"), NOWHERE)
    assert await database.lost_connection(asyncpg.exceptions.InterfaceError("connection is closed"), NOWHERE)
    # The driver's misuse is a bug to fix (counted), and a refused connection raised by anything but the
    # driver (an HTTP fetch that escaped, say) is no outage of the database.
    assert not await database.lost_connection(
        asyncpg.exceptions.InterfaceError("another operation is in progress"), NOWHERE
    )
    assert not await database.lost_connection(ConnectionRefusedError(111, "refused"), NOWHERE)
    try:
        await asyncpg.connect(NOWHERE, timeout=2)
    except OSError as refused:  # raised inside the driver: the database is not there
        assert await database.lost_connection(refused, NOWHERE)
    else:
        raise AssertionError("nothing listens on port 1")
    # Wrapped: what caused the error counts.
    try:
        try:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        except asyncpg.PostgresError as exc:
            raise RuntimeError("the batch could not be stored") from exc
    except RuntimeError as wrapped:
        assert await database.lost_connection(wrapped, NOWHERE)
