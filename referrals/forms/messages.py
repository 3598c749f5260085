"""Forms for messages to people: choosing and sending one, and a team's own wording."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from socialrx.concurrency import VersionedFormMixin
from socialrx.forms import NhsFormMixin

from ..models import Appointment, MessageChannel, MessageKind
from ..selectors.messages import ChannelCheck


class MessageComposeForm(NhsFormMixin, forms.Form):
    required_messages = {
        "kind": "Choose which message to send",
        "channel": "Choose how to send it",
    }

    kind = forms.ChoiceField(
        label="Which message?",
        choices=MessageKind.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose which message to send"},
    )
    appointment = forms.ModelChoiceField(
        label="Which appointment? (for a reminder)",
        queryset=Appointment.objects.none(),
        required=False,
        empty_label="Choose an appointment",
        error_messages={"invalid_choice": "Choose one of their upcoming appointments"},
    )
    channel = forms.ChoiceField(
        label="Send it by",
        choices=MessageChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose how to send it"},
    )

    def __init__(
        self,
        *args: Any,
        checks: dict[str, ChannelCheck],
        appointments: list[Appointment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        field = cast(forms.ModelChoiceField, self.fields["appointment"])
        field.queryset = Appointment.objects.filter(pk__in=[a.pk for a in appointments])
        field.label_from_instance = _appointment_label  # type: ignore[method-assign,assignment]
        channel = cast(forms.ChoiceField, self.fields["channel"])
        channel.choices = [
            (
                check.channel,
                f"{check.label} to {check.address.splitlines()[0] if check.address else ''}"
                if check.ok
                else f"{check.label}: cannot be sent. {check.reason}",
            )
            for check in checks.values()
        ]

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        check = self.checks.get(channel)
        if check is not None and not check.ok:
            raise forms.ValidationError(
                f"{check.label} cannot be sent: {check.reason}"
                + (". Ask them, and record their answer under Consent" if check.no_consent else "")
            )
        return channel

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("kind") == MessageKind.APPOINTMENT_REMINDER
            and not data.get("appointment")
            and "appointment" not in self.errors
        ):
            self.add_error("appointment", "Choose the appointment to remind them of")
        return data


def _appointment_label(appointment: Appointment) -> str:
    from django.utils import timezone

    starts = timezone.localtime(appointment.starts_at)
    return f"{starts:%A} {starts.day} {starts:%B %Y, %H:%M}: {appointment.get_kind_display()}"


class MessageTemplateForm(VersionedFormMixin, NhsFormMixin, forms.Form):
    required_messages = {"body": "Enter the message"}

    subject = forms.CharField(label="Subject", max_length=200, required=False)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if channel == MessageChannel.SMS:
            del self.fields["subject"]
        elif channel == MessageChannel.LETTER:
            self.fields["subject"].label = "Heading"
