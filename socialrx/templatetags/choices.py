"""``{% for choice in field|choice_items %}``: a radio group's or a checkbox group's choices,
each with its ``value``, ``label`` and whether it is ``checked``, as iterating the bound field
gives them (``choice.data.value``, ``choice.choice_label``, ``choice.data.selected``).

Iterating a bound field builds each option's whole widget context (its attributes, its id,
its template's name) to show three things of it: the conversation form's seven wellbeing
questions took half its server time that way. The values and the choices checked here are the
widget's own (``tests/socialrx/test_choice_items.py`` compares them); grouped choices go through
the widget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.forms import BoundField

register = template.Library()


@dataclass(frozen=True, slots=True)
class ChoiceItem:
    value: Any
    label: Any
    checked: bool


@register.filter
def choice_items(field: BoundField) -> list[ChoiceItem]:
    widget = field.field.widget
    choices = list(widget.choices)
    if any(isinstance(label, list | tuple) for _, label in choices):
        return [
            ChoiceItem(value=w.data["value"], label=w.choice_label, checked=w.data["selected"])
            for w in field
        ]
    # ChoiceWidget.optgroups: the values shown, as strings; a single choice stops at the first
    # one checked.
    shown = widget.format_value(field.value())
    multiple = widget.allow_multiple_selected
    items: list[ChoiceItem] = []
    has_checked = False
    for value, label in choices:
        if value is None:
            value = ""
        checked = (not has_checked or multiple) and str(value) in shown
        has_checked |= checked
        items.append(ChoiceItem(value=value, label=label, checked=checked))
    return items
