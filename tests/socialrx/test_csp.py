"""The Content Security Policy is enforced by default, and no template carries what it would
block (browser checks: tests/browser/test_csp.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# What an enforced script-src 'self' / style-src 'self' policy refuses in markup.
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"),
    "event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on attribute": re.compile(r"\shx-on[:-]"),
    "inline <style>": re.compile(r"<style\b"),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx js: value": re.compile(r"hx-vals=['\"]js:"),
}


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_markup_the_policy_blocks(path):
    text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.DOTALL)
    text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.DOTALL)
    found = [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]
    assert not found, f"{path.relative_to(TEMPLATES)} has {', '.join(found)}"


def test_the_policy_is_enforced_by_default(anon_client, db):
    response = anon_client.get(reverse("home"))
    header = response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response
    for directive in (
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "default-src 'self'",
    ):
        assert directive in header
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_report_only_switch_sends_the_same_policy_without_enforcing(anon_client, db):
    policy = settings.CONTENT_SECURITY_POLICY
    with override_settings(
        CONTENT_SECURITY_POLICY=None, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy
    ):
        response = anon_client.get(reverse("home"))
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_csp_report_only_setting_chooses_the_header(monkeypatch):
    """CSP_REPORT_ONLY (environment) decides which of the two settings carries the policy."""
    import importlib

    import socialrx.settings.base as base

    monkeypatch.setenv("CSP_REPORT_ONLY", "true")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.CONTENT_SECURITY_POLICY is None
        assert reloaded.CONTENT_SECURITY_POLICY_REPORT_ONLY["DIRECTIVES"]["script-src"] == [
            "'self'"
        ]
    finally:
        monkeypatch.delenv("CSP_REPORT_ONLY")
        reloaded = importlib.reload(base)
    assert reloaded.CONTENT_SECURITY_POLICY_REPORT_ONLY is None
    assert reloaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]


def test_pages_load_htmx_without_eval_or_its_inline_style(client_for, link_worker):
    html = client_for(link_worker).get(reverse("referrals:caseload")).content.decode()
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html
    assert "js/socialrx.js" in html


def test_api_docs_serve_swagger_from_this_site_under_the_sites_policy(client_for, link_worker):
    client = client_for(link_worker)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert not FORBIDDEN["inline script"].search(html)
    assert "<style" not in html
    assert '<html lang="en-GB">' in html
    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in response["Content-Security-Policy"]
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_second_factor_qr_code_is_markup_the_policy_allows(link_worker):
    """The QR code is inline SVG generated in Python, not a template: it must carry no style
    attribute or <style> either."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from socialrx.mfa import totp_qr_svg

    device = TOTPDevice.objects.create(user=link_worker, name="app", confirmed=False)
    svg = totp_qr_svg(device)
    assert svg.startswith("<svg")
    assert not FORBIDDEN["style attribute"].search(svg)
    assert "<style" not in svg and "<script" not in svg
