"""Form helpers: NHS.UK classes on every widget, so templates stay plain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.forms.renderers import BaseRenderer, Jinja2
from django.forms.widgets import DateTimeBaseInput

from .validators import FREE_TEXT_MAX_LENGTH, validate_uk_phone

_CLASSES = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.SelectMultiple: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.RadioSelect: "nhsuk-radios__input",
    forms.CheckboxSelectMultiple: "nhsuk-checkboxes__input",
    forms.FileInput: "nhsuk-file-upload",
}


# The widgets of the project's forms render through the Jinja2 copies of Django's widget
# templates, which Django ships for this renderer: the same elements and attributes (Jinja2
# leaves no blank lines between a select's options and writes an apostrophe as &#39;, Django
# as &#x27;), in about half the time of the Django template language, and a page with a dozen
# fields renders fifty widget templates. One renderer for every form, so each template is
# compiled once per process. Forms outside the mixin (the admin's, whose widgets have Django
# templates only) keep the default renderer.
WIDGET_RENDERER = Jinja2()


class NhsFormMixin:
    """Adds the NHS.UK class for each widget, and ``aria-describedby`` for hints and errors.
    Free text with no ``max_length`` of its own is limited to ``FREE_TEXT_MAX_LENGTH``, as in the
    API and the imports.

    ``required_messages`` says, field by field, what to enter when it is left empty: an error
    summary of three "This field is required." tells nobody which field is meant."""

    default_renderer: BaseRenderer | type[BaseRenderer] | None = WIDGET_RENDERER
    required_messages: dict[str, str] = {}
    fields: dict[str, forms.Field]
    add_prefix: Any
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():
            if name in self.required_messages:
                field.error_messages["required"] = self.required_messages[name]
            if type(field) is forms.CharField and field.max_length is None:
                # Free text without a limit of its own gets the one every route shares.
                field.max_length = FREE_TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(FREE_TEXT_MAX_LENGTH))
            widget = field.widget
            css = next((c for cls, c in _CLASSES.items() if isinstance(widget, cls)), "nhsuk-input")
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {existing}".strip()
            iso = _BROWSER_FORMATS.get(_browser_input_type(widget))
            if iso and isinstance(widget, DateTimeBaseInput):
                # A date or time widget declared without the shared classes still gets the
                # only format the browser keeps.
                widget.format = iso
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"id_{self.add_prefix(name)}-hint")

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.mark_errors(list(self.errors))

    def mark_errors(self, names: list[str]) -> None:
        """Error styling and ``aria-describedby`` for fields given an error (also for errors
        added after validation)."""
        for name in names:
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                if "nhsuk-input" in css and "nhsuk-input--error" not in css:
                    widget.attrs["class"] = f"{css} nhsuk-input--error"
                described = widget.attrs.get("aria-describedby", "")
                error_id = f"id_{self.add_prefix(name)}-error"
                if error_id not in described:
                    widget.attrs["aria-describedby"] = f"{described} {error_id}".strip()


# A browser's date and time inputs accept only ISO values: a date shown the British way
# ("15/10/2023") is dropped, and the saved value is lost on the next save.
ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or ISO_DATETIME)


_BROWSER_FORMATS = {"date": ISO_DATE, "time": ISO_TIME, "datetime-local": ISO_DATETIME}


def _browser_input_type(widget: forms.Widget) -> str:
    return str(widget.attrs.get("type") or getattr(widget, "input_type", ""))


class UkPhoneField(forms.CharField):
    """A phone number checked as a UK number (``socialrx.validators.validate_uk_phone``)."""

    default_validators = [validate_uk_phone]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)


class NhsDateWidget(forms.MultiWidget):
    """The NHS.UK date input: day, month and year boxes (``<name>_day``, ``_month``, ``_year``),
    for dates people type rather than pick (templates/includes/_date_input.html draws it)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        boxes: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(attrs={"inputmode": "numeric"})
            for part in ("day", "month", "year")
        }
        super().__init__(boxes, attrs)

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]


class NhsDateField(forms.Field):
    """A date typed as day, month and year, with the NHS.UK error messages that say which part
    is wrong ("The start date must include a month", "... must be a real date")."""

    widget = NhsDateWidget

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter the {label.lower()}")
        super().__init__(label=label, **kwargs)

    def prepare_value(self, value: Any) -> list[str]:
        if isinstance(value, (list, tuple)):
            return [str(v or "").strip() for v in value]
        return NhsDateWidget().decompress(value)

    def to_python(self, value: Any) -> dt.date | None:
        day, month, year = self.prepare_value(value)
        if not (day or month or year):
            return None
        name = (self.label or "date").lower()
        for part, given in (("day", day), ("month", month), ("year", year)):
            if not given:
                raise forms.ValidationError(f"The {name} must include a {part}", code="part")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise forms.ValidationError(f"The {name} must be a real date", code="invalid")
        if len(year) != 4:
            raise forms.ValidationError(f"The {name}'s year must have 4 numbers", code="year")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"The {name} must be a real date", code="invalid") from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.prepare_value(initial) != self.prepare_value(data)
