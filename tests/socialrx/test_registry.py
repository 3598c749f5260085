"""Apps declare their navigation, start pages and the links they add to shared pages
(``socialrx.registry``); the core pages show them to the right roles."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from socialrx.registry import ASSET_ACTIONS, NAV, PERSON_ACTIONS, declared_links, role_home
from tests.referrals.factories import PersonFactory

NAV_LINK = re.compile(r'class="nhsuk-header__navigation-link" href="([^"]+)">([^<]+)</a>')


def _nav(client) -> list[tuple[str, str]]:
    return NAV_LINK.findall(client.get(reverse("assets:directory")).content.decode())


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "link_worker",
            [
                ("referrals:my_day", "My day"),
                ("referrals:caseload", "Caseload"),
                ("referrals:other_referral_create", "Record a referral"),
                ("champions:list", "Volunteers"),
                ("assets:directory", "Directory"),
            ],
        ),
        (
            "practice_staff",
            [
                ("referrals:practice_referral_create", "Make a referral"),
                ("referrals:practice_referrals", "Our referrals"),
                ("assets:directory", "Directory"),
            ],
        ),
        (
            "volunteer",
            [
                ("champions:home", "My volunteering"),
                ("assets:my_listings", "My listings"),
                ("funding:keeper", "Referrals to your groups"),
                ("assets:directory", "Directory"),
            ],
        ),
        (
            "commissioner",
            [
                ("outcomes:overview", "Outcomes"),
                ("funding:dashboard", "Funding"),
                ("assets:directory", "Directory"),
            ],
        ),
        (
            "admin_user",
            [
                ("referrals:caseload", "Caseload"),
                ("champions:list", "Volunteers"),
                ("outcomes:overview", "Outcomes"),
                ("funding:dashboard", "Funding"),
                ("socialrx:admin_home", "Administration"),
                ("assets:directory", "Directory"),
            ],
        ),
    ],
)
def test_each_role_sees_its_navigation_in_order(request, client_for, persona, expected):
    client = client_for(request.getfixturevalue(persona))
    assert _nav(client) == [(reverse(name), label) for name, label in expected]


def test_signed_out_visitors_see_no_navigation_but_the_directory_in_the_footer(db, anon_client):
    content = anon_client.get(reverse("assets:directory")).content.decode()
    assert NAV_LINK.findall(content) == []
    assert f'href="{reverse("assets:public_directory")}">Community directory</a>' in content


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        ("link_worker", "referrals:my_day"),
        ("practice_staff", "referrals:practice_referrals"),
        ("volunteer", "champions:home"),
        ("commissioner", "outcomes:overview"),
        ("admin", "socialrx:admin_home"),
    ],
)
def test_apps_declare_each_role_s_start_page(role, url_name):
    assert role_home(role) == url_name


def test_every_declared_link_resolves():
    for place in (NAV, "footer", "sign_in", "admin_home", "public_home", "ask"):
        for link in declared_links(place):
            assert reverse(link.url_name)
    for link in declared_links(PERSON_ACTIONS) + declared_links(ASSET_ACTIONS):
        assert reverse(link.url_name, args=[1])


def test_person_page_offers_the_volunteer_invitation_champions_declares(
    client_for, link_worker, practice_a
):
    person = PersonFactory(practice=practice_a)
    content = client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content
    invite = reverse("champions:invite", args=[person.pk])
    assert f'<a href="{invite}">Invite to volunteer</a>' in content.decode()


def test_administration_page_lists_every_app_s_work(client_for, admin_user):
    content = client_for(admin_user).get(reverse("socialrx:admin_home")).content.decode()
    for url_name, label in (
        ("referrals:closed_route_enquiries", "Enquiries through closed routes"),
        ("outcomes_imports:imports", "Imports"),
        ("assets:moderation", "Directory moderation"),
        ("outcomes:overview", "Outcomes"),
    ):
        assert f'<a href="{reverse(url_name)}">{label}</a>:' in content


def test_sign_in_page_offers_a_conversation_without_an_account(db, anon_client):
    content = anon_client.get(reverse("login")).content.decode()
    assert (
        f'Want to talk to a link worker? <a href="{reverse("referrals:self_referral")}">'
        "Ask for a conversation</a> – no account needed." in content
    )
