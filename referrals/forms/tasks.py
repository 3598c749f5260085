"""Forms for a link worker's tasks (add one by hand, snooze, reassign) and appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from socialrx.forms import NhsFormMixin, TimeInput

from ..models import AppointmentKind, AppointmentMode, TaskKind
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


class AppointmentForm(_RequiredMessages, NhsFormMixin, forms.Form):
    required_messages = {
        "kind": "Choose what the appointment is for",
        "on": "Enter the date",
        "at": "Enter the time",
        "mode": "Choose how you will meet",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # It shares the person page with the task form: its own ids keep each label on its
        # own field.
        kwargs.setdefault("auto_id", "appointment_%s")
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(label="Appointment for", choices=AppointmentKind.choices)
    on = forms.DateField(label="Date", widget=_date_input())
    at = forms.TimeField(label="Time", widget=TimeInput(format="%H:%M"))
    mode = forms.ChoiceField(label="How", choices=AppointmentMode.choices)
    place = forms.CharField(
        label="Where",
        required=False,
        max_length=200,
        help_text="For a meeting in person: choose one of the team's places or type another",
        widget=forms.TextInput(attrs={"list": "appointment-places", "autocomplete": "off"}),
    )

    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(self.cleaned_data["on"], self.cleaned_data["at"])
        )
