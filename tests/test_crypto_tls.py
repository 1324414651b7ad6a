import asyncio
import contextlib
import inspect
import ssl
import stat
import warnings

import pytest
from cryptography import x509

from fixgw.crypto import (
    PinMismatchError,
    TLSConfigError,
    check_pinned,
    client_context,
    generate_self_signed,
    pinned_fingerprint,
    server_context,
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    generate_self_signed(d / "server.pem", d / "server.key")
    generate_self_signed(d / "other.pem", d / "other.key")
    return d


@contextlib.asynccontextmanager
async def echo_server(ctx: ssl.SSLContext):
    async def handle(reader, writer):
        with contextlib.suppress(ConnectionError):
            writer.write(b"echo:" + await reader.readexactly(4))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def exchange(port: int, ctx: ssl.SSLContext, hostname: str = "localhost") -> bytes:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=ctx, server_hostname=hostname
    )
    try:
        writer.write(b"ping")
        return await reader.readexactly(9)
    finally:
        writer.close()


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"])
async def test_pinned_client_connects(certs, hostname):
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        assert await exchange(port, client_context(pinned_cert=certs / "server.pem"), hostname) == (
            b"echo:ping"
        )


async def test_pinned_client_passes_x509_strict(certs):
    # Python 3.13 turns VERIFY_X509_STRICT on by default; our simulator cert must survive it.
    ctx = client_context(pinned_cert=certs / "server.pem")
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        assert await exchange(port, ctx) == b"echo:ping"


async def test_check_pinned_after_handshake(certs):
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1",
            port,
            ssl=client_context(pinned_cert=certs / "server.pem"),
            server_hostname="localhost",
        )
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            check_pinned(ssl_object, certs / "server.pem")
            with pytest.raises(PinMismatchError) as exc:
                check_pinned(ssl_object, certs / "other.pem")
            assert isinstance(exc.value, ssl.SSLError)
            msg = str(exc.value)
            assert pinned_fingerprint(certs / "server.pem") in msg
            assert pinned_fingerprint(certs / "other.pem") in msg
        finally:
            writer.close()


async def test_system_ca_client_rejects_self_signed(certs):
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        with pytest.raises(ssl.SSLCertVerificationError):
            await exchange(port, client_context())


async def test_client_pinning_other_cert_rejected(certs):
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        with pytest.raises(ssl.SSLCertVerificationError):
            await exchange(port, client_context(pinned_cert=certs / "other.pem"))


async def test_hostname_mismatch_rejected(certs):
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        with pytest.raises(ssl.SSLCertVerificationError, match="[Hh]ostname"):
            await exchange(port, client_context(pinned_cert=certs / "server.pem"), "example.com")


def _tls11_only(ctx: ssl.SSLContext) -> ssl.SSLContext:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 hides TLS 1.1 above level 0
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"local OpenSSL cannot be limited to TLS 1.1: {exc}")
    return ctx


