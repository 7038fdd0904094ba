"""Email over STARTTLS and over SSL from the start, with a login, to a real aiosmtpd server on loopback.

The server's certificate is made here for ``localhost`` and trusted through ``SSL_CERT_FILE`` (what
the default TLS context reads), so the sender verifies it exactly as it verifies a real mail server's.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.model.alerts import EmailConfig
from shared.notify import messages, senders
from tests.integration.service_support import free_port

USER, PASSWORD = "seo", "mail-password-0123"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class _Mailbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.mails.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    cert_file, key_file = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the default context trusts our certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    yield context


def _envelope() -> senders.Envelope:
    evidence = {"count": 1, "diff": "+Disallow: /", "items": []}
    view = messages.AlertView(site_name="shop.example", site_origin="https://shop.example", kind="robots_changed",
                              params={}, evidence=evidence, link=None)  # fmt: skip
    return senders.Envelope(
        delivery_id="d-1", event=senders.EVENT_ALERT, message=messages.render(view, "ru"), payload={}
    )


NET = senders.Network(allow_private=True, timeout=10, slack_api_url="", telegram_api_url="")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
async def test_email_goes_over_tls_with_a_login(trusted: ssl.SSLContext, security: str) -> None:
    box = _Mailbox()
    port = free_port()
    # Over implicit TLS aiosmtpd cannot tell the session is encrypted: it must not hold AUTH back for TLS.
    options: dict[str, Any] = {"authenticator": _authenticate, "auth_require_tls": security == "starttls"}
    if security == "starttls":
        server = Controller(box, hostname="127.0.0.1", port=port, tls_context=trusted, require_starttls=True,
                            server_hostname="localhost", **options)  # fmt: skip
    else:
        server = Controller(box, hostname="127.0.0.1", port=port, ssl_context=trusted, server_hostname="localhost",
                            **options)  # fmt: skip
    server.start()
    try:
        config = EmailConfig.model_validate({
            "host": "localhost", "port": port, "security": security, "username": USER, "password": PASSWORD,
            "from": "seo@example.com", "to": ["ops@example.com"],
        })  # fmt: skip
        assert await senders.send(NET, "email", config, _envelope()) == "accepted for 1 recipient"
    finally:
        server.stop()
    [mail] = box.mails
    assert mail["Subject"] == "shop.example: robots.txt изменился" and mail["X-SEO-Delivery"] == "d-1"
    assert {part.get_content_type() for part in mail.walk()} >= {"text/plain", "text/html"}
