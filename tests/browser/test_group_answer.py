"""A group's keeper answers about a connection from the emailed link, without signing in, and
the link worker sees the answer on the person page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import ConnectionOutcome, ConsentPurpose, GroupAnswer
from referrals.services.connections import connection_make
from referrals.services.group_answers import group_answer_request_send
from tests.assets.factories import AssetFactory
from tests.conftest import assert_accessible, login
from tests.referrals.factories import ConsentFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keeper_answers_by_the_emailed_link(page, volunteer, link_worker, practice_a, mailoutbox):
    volunteer.email = "eve@example.org"
    volunteer.save(update_fields=["email"])
    asset = AssetFactory(name="Riverside walking group")
    asset.maintainers.add(volunteer)
    person = PersonFactory(
        practice=practice_a, link_worker=link_worker, given_name="Maria", family_name="Quinn"
    )
    ConsentFactory(person=person, purpose=ConsentPurpose.SHARE_WITH_GROUP, given=True)
    connection = connection_make(
        person=person,
        asset=asset,
        kind="supported",
        made_on=timezone.localdate(),
        by=link_worker,
        warnings_confirmed=True,
    )
    assert group_answer_request_send(connection=connection) == 1
    link = re.search(r"They came:\n(\S+)", mailoutbox[0].body).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]

    page.goto("/" + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Did Maria come to Riverside walking group?"
    )
    expect(page.get_by_label("They came")).to_be_checked()
    expect(page.locator("main")).not_to_contain_text("Quinn")
    assert_accessible(page)
    assert not GroupAnswer.objects.exists()  # opening the link changes nothing

    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".nhsuk-panel")).to_contain_text("Thank you")
    assert_accessible(page)
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.ATTENDED

    page.goto("/" + path.split("?")[0][:-2] + "x/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")

    login(page, link_worker.username)
    page.goto(f"/people/{person.pk}/")
    expect(page.locator(f"#connection-{connection.pk}")).to_contain_text(
        "Group's answer: They came"
    )
