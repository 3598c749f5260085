"""No URL can skip the audit: the URL map is walked, and every URL of an app that holds
person data is declared as audited or as showing none; the Django admin's pages of audited
models are audited without a declaration. Only administrators read before/after values."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.db import models
from django.test.utils import isolate_apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from socialrx.audit import audit_record
from socialrx.audit_views import (
    LIST,
    OBJECT,
    declared_audited,
    declared_not_audited,
    spec_for,
)
from socialrx.audited import Audited, audited_models, tracked_fields
from socialrx.models import AuditLog

ID_NAMES = {"pk", "id", "person_id", "referral_id", "object_id"}


def _patterns(
    resolver: URLResolver, namespace: str = "", route: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(view name with namespaces, full route, pattern) for every pattern."""
    for entry in resolver.url_patterns:
        full = route + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _patterns(entry, inner, full)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), full, entry


def _parameters(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))


def _person_data_apps() -> set[str]:
    """Apps with a model holding a person's data, or pointing at one (a merge record)."""
    audited = set(audited_models())
    pointing = {
        m
        for m in django_apps.get_models()
        if any(getattr(f, "related_model", None) in audited for f in m._meta.concrete_fields)
    }
    return {m._meta.app_config.name for m in audited | pointing} - {"socialrx"}


def _app_patterns() -> list[tuple[str, str, URLPattern]]:
    """The patterns whose views live in an app that holds person data (not the admin's)."""
    apps = _person_data_apps()
    found = [
        (name, route, p)
        for name, route, p in _patterns(get_resolver())
        if not name.startswith("admin:") and p.lookup_str.split(".")[0] in apps
    ]
    assert len(found) > 30, "the URL walk found too few patterns"
    return found


def test_apps_holding_person_data_are_found():
    assert {"referrals", "champions", "privacy"} <= _person_data_apps()


def test_every_url_of_an_app_holding_person_data_is_declared():
    audited, not_audited = declared_audited(), declared_not_audited()
    undeclared = [
        f"{name} ({route})"
        for name, route, _ in _app_patterns()
        if name not in audited and name not in not_audited
    ]
    assert not undeclared, (
        "declare these URLs with socialrx.audit_views.declare (audited, or not_audited "
        f"with the reason): {undeclared}"
    )


def test_every_url_taking_a_person_or_case_record_id_is_audited():
    not_audited = declared_not_audited()
    for name, route, _ in _app_patterns():
        ids = _parameters(route) & ID_NAMES
        if not ids or (
            name in not_audited
            and ("own record" in not_audited[name] or "audited by its service" in not_audited[name])
        ):
            continue
        spec = declared_audited().get(name)
        assert spec is not None, f"{name} ({route}) takes an id and is not audited"
        assert spec.kind == OBJECT and spec.id_kwarg in ids, f"{name}: audits the wrong id"
    for name, route, _ in _patterns(get_resolver()):
        if "person_id" in _parameters(route) or "referral_id" in _parameters(route):
            assert name in declared_audited(), f"{name} ({route}) takes a person's id"


def test_declarations_name_real_urls_and_models():
    names = {name for name, _, _ in _patterns(get_resolver())}
    for name, spec in declared_audited().items():
        assert name in names, f"{name} is declared but is no URL"
        spec.model_class()  # raises when the model does not exist
        assert spec.kind in (OBJECT, LIST)
    for name in declared_not_audited():
        assert name in names, f"{name} is declared but is no URL"


def test_person_lists_and_searches_are_declared_as_lists():
    audited = declared_audited()
    for name in ["referrals:caseload", "referrals:practice_referrals", "champions:list"]:
        assert audited[name].kind == LIST
    assert audited["referrals:caseload"].search is not None
    assert audited["champions:list"].search is not None


def test_django_admin_pages_of_every_audited_model_are_audited():
    registered = [m for m in audited_models() if m in admin.site._registry]
    assert registered, "no audited model in the Django admin"
    for model in registered:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        assert spec_for(f"admin:{prefix}_changelist", "admin", f"{prefix}_changelist").kind == LIST
        for page in ("change", "history", "delete"):
            spec = spec_for(f"admin:{prefix}_{page}", "admin", f"{prefix}_{page}")
            assert spec.kind == OBJECT and spec.id_kwarg == "object_id"
    # Not person data: no entry for the admin's pages of practices.
    assert (
        spec_for("admin:socialrx_practice_changelist", "admin", "socialrx_practice_changelist")
        is None
    )


# --- the mechanism is generic --------------------------------------------------------------


@isolate_apps("socialrx")
def test_tracked_fields_leave_out_version_time_stamps_and_the_models_own_exclusions():
    class Thing(Audited, models.Model):
        audit_exclude = ("derived",)
        name = models.CharField(max_length=10)
        derived = models.CharField(max_length=10)
        version = models.PositiveIntegerField(default=1)
        created_at = models.DateTimeField(auto_now_add=True)
        updated_at = models.DateTimeField(auto_now=True)

        class Meta:
            app_label = "socialrx"

    assert [f.name for f in tracked_fields(Thing)] == ["name"]


# --- before/after values: administrators only ----------------------------------------------


@pytest.fixture
def change_entry(link_worker):
    return audit_record(
        user=link_worker,
        action=AuditLog.Action.UPDATE,
        obj=link_worker,
        person_id=5,
        detail="changed postcode",
        changes={"postcode": ["M1 1AA", "M2 2BB"]},
    )


def test_an_administrator_reads_the_before_and_after_values(client_for, admin_user, change_entry):
    url = reverse("admin:socialrx_auditlog_change", args=[change_entry.pk])
    response = client_for(admin_user).get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "postcode: M1 1AA → M2 2BB" in content
    # Reading the values is itself audited.
    read = AuditLog.objects.get(action="view", object_type="socialrx.auditlog")
    assert (read.user, read.object_id, read.person_id) == (admin_user, str(change_entry.pk), 5)


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer", "commissioner"])
def test_other_roles_never_see_the_values_even_with_admin_access(
    request, client_for, persona, change_entry
):
    user = request.getfixturevalue(persona)
    user.is_staff = True  # even if someone gave them the Django admin
    user.save()
    client = client_for(user)
    for url in [
        reverse("admin:socialrx_auditlog_changelist"),
        reverse("admin:socialrx_auditlog_change", args=[change_entry.pk]),
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert "M2 2BB" not in response.content.decode()
