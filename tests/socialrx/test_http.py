from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory

from socialrx.http import form_add_service_errors, get_in_scope_or_404, wants_partial
from socialrx.models import Practice


class _Details:
    def __init__(self, *, on: bool, restore: bool = False) -> None:
        self.on = on
        self.history_restore_request = restore

    def __bool__(self) -> bool:
        return self.on


@pytest.mark.parametrize(
    ("htmx", "expected"),
    [
        (None, False),
        (_Details(on=False), False),
        (_Details(on=True), True),
        (_Details(on=True, restore=True), False),
    ],
)
def test_wants_partial_only_for_htmx_that_is_not_a_history_restore(htmx, expected):
    request = RequestFactory().get("/")
    if htmx is not None:
        request.htmx = htmx
    assert wants_partial(request) is expected


@pytest.mark.django_db
def test_get_in_scope_or_404_is_404_outside_the_scope_and_for_bad_ids():
    practice = Practice.objects.create(ods_code="Z99999", name="Test practice")
    scope = Practice.objects.filter(pk=practice.pk)
    assert get_in_scope_or_404(scope, pk=practice.pk) == practice
    with pytest.raises(Http404, match="No such practice"):
        get_in_scope_or_404(scope.none(), what="practice", pk=practice.pk)
    with pytest.raises(Http404):
        get_in_scope_or_404(scope, pk="not-a-number")


class _Form(forms.Form):
    name = forms.CharField()


def test_service_errors_go_on_their_field_or_the_whole_form():
    form = _Form({"name": "x"})
    assert form.is_valid()
    form_add_service_errors(
        form, ValidationError({"name": "Taken", "elsewhere": "Not a field of this form"})
    )
    assert form.errors["name"] == ["Taken"]
    assert form.non_field_errors() == ["Not a field of this form"]

    form = _Form({"name": "x"})
    assert form.is_valid()
    form_add_service_errors(form, ValidationError(["One", "Two"]), field="name")
    assert form.errors["name"] == ["One", "Two"]
