"""Form helpers: NHS.UK classes on every widget, so templates stay plain."""

from __future__ import annotations

from typing import Any

from django import forms

_CLASSES = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.SelectMultiple: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
    forms.RadioSelect: "nhsuk-radios__input",
    forms.CheckboxSelectMultiple: "nhsuk-checkboxes__input",
    forms.FileInput: "nhsuk-file-upload",
}


class NhsFormMixin:
    """Adds the NHS.UK class for each widget, and ``aria-describedby`` for hints and errors."""

    fields: dict[str, forms.Field]
    add_prefix: Any
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():
            widget = field.widget
            css = next((c for cls, c in _CLASSES.items() if isinstance(widget, cls)), "nhsuk-input")
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {existing}".strip()
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"id_{self.add_prefix(name)}-hint")

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] += (
                    " nhsuk-input--error" if "nhsuk-input" in widget.attrs["class"] else ""
                )
                described = widget.attrs.get("aria-describedby", "")
                widget.attrs["aria-describedby"] = (
                    f"{described} id_{self.add_prefix(name)}-error".strip()
                )


class DateInput(forms.DateInput):
    input_type = "date"
