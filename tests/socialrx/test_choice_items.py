"""``field|choice_items`` (socialrx/templatetags/choices.py) gives the values, labels and checked
choices that iterating the bound field gives."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from socialrx.templatetags.choices import choice_items

SCORES = [(1, "None of the time"), (2, "Rarely"), (3, "Some of the time"), (4, "Often")]
GROUPED = [("Outdoors", [("walk", "Walking"), ("garden", "Gardening")]), ("art", "Art")]


class Example(forms.Form):
    score = forms.TypedChoiceField(choices=SCORES, coerce=int, widget=forms.RadioSelect)
    optional = forms.ChoiceField(
        choices=[(None, "Not known"), ("y", "Yes"), ("n", "No")],
        required=False,
        widget=forms.RadioSelect,
    )
    areas = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], widget=forms.CheckboxSelectMultiple
    )
    repeated = forms.ChoiceField(choices=[("x", "X"), ("x", "X again")], widget=forms.RadioSelect)
    grouped = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect)


def _as_iterated(field: forms.BoundField) -> list[tuple[Any, Any, bool]]:
    return [(w.data["value"], w.choice_label, w.data["selected"]) for w in field]


@pytest.mark.parametrize(
    ("data", "initial"),
    [
        (None, {}),
        (None, {"score": 3, "areas": ["a", "c"], "optional": "y", "grouped": "garden"}),
        ({"score": "2", "areas": ["b"], "optional": "", "repeated": "x", "grouped": "art"}, {}),
        ({"score": "nonsense", "areas": ["z"]}, {}),
    ],
)
def test_same_as_iterating_the_field(data: dict[str, Any] | None, initial: dict[str, Any]) -> None:
    form = Example(data, initial=initial)
    for name in form.fields:
        ours = [(c.value, c.label, c.checked) for c in choice_items(form[name])]
        assert ours == _as_iterated(Example(data, initial=initial)[name]), name
