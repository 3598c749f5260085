"""Practice staff search "Our referrals" by name or NHS number: their own practice's referrals
only, matched and shown as they typed them, the terms never in a URL, audited as a search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import Referral
from socialrx.models import AuditLog
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

LIST = reverse("referrals:practice_referrals")
NHS = "9434765919"


def typed_referral(practice, *, given, family, nhs="", person_given="Recorded", **kw) -> Referral:
    """A referral whose typed details differ from the person's record."""
    person = PersonFactory(practice=practice, given_name=person_given, family_name="Record")
    return ReferralFactory(
        person=person,
        referring_practice=practice,
        entered_given_name=given,
        entered_family_name=family,
        entered_nhs_number=nhs,
        **kw,
    )


def test_search_by_typed_name_shows_what_was_typed(client_for, practice_staff, practice_a):
    typed_referral(practice_a, given="Peggy", family="Hart", person_given="Margaret")
    typed_referral(practice_a, given="Tom", family="Smith")
    content = client_for(practice_staff).post(LIST, {"q": "peg har"}).content.decode()
    assert "Peggy Hart" in content
    assert "Tom Smith" not in content
    assert "Margaret" not in content
    assert "Search results: 1 referral" in content


def test_the_record_name_is_not_searched_where_the_typed_one_is_shown(
    client_for, practice_staff, practice_a
):
    typed_referral(practice_a, given="Peggy", family="Hart", person_given="Margaret")
    content = client_for(practice_staff).post(LIST, {"q": "Margaret"}).content.decode()
    assert 'id="no-matches"' in content


def test_search_by_nhs_number_with_spaces(client_for, practice_staff, practice_a):
    typed_referral(practice_a, given="Numbered", family="One", nhs=NHS)
    typed_referral(practice_a, given="Unnumbered", family="Two")
    response = client_for(practice_staff).post(LIST, {"q": "943 476 5919"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Numbered One" in content
    assert "Unnumbered" not in content
    assert "<html" not in content  # htmx: the results only


def test_search_never_finds_another_practices_referral(
    client_for, practice_staff, practice_a, practice_b
):
    typed_referral(practice_b, given="Elsewhere", family="Person", nhs=NHS)
    client = client_for(practice_staff)
    for q in ("Elsewhere", NHS):
        content = client.post(LIST, {"q": q}).content.decode()
        assert "Elsewhere Person" not in content
        assert 'id="no-matches"' in content


def test_search_terms_in_the_url_are_ignored(client_for, practice_staff, practice_a):
    typed_referral(practice_a, given="Peggy", family="Hart")
    typed_referral(practice_a, given="Tom", family="Smith")
    content = client_for(practice_staff).get(LIST, {"q": "Peggy"}).content.decode()
    assert "Peggy Hart" in content and "Tom Smith" in content
    assert "Search results" not in content
    assert 'method="post" action="' + LIST in content


def test_search_keeps_the_status_filter(client_for, practice_staff, practice_a):
    typed_referral(practice_a, given="Peggy", family="Open", status="received")
    typed_referral(practice_a, given="Peggy", family="Closed", status="closed")
    content = (
        client_for(practice_staff).post(LIST, {"q": "Peggy", "status": "closed"}).content.decode()
    )
    assert "Peggy Closed" in content
    assert "Peggy Open" not in content


def test_too_long_a_search_says_so_and_narrows_nothing(client_for, practice_staff, practice_a):
    typed_referral(practice_a, given="Peggy", family="Hart")
    content = client_for(practice_staff).post(LIST, {"q": "x" * 101}).content.decode()
    assert "Ensure this value has at most 100 characters" in content
    assert "Peggy Hart" in content


def test_search_pages_are_posts_carrying_the_search(client_for, practice_staff, practice_a):
    for i in range(27):
        typed_referral(practice_a, given=f"Peggy{i:02d}", family="Hart")
    client = client_for(practice_staff)
    content = client.post(LIST, {"q": "Hart"}).content.decode()
    assert '<input type="hidden" name="q" value="Hart">' in content
    assert "q=Hart" not in content
    second = client.post(LIST, {"q": "Hart", "page": "2"}).content.decode()
    assert second.count("Peggy") == 2


@pytest.mark.parametrize(
    ("q", "detail"),
    [
        ("Peggy", "practice referral list search by name"),
        ("943 476 5919", "practice referral list search by NHS number"),
    ],
)
def test_search_is_audited_by_kind_never_by_terms(
    client_for, practice_staff, practice_a, q, detail
):
    typed_referral(practice_a, given="Peggy", family="Hart", nhs=NHS)
    response = client_for(practice_staff).post(LIST, {"q": q})
    assert response.status_code == 200
    entry = AuditLog.objects.filter(action="search").get()
    assert entry.detail == detail
    assert "Peggy" not in str(entry.detail) + str(entry.changes)
    assert "5919" not in str(entry.detail) + str(entry.changes)


@pytest.mark.parametrize("persona", ["volunteer", "commissioner", "link_worker"])
def test_other_roles_cannot_search_practice_referrals(request, client_for, persona, practice_a):
    typed_referral(practice_a, given="Peggy", family="Hart")
    response = client_for(request.getfixturevalue(persona)).post(LIST, {"q": "Peggy"})
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="search").exists()


def test_anonymous_search_is_sent_to_log_in(anon_client):
    response = anon_client.post(LIST, {"q": "Peggy"})
    assert response.status_code == 302
    assert "Peggy" not in response["Location"]
