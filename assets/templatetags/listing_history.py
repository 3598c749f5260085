"""``{{ name|field_label }}``: a listing field as people read it ("Start date", not
``started_on``), for the history and moderation pages, which keep changes by field name."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from assets.forms import ListingForm
from assets.models import Asset

register = template.Library()

# Names the history keeps that are not a listing field, or read better otherwise.
_LABELS = {"sessions": "Sessions", "member_count": "Members", "capacity": "Places"}


@register.filter
def field_label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    labels = getattr(ListingForm.Meta, "labels", {})
    if name in labels:
        return str(labels[name])
    try:
        field = Asset._meta.get_field(name)
    except FieldDoesNotExist:
        return capfirst(name.replace("_", " "))
    return capfirst(str(getattr(field, "verbose_name", name.replace("_", " "))))
