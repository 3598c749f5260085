from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible_and_signs_in(page, admin_user):
    page.goto("/accounts/login/")
    assert_accessible(page)
    login(page, admin_user.username)
    page.wait_for_url("**/manage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration", use_inner_text=True)
