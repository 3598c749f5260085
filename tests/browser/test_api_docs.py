"""The API's documentation page renders in Chromium from this site's own files, under the
site's Content Security Policy, with no serious or critical accessibility fault."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_from_this_site_under_the_policy(page, live_server):
    refused: list[str] = []
    external: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("socialrx API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert refused == []
    assert [url for url in external if not url.startswith("data:")] == []
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    # Swagger UI puts its "copy" button inside the operation's summary button
    # (nested-interactive): its own markup, which the page cannot change. Everything else
    # axe-core finds serious or critical is fixed here (colours: static/css/swagger.css).
    result = page.evaluate(
        "async () => (await axe.run(document, {rules: {'nested-interactive': {enabled: false}}}))"
        ".violations"
    )
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
