"""Errors under /api/ are JSON a client can read; the site's own pages stay HTML."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from socialrx.views import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_api_address_answers_json_404(anon_client):
    response = anon_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"status": 404, "message": "Not found.", "fields": {}}}


def test_an_unknown_page_answers_the_sites_404_page(anon_client):
    response = anon_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Page not found" in response.content


def test_a_server_error_under_api_is_json_and_says_nothing_more():
    response = server_error(RequestFactory().get("/api/v1/referrals/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "error": {"status": 500, "message": "Server error.", "fields": {}}
    }
    page = server_error(RequestFactory().get("/caseload/"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
