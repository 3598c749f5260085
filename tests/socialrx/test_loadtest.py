"""The load test's users (bench/loadtest) stay in step with the site: the locustfile imports,
has a user class for every role, and every URL it asks for resolves to a view. The load test
itself runs with `make loadtest`, never in the suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.urls import Resolver404, resolve, reverse

from bench.loadtest.one_user import PAGES as ONE_USER_PAGES
from bench.loadtest.scenario import EXAMPLE_ARGS, PAGES, SHARES

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "bench" / "loadtest" / "locustfile.py"
# Paths in the locustfile: "/…/" literals and f-strings, arguments standing in as 1.
PATH = re.compile(r"""f?["'](/[A-Za-z0-9_\-/{}.()\[\]]*/)(?:\?[^"']*)?["']""")


def test_the_locustfile_imports_with_a_user_class_for_every_role():
    # Locust patches the standard library with gevent on import: a child process keeps that
    # out of the test run.
    probe = (
        "from bench.loadtest import locustfile as f;"
        "print(sorted(f.ROLE_CLASSES), sum(len(c.tasks) for c in f.ROLE_CLASSES.values()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    roles, tasks = out.stdout.rsplit(" ", 1)
    assert roles == repr(sorted(PAGES))
    assert int(tasks) >= sum(len(pages) for pages in PAGES.values()) - 1
    assert set(SHARES) == set(PAGES)


def _paths() -> list[str]:
    found = []
    for raw in PATH.findall(LOCUSTFILE.read_text()):
        found.append(re.sub(r"\{[^}]*\}", "1", raw))
    return sorted(set(found))


def test_the_locustfile_asks_for_some_pages():
    assert len(_paths()) >= 10


@pytest.mark.parametrize("path", _paths())
def test_every_path_the_locustfile_asks_for_resolves(path):
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"{path} is not a page of the site")


@pytest.mark.parametrize(
    "name", sorted({url_name for pages in PAGES.values() for _, url_name, _ in pages})
)
def test_every_page_of_the_scenario_is_a_url_of_the_site(name):
    assert reverse(name, args=EXAMPLE_ARGS.get(name, []))


def test_cpu_per_page_counts_what_ended_processes_used():
    """A database backend that exits keeps the CPU it used; one that starts is counted from
    its first sample; the total never falls."""
    from bench.loadtest.run import CpuCounter

    counter = CpuCounter()
    assert counter.add({1: 10.0, 2: 5.0}) == 0.0
    assert counter.add({1: 11.0, 2: 7.0}) == 3.0
    assert counter.add({1: 11.5}) == 3.5  # 2 exited: its 2 s stay counted
    assert counter.add({1: 12.0, 3: 100.0}) == 4.0  # 3 is new: counted from here
    assert counter.add({1: 12.0, 3: 101.0}) == 5.0


def test_the_server_shares_a_redis_cache_only_where_one_answers(monkeypatch):
    """The workers share Redis as a deployment's do; with nothing listening (or the variable
    empty) each caches in its own memory, and the server's environment says which."""
    import socket

    from bench.loadtest.run import cache_url, server_env

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        monkeypatch.setenv("LOADTEST_REDIS_URL", f"redis://127.0.0.1:{port}/3")
        assert cache_url() == f"redis://127.0.0.1:{port}/3"
    finally:
        listener.close()
    assert cache_url() == ""  # nothing listens there now
    monkeypatch.setenv("LOADTEST_REDIS_URL", "")
    assert cache_url() == ""
    assert server_env("postgres://x/y", "redis://r:1/3")["REDIS_URL"] == "redis://r:1/3"
    assert server_env("postgres://x/y")["REDIS_URL"] == ""


@pytest.mark.parametrize(
    "text,expected", [("90", 90), ("90s", 90), ("2m", 120), ("1h30m", 5400), ("2m5s", 125)]
)
def test_run_lengths_are_read_as_locust_reads_them(text, expected):
    from bench.loadtest.run import seconds

    assert seconds(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "5x", "m"])
def test_a_run_length_that_is_not_one_says_so(text):
    from bench.loadtest.run import seconds

    with pytest.raises(SystemExit, match="not a length of time"):
        seconds(text)


def test_the_public_searches_of_the_load_test_find_generated_listings():
    """The generated world's listings are named and described in the words people search
    for, so the load test's searches mostly find listings (as in a real directory) and a few
    take the near-spelling path, as a misspelt or unknown word does."""
    import random

    from assets.search_synonyms import synonyms_for
    from bench.listings import listing_text
    from bench.loadtest.scenario import SEARCHES

    rng = random.Random(1)
    texts = [" ".join(listing_text(rng, i).values()).lower() for i in range(2000)]
    found = [
        word
        for word in SEARCHES
        if any(
            re.search(rf"\b{re.escape(w.lower())}", t)
            for w in (word, *synonyms_for(word))
            for t in texts
        )
    ]
    assert len(found) >= len(SEARCHES) * 2 // 3, found
    assert listing_text(random.Random(7), 3) == listing_text(random.Random(7), 3)


@pytest.mark.parametrize("name,role,path", ONE_USER_PAGES)
def test_every_page_of_the_one_user_run_is_a_page_of_the_site(name, role, path):
    resolve(path.format(person=1, listing=1).split("?")[0])
    assert role in ("", *SHARES)


def test_the_one_user_run_times_each_page_and_shares_out_the_servers_cpu():
    """The median of the timed requests (not the warm-up ones), and the CPU used between the
    first and last timed request divided among them; a page that is not 200 stops the run."""
    from types import SimpleNamespace

    from bench.loadtest import one_user

    asked = []

    def get():
        asked.append(1)
        return SimpleNamespace(status_code=200, url="/x/")

    used = iter([(1.0, 0.5), (1.4, 0.7)])
    # The timed requests take 10, 30, 20 and 40 ms: their median is 25 ms.
    clock = iter([0.0, 0.010, 1.0, 1.030, 2.0, 2.020, 3.0, 3.040])
    with mock.patch.object(one_user, "time", SimpleNamespace(perf_counter=lambda: next(clock))):
        figures = one_user.measure(get, 4, lambda: next(used))
    assert len(asked) == one_user.WARM_UP + 4
    assert figures == {"ms": 25.0, "app_cpu_ms": 100.0, "db_cpu_ms": 50.0}
    assert "healthz" in one_user.table({"healthz": figures}, 4)
    with pytest.raises(SystemExit, match="404"):
        one_user.measure(lambda: SimpleNamespace(status_code=404, url="/y/"), 1, lambda: (0, 0))


def test_the_one_user_run_signs_in_through_the_form_and_stops_when_it_cannot():
    from types import SimpleNamespace

    from bench.loadtest import one_user

    class Session:
        def __init__(self, lands_on):
            self.lands_on, self.posted = lands_on, None

        def get(self, url):
            return SimpleNamespace(text='<input name="csrfmiddlewaretoken" value="tok">')

        def post(self, url, data):
            self.posted = data
            return SimpleNamespace(url=self.lands_on)

    good = Session("http://h/caseload/")
    one_user.sign_in(good, "http://h", "load_lw", "pw")
    assert good.posted == {"csrfmiddlewaretoken": "tok", "username": "load_lw", "password": "pw"}
    with pytest.raises(SystemExit, match="could not sign in"):
        one_user.sign_in(Session("http://h/accounts/login/"), "http://h", "load_lw", "wrong")
