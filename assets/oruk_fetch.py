"""Reading a feed over the web without letting an administrator's address reach the server's
own network (docs/api.md, "Importing a feed": "What may be fetched").

Every address, and every address a redirect points to, is resolved once; if any of the
addresses the name resolves to is private, loopback, link-local, multicast, reserved or
unspecified (IPv4 or IPv6, IPv4 inside IPv6 too), nothing is fetched. The connection is then
made to the address that was checked (never resolved again), so a name that changes its
answer between the check and the connection cannot reach another machine; https still checks
the certificate against the name. Redirects are followed by hand (at most ``MAX_REDIRECTS``),
each one checked the same way. A document larger than ``MAX_BYTES``, a connection slower than
``CONNECT_TIMEOUT`` or a pause in the answer longer than ``READ_TIMEOUT`` stops the import.

``settings.OPENREFERRAL_ALLOWED_HOSTS`` names hosts (exactly as written in the address) that
may be on a private network: a feed on the local network, or a test server.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from typing import Any

from django.conf import settings

MAX_BYTES = 50 * 1024 * 1024
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30
TOTAL_SECONDS = 300  # one document, from the first byte asked to the last read
MAX_REDIRECTS = 5
PRIVATE = "This address is on a private network and cannot be fetched"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """The address may not be fetched, or did not answer as a feed should."""


class PrivateAddressError(FetchError):
    pass


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is on the public internet."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(ip.compressed.split("%")[0])  # no zone
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return is_public(inner)
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # shared (100.64/10), documentation, benchmarking ...
    )


def _allowed_hosts() -> set[str]:
    return {h.strip().lower() for h in getattr(settings, "OPENREFERRAL_ALLOWED_HOSTS", []) if h}


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of an http or https address."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url} is not a web address (http or https)")
    if parts.username or parts.password:
        raise FetchError(f"{url} holds a user name or password: give the address without them")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"{url} has a port that is not a number from 1 to 65535") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port, path


def checked_address(url: str) -> str:
    """The IP address to connect to for ``url``, after checking every address its host resolves
    to. Raises ``PrivateAddressError`` (``PRIVATE``) or ``FetchError``."""
    _scheme, host, port, _path = _split(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"{url} could not be found ({exc})") from None
    ips: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        try:
            ips.append(ipaddress.ip_address(str(sockaddr[0]).split("%")[0]))
        except ValueError:
            continue
    if not ips:
        raise FetchError(f"{url} could not be found")
    if host not in _allowed_hosts() and not all(is_public(ip) for ip in ips):
        raise PrivateAddressError(PRIVATE)
    return str(ips[0])


def check_url(url: str) -> None:
    """Refuse an address on a private network (for the form: a name that cannot be resolved
    now is left for the import to report)."""
    try:
        checked_address(url)
    except PrivateAddressError:
        raise
    except FetchError as exc:
        if "is not a web address" in str(exc) or "user name" in str(exc) or "port" in str(exc):
            raise


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, ip: str, **kwargs: Any) -> None:
        super().__init__(host, port, timeout=READ_TIMEOUT, **kwargs)
        self.pinned_ip = ip

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.pinned_ip, self.port), CONNECT_TIMEOUT)
        sock.settimeout(READ_TIMEOUT)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443

    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open(), server_hostname=self.host)


def fetch(url: str, *, accept: str = "application/json") -> bytes:
    """GET ``url`` under the rules above; the body, at most ``MAX_BYTES``."""
    deadline = time.monotonic() + TOTAL_SECONDS
    first = url
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _split(url)
        ip = checked_address(url)
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        connection = kind(host, port, ip=ip)
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "Accept": accept,
                    "Accept-Encoding": "identity",
                    "User-Agent": "socialrx Open Referral import",
                },
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{url} redirected without saying where")
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"{url} answered {response.status} {response.reason}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BYTES:
                raise FetchError(f"{url} is larger than {MAX_BYTES // (1024 * 1024)} MB")
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FetchError(f"{url} is larger than {MAX_BYTES // (1024 * 1024)} MB")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url} took longer than {TOTAL_SECONDS} seconds to read")
                chunks.append(chunk)
            return b"".join(chunks)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url} did not answer: {exc}") from None
        finally:
            connection.close()
    raise FetchError(f"{first} redirected more than {MAX_REDIRECTS} times")
