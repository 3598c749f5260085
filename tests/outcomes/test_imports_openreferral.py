"""The administrators' page for importing an Open Referral UK v3 feed, and its Celery job with
progress. Never the network: the feed's web address is answered by a stand-in fetch."""

from __future__ import annotations

import json
import socket

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from assets import oruk_import
from assets.models import Asset, OrukSource
from outcomes.imports import openreferral
from outcomes.models import Run
from tests.assets.oruk_schemas import example

pytestmark = pytest.mark.django_db

URL = "/manage/imports/openreferral/"
FEED = json.dumps([example("service_full.json")]).encode()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Names resolve to a public address unless the test says otherwise; nothing connects."""
    names = {"feed.example.org": "151.101.0.1", "metadata.example.org": "169.254.169.254"}

    def resolve(host, port, *args, **kwargs):
        if host[0].isdigit():
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def feed_on_the_web(monkeypatch):
    """``https://feed.example.org/oruk`` answers one page listing one service, and it."""
    service = example("service_full.json")
    pages = {
        "https://feed.example.org/oruk/services?page=1&per_page=200": {
            "total_items": 1,
            "total_pages": 1,
            "page_number": 1,
            "size": 1,
            "first_page": True,
            "last_page": True,
            "empty": False,
            "contents": [{"id": service["id"], "name": service["name"], "status": "active"}],
        },
        f"https://feed.example.org/oruk/services/{service['id']}": service,
    }
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return json.dumps(pages[url]).encode()

    monkeypatch.setattr(oruk_import, "fetch_url", fetch)
    return asked


def test_admin_imports_a_small_file_while_waiting(client_for, admin_user):
    client = client_for(admin_user)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Name of the feed" in page.content.decode()
    response = client.post(
        URL, {"source": "Example", "file": SimpleUploadedFile("feed.json", FEED)}
    )
    run = Run.objects.get(kind="openreferral")
    assert response.status_code == 302 and response.url == f"/manage/imports/{run.pk}/"
    assert run.status == Run.Status.DONE
    assert run.result["created"] == 1
    assert Asset.objects.get().feed.name == "Example"
    body = client.get(response.url).content.decode()
    assert "Import of an Open Referral feed" in body and "1 created" in body
    assert not default_storage.listdir("imports")[1]


def test_a_web_address_is_imported_by_the_worker_with_progress(
    client_for, admin_user, feed_on_the_web, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"source": "Council directory", "url": "https://feed.example.org/oruk"}
        )
    run = Run.objects.get(kind="openreferral")
    assert response.url == f"/manage/imports/{run.pk}/"
    run.refresh_from_db()
    assert run.status == Run.Status.DONE, run.result
    assert (run.progress, run.total) == (1, 1)
    assert feed_on_the_web[0].endswith("/services?page=1&per_page=200")
    assert OrukSource.objects.get().url == "https://feed.example.org/oruk"
    assert Asset.objects.count() == 1


def test_a_bad_feed_shows_each_problem_and_imports_nothing(client_for, admin_user):
    bad = json.dumps([{"id": "s1", "name": "", "status": "open"}]).encode()
    client = client_for(admin_user)
    response = client.post(URL, {"source": "Example", "file": SimpleUploadedFile("f.json", bad)})
    body = client.get(response.url).content.decode()
    assert "Nothing was imported" in body
    assert "this is empty" in body and "is not a status" in body
    assert not Asset.objects.exists()
    not_json = client.post(
        URL, {"source": "Example", "file": SimpleUploadedFile("f.json", b"<html>")}
    )
    assert "is not JSON" in client.get(not_json.url).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "https://feed.example.org/oruk"}, "source", "Enter the name of the feed"),
        ({"source": "Example"}, "url", "Enter the web address of the feed, or choose a JSON file"),
        ({"source": "Example", "url": "not a web address"}, "url", "Enter a web address"),
        (
            {"source": "Example", "url": "http://metadata.example.org/latest"},
            "url",
            "This address is on a private network and cannot be fetched",
        ),
        (
            {"source": "Example", "url": "http://127.0.0.1:5432/"},
            "url",
            "This address is on a private network and cannot be fetched",
        ),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client_for, admin_user, data, field, message
):
    response = client_for(admin_user).post(URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "nhsuk-error-summary" in body and f'href="#id_{field}"' in body and message in body
    assert not Run.objects.exists() and not Asset.objects.exists()


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer", "commissioner"])
def test_only_administrators_may_import(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert (
        client.post(
            URL, {"source": "Example", "file": SimpleUploadedFile("f.json", FEED)}
        ).status_code
        == 404
    )
    assert not Asset.objects.exists()


def test_a_task_delivered_twice_imports_once(admin_user):
    run = Run.objects.create(
        kind="openreferral",
        params={
            "source": "Example",
            "url": "",
            "file": default_storage.save("imports/x.json", SimpleUploadedFile("x.json", FEED)),
        },
        created_by=admin_user,
    )
    openreferral.openreferral_execute(run_id=run.pk)
    openreferral.openreferral_execute(run_id=run.pk)
    assert Asset.objects.count() == 1


def test_an_address_that_turns_private_after_the_form_imports_nothing(admin_user):
    run = Run.objects.create(
        kind="openreferral",
        params={"source": "Example", "url": "http://metadata.example.org/oruk"},
        created_by=admin_user,
    )
    openreferral.openreferral_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "this address is on a private network and cannot be fetched" in run.result["summary"]
    assert not Asset.objects.exists()