def _tls11_client(certs) -> ssl.SSLContext:
    ctx = _tls11_only(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    ctx.load_verify_locations(certs / "server.pem")
    return ctx


def _tls11_server(certs) -> ssl.SSLContext:
    ctx = _tls11_only(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    ctx.load_cert_chain(certs / "server.pem", certs / "server.key")
    return ctx


async def _skip_unless_tls11_works(certs) -> None:
    # Control: a TLS 1.1 pair must work here, else a refusal below proves nothing.
    async with echo_server(_tls11_server(certs)) as port:
        try:
            await exchange(port, _tls11_client(certs))
        except OSError as exc:
            pytest.skip(f"local OpenSSL will not negotiate TLS 1.1: {exc!r}")


async def test_server_refuses_tls11_client(certs):
    await _skip_unless_tls11_works(certs)
    async with echo_server(server_context(certs / "server.pem", certs / "server.key")) as port:
        # The refusal surfaces as an alert (SSLError) or, if asyncio drops the socket
        # before the alert is flushed, as a reset.
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            await exchange(port, _tls11_client(certs))


async def test_client_refuses_tls11_server(certs):
    await _skip_unless_tls11_works(certs)
    async with echo_server(_tls11_server(certs)) as port:
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            await exchange(port, client_context(pinned_cert=certs / "server.pem"))


def test_contexts_always_verify(certs, tmp_path):
    for ctx in (
        client_context(),
        client_context(pinned_cert=certs / "server.pem"),
        client_context(cafile=certs / "server.pem"),
    ):
        assert ctx.verify_mode == ssl.CERT_REQUIRED
        assert ctx.check_hostname is True
        assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert set(inspect.signature(client_context).parameters) == {"cafile", "pinned_cert"}
    server = server_context(certs / "server.pem", certs / "server.key")
    assert server.minimum_version == ssl.TLSVersion.TLSv1_2


def test_pinned_context_trusts_only_the_pin(certs):
    ctx = client_context(pinned_cert=certs / "server.pem")
    assert ctx.cert_store_stats()["x509"] == 1
    assert ctx.verify_flags & ssl.VERIFY_X509_PARTIAL_CHAIN


def test_cafile_and_pin_are_exclusive(certs):
    with pytest.raises(ValueError, match="not both"):
        client_context(cafile=certs / "server.pem", pinned_cert=certs / "server.pem")


def test_pin_file_errors(certs, tmp_path):
    missing = tmp_path / "missing.pem"
    with pytest.raises(TLSConfigError, match="file not found") as exc:
        client_context(pinned_cert=missing)
    assert str(missing) in str(exc.value)
    with pytest.raises(TLSConfigError, match="no PEM CERTIFICATE"):
        client_context(pinned_cert=certs / "server.key")
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(TLSConfigError, match="malformed"):
        pinned_fingerprint(bad)
    two = tmp_path / "two.pem"
    two.write_bytes((certs / "server.pem").read_bytes() + (certs / "other.pem").read_bytes())
    with pytest.raises(TLSConfigError, match="2 certificates"):
        client_context(pinned_cert=two)


def test_server_context_errors(certs, tmp_path):
    with pytest.raises(TLSConfigError, match="missing.key"):
        server_context(certs / "server.pem", tmp_path / "missing.key")
    with pytest.raises(TLSConfigError, match="other.key"):
        server_context(certs / "server.pem", certs / "other.key")  # key does not match cert


def test_fingerprint_is_sha256_of_der(certs):
    cert = x509.load_pem_x509_certificate((certs / "server.pem").read_bytes())
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding

    fp = pinned_fingerprint(certs / "server.pem")
    assert fp == hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
    assert fp != pinned_fingerprint(certs / "other.pem")


def test_self_signed_contents(tmp_path):
    cert_path, key_path = tmp_path / "c.pem", tmp_path / "c.key"
    generate_self_signed(cert_path, key_path, hostnames=("localhost", "sim.local"), days=2)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "sim.local"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 2
    first = pinned_fingerprint(cert_path)
    generate_self_signed(cert_path, key_path)  # regenerating replaces both files
    assert pinned_fingerprint(cert_path) != first
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.key", "c.pem"]


def test_self_signed_rejects_bad_ip(tmp_path):
    with pytest.raises(ValueError, match="'not-an-ip'"):
        generate_self_signed(tmp_path / "c.pem", tmp_path / "c.key", ips=("not-an-ip",))


def _ca_signed_leaf(d):
    """A CA and a leaf it signed, like Kalshi's real (non-self-signed) server certificate."""
    import datetime as dt
    import ipaddress

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject, issuer, pub, signer, ca, sans=None):
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return b.sign(signer, hashes.SHA256())

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = build("test CA", "test CA", ca_key.public_key(), ca_key, True)
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = build("localhost", "test CA", leaf_key.public_key(), ca_key, False, sans)
    pem = serialization.Encoding.PEM
    (d / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (d / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (d / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


async def test_pinning_a_ca_signed_leaf(tmp_path):
    # `openssl s_client | openssl x509` saves only the leaf; it must work as the sole anchor.
    _ca_signed_leaf(tmp_path)
    ctx = client_context(pinned_cert=tmp_path / "leaf.pem")
    async with echo_server(server_context(tmp_path / "chain.pem", tmp_path / "leaf.key")) as port:
        assert await exchange(port, ctx) == b"echo:ping"
