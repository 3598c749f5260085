"""Every date and time a form shows comes back unchanged when the form is saved as it is.

A browser's date and time inputs accept only ISO values; anything else is dropped without a
word, and saving the form then erases the stored value.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.forms.models import model_to_dict

from assets.models import Asset
from tests.assets.factories import AssetFactory, SessionFactory

APPS = ("socialrx", "referrals", "assets", "champions", "outcomes")

# Modules that configure or start the project rather than define its pages.
SKIPPED = {"migrations", "settings", "wsgi", "asgi", "management", "bench"}

SAMPLES: dict[type[forms.Field], Any] = {
    forms.DateTimeField: dt.datetime(2023, 10, 15, 9, 5),  # noqa: DTZ001 (a form shows wall-clock time)
    forms.DateField: dt.date(2023, 10, 15),
    forms.TimeField: dt.time(9, 5),
}

# What a browser keeps in each input type (anything else it drops).
BROWSER_VALUES = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"),
}


def _form_classes() -> list[type[forms.BaseForm]]:
    found: dict[str, type[forms.BaseForm]] = {}
    for app in APPS:
        package = importlib.import_module(app)
        modules = [package]
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if any(part in SKIPPED for part in info.name.split(".")):
                continue
            modules.append(importlib.import_module(info.name))
        for module in modules:
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(obj, forms.BaseForm)
                    and obj.__module__.split(".")[0] in APPS
                    and obj.base_fields
                ):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _fields(form_class: type[forms.BaseForm]) -> dict[str, forms.Field]:
    """The fields as a form shows them: built (the shared mixin adjusts widgets) where the form
    needs no arguments, else as declared."""
    try:
        return dict(form_class().fields)
    except TypeError:
        return dict(form_class.base_fields)


def _date_fields() -> list[tuple[str, str, forms.Field]]:
    cases = []
    for form_class in _form_classes():
        for name, field in _fields(form_class).items():
            if isinstance(field, tuple(SAMPLES)):
                cases.append((f"{form_class.__module__}.{form_class.__qualname__}", name, field))
    return cases


def _sample(field: forms.Field) -> Any:
    return next(value for kind, value in SAMPLES.items() if isinstance(field, kind))


def _rendered_value(field: forms.Field, value: Any) -> tuple[str, str]:
    html = field.widget.render("x", value)
    type_match = re.search(r'type="([^"]+)"', html)
    value_match = re.search(r'value="([^"]*)"', html)
    assert value_match, html
    return (type_match.group(1) if type_match else "", value_match.group(1))


def test_the_project_has_date_and_time_fields_to_check():
    names = {(form, name) for form, name, _ in _date_fields()}
    assert ("assets.forms.ListingForm", "started_on") in names
    assert ("assets.forms.SessionForm", "starts_at") in names
    assert len(names) >= 10


@pytest.mark.parametrize(
    ("form", "name", "field"), _date_fields(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_date_and_time_field_shows_a_value_that_comes_back_unchanged(form, name, field):
    value = _sample(field)
    input_type, shown = _rendered_value(field, value)
    if input_type in BROWSER_VALUES:
        assert BROWSER_VALUES[input_type].match(shown), (
            f"{form}.{name} shows {shown!r} in a {input_type} input, which browsers drop"
        )
    assert field.clean(shown) == value


def test_the_shared_widgets_show_iso_values():
    from socialrx.forms import DateInput, DateTimeInput, TimeInput

    assert 'value="2023-10-15"' in DateInput().render("d", dt.date(2023, 10, 15))
    assert 'value="09:05"' in TimeInput().render("t", dt.time(9, 5))
    assert 'value="2023-10-15T09:05"' in DateTimeInput().render(
        "d",
        dt.datetime(2023, 10, 15, 9, 5),  # noqa: DTZ001 (wall-clock time)
    )


class _FormValues(HTMLParser):
    """What a browser would send back for each POST form on a page, left as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
            self.data = {}
            self.forms.append(self.data)
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self._add(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select][-1] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # The template adds a newline after the opening tag, which browsers drop.
            self._add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None


@pytest.mark.django_db
def test_editing_a_listing_and_saving_it_unchanged_keeps_its_dates_and_times(client_for, volunteer):
    kept_asset = AssetFactory(
        name="Riverside walking group",
        venue_name="Riverside Café",
        is_free=True,
        started_on=dt.date(2023, 10, 15),
        ended_on=dt.date(2031, 3, 1),
    )
    kept_asset.maintainers.add(volunteer)
    SessionFactory(asset=kept_asset, weekday=4, starts_at=dt.time(18, 0), ends_at=dt.time(19, 30))
    before = model_to_dict(Asset.objects.get(pk=kept_asset.pk))
    sessions_before = list(kept_asset.sessions.values_list("weekday", "starts_at", "ends_at"))
    client = client_for(volunteer)
    url = f"/directory/listings/{kept_asset.pk}/edit/"

    page = client.get(url).content.decode()
    assert 'value="2023-10-15"' in page

    parser = _FormValues()
    parser.feed(page)
    sent = next(data for data in parser.forms if "listing-name" in data)
    assert sent["listing-started_on"] == ["2023-10-15"]
    response = client.post(url, sent)

    assert response.status_code == 302, response.content.decode()
    after = model_to_dict(Asset.objects.get(pk=kept_asset.pk))
    # Saving a listing confirms it (who and when): everything else stays as it was.
    ignored = {"last_confirmed_at", "last_confirmed_by", "updated_at"}
    assert {k: v for k, v in after.items() if k not in ignored} == {
        k: v for k, v in before.items() if k not in ignored
    }
    assert after["started_on"] == dt.date(2023, 10, 15)
    assert sorted(kept_asset.sessions.values_list("weekday", "starts_at", "ends_at")) == sorted(
        sessions_before
    )
