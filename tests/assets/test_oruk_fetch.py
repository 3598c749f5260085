"""Reading a feed over the web never reaches a private network (assets/oruk_fetch.py). Names are
resolved by a stand-in for DNS; the one server is a local one the stand-in connection leads to,
so no test uses the network."""

from __future__ import annotations

import http.server
import ipaddress
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from assets import oruk_fetch, oruk_import
from assets.oruk_fetch import PRIVATE, FetchError, PrivateAddressError
from assets.oruk_import import FeedError

PUBLIC = "151.101.0.1"
PUBLIC6 = "2a04:4e42::1"


class Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self) -> None:
        # The server's own route table and log (the same objects as the class's while its test
        # runs), so a request never lands in another test's.
        server: Any = self.server
        server.hosts.append(self.headers.get("Host", ""))
        status, headers, body = server.routes.get(self.path, (404, {}, b"{}"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass

    hosts: list[str] = []


@pytest.fixture
def server() -> Iterator[int]:
    httpd: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes = Handler.routes = {}
    httpd.hosts = Handler.hosts = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def dns(monkeypatch, server):
    """Names resolve as the test says; a connection to any address reaches the local server,
    and the addresses connected to are recorded."""
    names: dict[str, list[str]] = {}
    connected: list[str] = []
    real = socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
            answers = [host]
        except ValueError:
            if host not in names:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            answers = names[host]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in answers
        ]

    def create_connection(address, timeout=None, *args, **kwargs):
        connected.append(address[0])
        return real(("127.0.0.1", server), timeout)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return names, connected


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:a00:1::",
    ],
)
def test_private_addresses_are_not_public(ip):
    assert not oruk_fetch.is_public(ipaddress.ip_address(ip))


@pytest.mark.parametrize("ip", [PUBLIC, PUBLIC6, "8.8.8.8", "::ffff:8.8.8.8"])
def test_public_addresses_are(ip):
    assert oruk_fetch.is_public(ipaddress.ip_address(ip))


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.5"], ["127.0.0.1"], ["::1"], ["::ffff:192.168.0.1"], [PUBLIC, "169.254.169.254"]],
)
def test_a_name_resolving_to_any_private_address_is_refused(dns, answers):
    names, connected = dns
    names["feed.example.org"] = answers
    with pytest.raises(PrivateAddressError, match=PRIVATE):
        oruk_fetch.fetch("https://feed.example.org/oruk/services")
    assert connected == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]:8000/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:5432/",
    ],
)
def test_an_address_given_as_a_private_ip_is_refused(dns, url):
    with pytest.raises(PrivateAddressError):
        oruk_fetch.fetch(url)
    assert dns[1] == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "not a web address"),
        ("ftp://feed.example.org/x", "not a web address"),
        ("gopher://feed.example.org/x", "not a web address"),
        ("https://user:secret@feed.example.org/", "user name or password"),
        ("https://nowhere.example.org/", "could not be found"),
    ],
)
def test_only_http_and_https_addresses_that_exist(dns, url, message):
    with pytest.raises(FetchError, match=message):
        oruk_fetch.fetch(url)


def test_a_public_name_is_read_from_the_address_that_was_checked(dns):
    names, connected = dns
    names["feed.example.org"] = [PUBLIC]
    Handler.routes["/oruk/services"] = (200, {}, b'{"contents": []}')
    assert oruk_fetch.fetch("http://feed.example.org/oruk/services") == b'{"contents": []}'
    assert connected == [PUBLIC]
    assert Handler.hosts == ["feed.example.org"]


def test_the_connection_is_pinned_to_the_checked_address(dns, monkeypatch):
    """A name that answers a public address to the check and a private one later (DNS
    rebinding) is never resolved again: the connection goes to the address checked."""
    names, connected = dns
    names["feed.example.org"] = [PUBLIC]
    Handler.routes["/x"] = (200, {}, b"[]")
    checked = oruk_fetch.checked_address

    def then_rebind(url: str) -> str:
        ip = checked(url)
        names["feed.example.org"] = ["127.0.0.1"]
        return ip

    monkeypatch.setattr(oruk_fetch, "checked_address", then_rebind)
    assert oruk_fetch.fetch("http://feed.example.org/x") == b"[]"
    assert connected == [PUBLIC]


def test_every_redirect_is_checked(dns):
    names, connected = dns
    names["feed.example.org"] = [PUBLIC]
    names["inside.example.org"] = ["10.0.0.8"]
    Handler.routes["/a"] = (302, {"Location": "/b"}, b"")
    Handler.routes["/b"] = (200, {}, b"[1]")
    assert oruk_fetch.fetch("http://feed.example.org/a") == b"[1]"
    Handler.routes["/c"] = (301, {"Location": "http://inside.example.org/secret"}, b"")
    with pytest.raises(PrivateAddressError):
        oruk_fetch.fetch("http://feed.example.org/c")
    Handler.routes["/d"] = (307, {"Location": "http://169.254.169.254/latest/"}, b"")
    with pytest.raises(PrivateAddressError):
        oruk_fetch.fetch("http://feed.example.org/d")
    assert "10.0.0.8" not in connected and "169.254.169.254" not in connected


def test_a_redirect_loop_stops(dns):
    dns[0]["feed.example.org"] = [PUBLIC]
    Handler.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(FetchError, match="redirected more than 5 times"):
        oruk_fetch.fetch("http://feed.example.org/loop")


def test_a_document_too_large_stops(dns, monkeypatch):
    dns[0]["feed.example.org"] = [PUBLIC]
    monkeypatch.setattr(oruk_fetch, "MAX_BYTES", 1000)
    Handler.routes["/big"] = (200, {}, b"x" * 1001)
    with pytest.raises(FetchError, match="larger than"):
        oruk_fetch.fetch("http://feed.example.org/big")


def test_an_error_status_is_reported(dns):
    dns[0]["feed.example.org"] = [PUBLIC]
    with pytest.raises(FetchError, match="answered 404"):
        oruk_fetch.fetch("http://feed.example.org/missing")


def test_an_allowed_host_may_be_private(dns, settings):
    names, connected = dns
    names["directory.local"] = ["192.168.1.20"]
    Handler.routes["/x"] = (200, {}, b"{}")
    with pytest.raises(PrivateAddressError):
        oruk_fetch.fetch("http://directory.local/x")
    settings.OPENREFERRAL_ALLOWED_HOSTS = ["directory.local"]
    assert oruk_fetch.fetch("http://directory.local/x") == b"{}"
    assert connected == ["192.168.1.20"]


def test_the_import_says_why_nothing_was_imported(dns):
    dns[0]["metadata.example.org"] = ["169.254.169.254"]
    with pytest.raises(FeedError, match="this address is on a private network"):
        oruk_import.fetch_url("http://metadata.example.org/")
    with pytest.raises(FeedError, match="not a web address"):
        oruk_import.fetch_url("file:///etc/passwd")


def test_a_feed_larger_than_the_limit_in_all_stops(monkeypatch):
    monkeypatch.setattr(oruk_import, "MAX_FEED_BYTES", 2000)
    page = json.dumps({"contents": [{"id": f"s{i}"} for i in range(50)], "last_page": True})

    def fetch(url: str) -> bytes:
        if "?page=" in url:
            return page.encode()
        return json.dumps({"id": url, "name": "x" * 100}).encode()

    with pytest.raises(FeedError, match="larger than"):
        oruk_import.services_from_url("https://feed.example.org/oruk", fetch=fetch)
