"""Locust users for socialrx's load test: one class per role (bench/loadtest/scenario.py says
which pages each opens and how often). Signed-in users sign in once through the login form,
as a person would, and keep their session; every POST carries the CSRF token of the form it
came from. Run it through ``bench/loadtest/run.py`` (``make loadtest``), which starts the server
and writes the users file (LOADTEST_USERS: JSON of usernames by role and their password).

Think time: LOADTEST_THINK seconds between pages (0: none), each wait drawn from half to
one and a half times that.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from typing import Any, ClassVar

from locust import HttpUser, between, constant, task

from bench.loadtest.scenario import LISTING_LINK, METRICS, PERSON_LINK, SEARCHES, SHARES

THINK = float(os.environ.get("LOADTEST_THINK", "5"))
_USERS: dict[str, Any] = (
    json.loads(open(os.environ["LOADTEST_USERS"]).read())  # noqa: SIM115
    if os.environ.get("LOADTEST_USERS")
    else {"password": "", "users": {}}
)
_NEXT = {role: itertools.count() for role in SHARES}

KEPT_LISTING = re.compile(r'id="listing-(\d+)"')


class FormFields(HTMLParser):
    """The POST forms of a page, each as (action, fields): inputs with their values (checked
    boxes and radios only), textareas, and each select's selected option."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.fields: list[tuple[str, str]] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.fields = []
            self.forms.append((a.get("action", ""), self.fields))
        if self.fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.fields = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea and self.fields and self.fields[-1][0] == self.textarea:
            self.fields[-1] = (self.textarea, self.fields[-1][1] + data)


def form_fields(html: str, action: str = "") -> dict[str, str]:
    """The fields of the page's largest POST form whose action contains ``action``."""
    parser = FormFields()
    parser.feed(html)
    forms: list[list[tuple[str, str]]] = [f for where, f in parser.forms if action in where]
    forms.sort(key=len)
    return dict(forms[-1]) if forms else {}


class _Role(HttpUser):
    abstract = True
    role: ClassVar[str] = ""
    wait_time = between(THINK * 0.5, THINK * 1.5) if THINK else constant(0)

    def on_start(self) -> None:
        users = _USERS["users"].get(self.role) or []
        if not users:
            return
        self.username = users[next(_NEXT[self.role]) % len(users)]
        page = self.client.get("/accounts/login/", name="login form")
        fields = form_fields(page.text)
        fields.update(username=self.username, password=_USERS["password"])
        with self.client.post(
            "/accounts/login/", data=fields, name="login", catch_response=True
        ) as answer:
            if "/accounts/login/" in answer.url:
                answer.failure(f"{self.username} could not sign in")

    def page(self, url: str, name: str) -> Any:
        with self.client.get(url, name=name, catch_response=True) as answer:
            if answer.status_code != 200 or "/accounts/login/" in answer.url:
                answer.failure(f"{answer.status_code} at {answer.url}")
            return answer

    def post_form(self, url: str, name: str, html: str, action: str, **values: str) -> None:
        fields = form_fields(html, action)
        fields.update(values)
        with self.client.post(url, data=fields, name=name, catch_response=True) as answer:
            if answer.status_code != 200 or "There is a problem" in answer.text:
                answer.failure(f"{answer.status_code}: the form was not accepted")


class Public(_Role):
    """Someone looking for something to do: searches the directory, opens listings."""

    role = "public"
    weight = SHARES["public"]

    def on_start(self) -> None:
        super().on_start()
        self.listings: list[str] = []

    @task(5)
    def search(self) -> None:
        answer = self.page(f"/directory/?q={random.choice(SEARCHES)}", "directory search")
        self.listings = LISTING_LINK.findall(answer.text) or self.listings

    @task(3)
    def listing(self) -> None:
        if self.listings:
            self.page(f"/directory/listings/{random.choice(self.listings)}/", "listing")

    @task(1)
    def home(self) -> None:
        self.page("/", "home")


class LinkWorker(_Role):
    """A link worker through the day: the caseload, people's pages, conversations."""

    role = "link_worker"
    weight = SHARES["link_worker"]

    def on_start(self) -> None:
        super().on_start()
        self.people: list[str] = []

    @task(4)
    def caseload(self) -> None:
        answer = self.page("/caseload/", "caseload")
        self.people = PERSON_LINK.findall(answer.text) or self.people

    @task(1)
    def my_day(self) -> None:
        self.page("/my-day/", "my day")

    @task(5)
    def person(self) -> None:
        if not self.people:
            return self.caseload()
        self.page(f"/people/{random.choice(self.people)}/", "person")

    @task(2)
    def conversation_form(self) -> None:
        if self.people:
            self.page(
                f"/people/{random.choice(self.people)}/conversations/new/", "conversation form"
            )

    @task(1)
    def conversation_save(self) -> None:
        if not self.people:
            return
        url = f"/people/{random.choice(self.people)}/conversations/new/"
        form = self.page(url, "conversation form")
        self.post_form(
            url,
            "conversation save",
            form.text,
            "",
            what_matters="Getting out of the house more; meeting people.",
        )

    @task(2)
    def directory(self) -> None:
        self.page(f"/directory/?q={random.choice(SEARCHES)}", "directory search (staff)")


class PracticeStaff(_Role):
    """GP practice staff: their practice's referrals, and the referral form."""

    role = "practice_staff"
    weight = SHARES["practice_staff"]

    @task(3)
    def referrals(self) -> None:
        self.page("/practice/referrals/", "practice referrals")

    @task(1)
    def referral_form(self) -> None:
        self.page("/practice/refer/", "referral form")


class Volunteer(_Role):
    """A volunteer keeping their group's listings: reads them, confirms one still runs."""

    role = "volunteer"
    weight = SHARES["volunteer"]

    @task(3)
    def my_listings(self) -> None:
        self.page("/directory/mine/", "my listings")

    @task(1)
    def confirm(self) -> None:
        page = self.page("/directory/mine/", "my listings")
        kept = KEPT_LISTING.findall(page.text)
        if kept:
            # "Still running": the page's CSRF token, posted to the listing's confirm action.
            action = f"/directory/listings/{random.choice(kept)}/confirm/"
            self.post_form(action, "listing confirm", page.text, "")


class Commissioner(_Role):
    """A commissioner on the outcome dashboards."""

    role = "commissioner"
    weight = SHARES["commissioner"]

    @task(3)
    def overview(self) -> None:
        self.page("/outcomes/", "outcomes overview")

    @task(2)
    def metric(self) -> None:
        self.page(f"/outcomes/metrics/{random.choice(METRICS)}/", "metric page")


# One Locust user class per role of scenario.PAGES (tests/socialrx/test_loadtest.py checks it).
ROLE_CLASSES = {c.role: c for c in (Public, LinkWorker, PracticeStaff, Volunteer, Commissioner)}
