"""Personal data stays out of URLs, error pages and logs; the settings that protect it hold."""

from __future__ import annotations

import importlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.defaults import server_error

from tests.referrals.factories import PersonFactory, ReferralFactory

# What a URL may carry: database ids, signed tokens and fixed vocabularies (a metric's slug, a
# moderation decision). Django admin's own parameters are ids too.
ALLOWED_PARAMETERS = {
    "pk",
    "id",
    "person_id",
    "asset_id",
    "object_id",
    "content_type_id",
    "token",
    "uidb64",
    "metric",
    "decision",
    "app_label",
    "url",
    # A team's wording of a message: the team's id, the message's kind and channel (codes).
    "team_id",
    "kind",
    "channel",
    # Which of the funding view's tables to download (a fixed name).
    "table",
}
PERSONAL = re.compile(r"name|nhs|postcode|birth|dob|email|phone|address", re.IGNORECASE)
ID_PARAMETERS = {"pk", "id", "person_id", "asset_id", "team_id"}


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _parameters(route: str) -> list[tuple[str, str]]:
    """(converter, name) for path() routes and (regex, name) for re_path() routes."""
    typed = [(conv or "str", name) for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)]
    regex = [("regex", name) for name in re.findall(r"\(\?P<(\w+)>", route)]
    return typed + regex


def test_no_url_pattern_takes_personal_data():
    routes = list(_routes(get_resolver()))
    assert any("people/<int:pk>/" in r for r in routes), "the resolver walk found no app routes"
    for route in routes:
        for converter, name in _parameters(route):
            assert not PERSONAL.search(name), f"{route} takes {name}"
            assert name in ALLOWED_PARAMETERS, f"{route} takes an unexpected parameter {name}"
            # Open Referral UK ids are the standard's string identifiers of public listings.
            public_standard = route.startswith("api/oruk/")
            if (
                name in ID_PARAMETERS
                and not route.startswith("django-admin/")
                and not public_standard
            ):
                assert converter == "int", f"{route}: {name} should be an <int:...> id"


@pytest.fixture
def iris(practice_a, link_worker):
    person = PersonFactory(
        given_name="Iris",
        family_name="Quinlivan",
        nhs_number="9434765919",
        postcode="M14 5QZ",
        practice=practice_a,
        link_worker=link_worker,
    )
    ReferralFactory(person=person)
    return person


def _personal_data(person) -> list[str]:
    dob = person.date_of_birth
    return [
        person.given_name,
        person.family_name,
        person.nhs_number,
        "943 476 5919",
        person.postcode,
        dob.isoformat(),
        dob.strftime("%d/%m/%Y"),
        f"{dob.day} {dob:%B %Y}",
    ]


def test_out_of_scope_person_is_a_404_page_and_log_line_without_personal_data(
    client_for, other_link_worker, iris, caplog
):
    # django.request is set to ERROR in settings; open it up so that the 404 line is written
    # and can be checked (an operator may well lower the level).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    response = client_for(other_link_worker).get(reverse("referrals:person", args=[iris.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body  # templates/404.html, not Django's bare default
    assert caplog.records, "the 404 should be logged"
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert f"/people/{iris.pk}/" in log
    for value in _personal_data(iris):
        assert value not in body, f"404 page shows {value}"
        assert value not in log, f"the log shows {value}"


def test_practice_staff_404_for_other_practice_referral_shows_no_personal_data(
    client_for, other_practice_staff, iris, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    referral = iris.referrals.get()
    response = client_for(other_practice_staff).get(
        reverse("referrals:practice_referral_detail", args=[referral.pk])
    )
    assert response.status_code == 404
    text = response.content.decode() + "\n".join(r.getMessage() for r in caplog.records)
    for value in _personal_data(iris):
        assert value not in text


def test_500_page_renders_without_context_and_says_nothing_specific(rf: RequestFactory):
    # Django renders 500.html with an empty context and no request; it must still work.
    html = get_template("500.html").render()
    assert "Sorry, there is a problem with the service" in html
    assert 'id="maincontent"' in html
    response = server_error(rf.get("/people/1/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    assert "/people/1/" not in body and "Traceback" not in body


def test_unhandled_error_gets_the_500_page_and_no_debug_details(client_for, link_worker, iris):
    from unittest import mock

    client = client_for(link_worker)
    client.raise_request_exception = False
    with mock.patch(
        "referrals.views.casework.person_record", side_effect=RuntimeError(iris.family_name)
    ):
        response = client.get(reverse("referrals:person", args=[iris.pk]))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    for value in _personal_data(iris):
        assert value not in body


def test_caseload_search_is_posted_and_never_put_in_a_url(client_for, link_worker, iris):
    client = client_for(link_worker)
    page = client.get(reverse("referrals:caseload")).content.decode()
    search_form = re.search(r'<form[^>]*role="search"[^>]*>', page)
    assert search_form and 'method="post"' in search_form.group(0)
    assert "hx-push-url" not in search_form.group(0)

    for htmx in (False, True):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(reverse("referrals:caseload"), {"q": "Quinlivan"}, **headers)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Iris Quinlivan" in body  # the search worked
        for header in ("Location", "HX-Push-Url", "HX-Replace-Url", "HX-Location"):
            assert "Quinlivan" not in response.get(header, "")
        urls = re.findall(r'(?:href|action|hx-get|hx-post|hx-push-url)="([^"]*)"', body)
        assert urls
        assert not [u for u in urls if "Quinlivan" in u or "q=" in u]


def test_test_settings_have_debug_off():
    assert importlib.import_module("socialrx.settings.test").DEBUG is False
    assert settings.DEBUG is False


def _production(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "socialrx.settings.production",
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def no_dotenv_secret() -> None:
    # settings/base.py reads BASE_DIR/.env; a developer's own SECRET_KEY there would hide the
    # missing-variable check, so skip rather than give a false failure.
    dotenv = Path(settings.BASE_DIR) / ".env"
    if dotenv.exists() and re.search(r"^\s*SECRET_KEY\s*=", dotenv.read_text(), re.MULTILINE):
        pytest.skip(".env sets SECRET_KEY")


def test_production_refuses_to_start_without_secret_key(no_dotenv_secret):
    result = _production({"PATIENT_KEY_PEPPER": "x" * 32}, "print('started')")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_secret_key_and_keeps_debug_off_whatever_the_env(
    no_dotenv_secret,
):
    result = _production(
        {"SECRET_KEY": "s" * 50, "PATIENT_KEY_PEPPER": "x" * 32, "DEBUG": "true"},
        "from django.conf import settings; print('DEBUG', settings.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
