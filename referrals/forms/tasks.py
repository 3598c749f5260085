"""Forms for a link worker's tasks: add one by hand, snooze, reassign."""

from __future__ import annotations

from typing import Any

from django import forms

from socialrx.forms import NhsFormMixin

from ..models import TaskKind
from ..services.tasks import NOTE_MAX
from .casework import _date_input, _RequiredMessages


class TaskForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "kind": "Choose what needs doing",
        "due_on": "Enter the date it is due",
    }

    kind = forms.ChoiceField(label="What needs doing", choices=TaskKind.choices)
    due_on = forms.DateField(label="Due on", widget=_date_input())
    note = forms.CharField(
        label="Note", required=False, max_length=NOTE_MAX, help_text="A few words, not the case"
    )


class TaskSnoozeForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {"until": "Enter the date to snooze until"}

    until = forms.DateField(label="Snooze until", widget=_date_input())


class TaskReassignForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {"assigned_to": "Choose a link worker"}

    assigned_to: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Give to",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Choose a link worker of this person's team"},
    )

    def __init__(self, *args: Any, link_workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = link_workers  # type: ignore[attr-defined]
