"""The administrator's subject rights journey: open the subject rights page from a person's
record, read the printable export, fail then succeed at erasing. axe-core checks each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from privacy.models import ErasureRecord
from referrals.models import Person
from tests.conftest import assert_accessible, login
from tests.privacy.factories import full_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_exports_then_erases_a_record(page, admin_user, link_worker, practice_a):
    page.set_default_timeout(30_000)
    person = full_record(practice=practice_a, link_worker=link_worker, admin=admin_user).person
    login(page, admin_user.username)
    page.wait_for_url("**/manage/")
    page.goto(f"/people/{person.pk}/")
    page.get_by_role("link", name="Subject access, erasure or merge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Subject rights")
    assert_accessible(page)

    page.get_by_role("link", name="Everything held, as a page to print").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Information we hold about")
    expect(page.locator("#subject-access")).to_contain_text("Zebedee likes birds")
    assert_accessible(page)
    page.get_by_role("link", name="Back to subject rights").click()

    page.get_by_role("link", name="Erase this record and everything about the person").click()
    assert_accessible(page)
    page.get_by_label("The person asked to be erased").check()
    page.get_by_label("Reason", exact=True).fill("Zebedee asked by letter")
    page.get_by_role("button", name="Erase the record").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("remove the person's name")
    expect(summary).to_contain_text("Confirm that you understand")
    assert_accessible(page)
    assert Person.objects.filter(pk=person.pk).exists()

    page.get_by_label("Reason", exact=True).fill("Request by letter, identity checked")
    page.get_by_label("I understand that the record cannot be brought back").check()
    page.get_by_role("button", name="Erase the record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject rights and retention")
    reference = ErasureRecord.objects.get().reference
    expect(page.locator("#erasures")).to_contain_text(reference)
    assert_accessible(page)
    assert not Person.objects.filter(pk=person.pk).exists()
