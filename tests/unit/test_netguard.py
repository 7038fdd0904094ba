"""The SSRF guard: which addresses are refused, in every spelling."""

from __future__ import annotations

import pytest

from shared import netguard


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
     "240.0.0.1", "100.64.0.1", "::1", "::", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
     "64:ff9b::7f00:1", "2002:7f00:1::"],
)  # fmt: skip
def test_refused_addresses(address: str) -> None:
    assert netguard.address_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert netguard.address_reason(address) is None


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://localhost:8000/", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/",
     "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://0/"],
)  # fmt: skip
async def test_check_url_refuses_private_spellings(url: str) -> None:
    reason = await netguard.check_url(url)
    assert reason is not None and ("address" in reason or "resolve" in reason)
    assert await netguard.check_url(url, allow_private=True) is None


async def test_check_url_refuses_what_does_not_resolve() -> None:
    assert await netguard.check_url("http://does-not-exist.invalid/") is not None


async def test_connector_refuses_loopback_on_connect(site_factory) -> None:  # type: ignore[no-untyped-def]
    import aiohttp

    site = await site_factory()
    site.page("/", "hello")
    async with aiohttp.ClientSession(connector=netguard.GuardedConnector()) as session:
        with pytest.raises(aiohttp.ClientError) as caught:
            await session.get(site.url("/"))
        assert netguard.refusal_of(caught.value) is not None
        localhost = site.url("/").replace("127.0.0.1", "localhost")
        with pytest.raises(aiohttp.ClientError):
            await session.get(localhost)
    assert site.hits("/") == 0
    connector = netguard.GuardedConnector(allow_private=True)
    async with aiohttp.ClientSession(connector=connector) as session, session.get(site.url("/")) as response:
        assert response.status == 200


def test_allowlist_lets_only_the_named_networks_through() -> None:
    allow = netguard.parse_networks("127.0.0.1, 10.1.0.0/16")
    assert netguard.address_reason("127.0.0.1", allow) is None
    assert netguard.address_reason("::ffff:127.0.0.1", allow) is None  # the same host, mapped
    assert netguard.address_reason("10.1.200.3", allow) is None
    # Everything else non-public stays refused: another loopback address, metadata, the rest of 10/8.
    for other in ("127.0.0.2", "169.254.169.254", "10.2.0.1", "::1"):
        assert netguard.address_reason(other, allow) is not None, other


def test_allowlist_entries_are_checked() -> None:
    assert netguard.parse_networks(" ") == ()
    with pytest.raises(ValueError, match="'10.0.0.300'"):
        netguard.parse_networks("127.0.0.1,10.0.0.300")


async def test_connector_allowlist_reaches_the_listed_address_only(site_factory) -> None:  # type: ignore[no-untyped-def]
    import aiohttp

    site = await site_factory()
    site.page("/", "hello")
    connector = netguard.GuardedConnector(allowlist=netguard.parse_networks("127.0.0.1"))
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(site.url("/")) as response:
            assert response.status == 200
        with pytest.raises(aiohttp.ClientError) as caught:
            await session.get(site.url("/").replace("127.0.0.1", "127.0.0.2"))
        assert "127.0.0.2 is a loopback address" in (netguard.refusal_of(caught.value) or "")
    assert site.hits("/") == 1
