from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from referrals.models import Person
from socialrx.forms import NhsFormMixin

from .models import ErasureReason
from .services.erasure import reason_check

CONFIRM_ERASE = "I understand that the record cannot be brought back"
CONFIRM_MERGE = "I have checked that both records are the same person"


class ErasureForm(NhsFormMixin, forms.Form):
    required_messages = {
        "reason_category": "Choose why the record is being erased",
        "reason": "Say why the record is being erased",
        "confirm": "Confirm that you understand the record cannot be brought back",
    }

    reason_category = forms.ChoiceField(
        label="Why is the record being erased?",
        # The retention rule erases on its own; a person erases for the other reasons.
        choices=[(v, label) for v, label in ErasureReason.choices if v != ErasureReason.RETENTION],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept after the record has gone, so do not include their name, NHS number, "
        "date of birth or contact details. For example: request received by email, "
        "identity checked.",
    )
    confirm = forms.BooleanField(label=CONFIRM_ERASE)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        self.person = person
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        """Checked here as well as by the service, so every problem shows at once."""
        reason: str = self.cleaned_data["reason"]
        try:
            reason_check(person=self.person, reason=reason)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["reason"]) from None
        return reason


class MergeForm(NhsFormMixin, forms.Form):
    required_messages = {
        "duplicate": "Enter the id of the duplicate record",
        "confirm": "Confirm that both records are the same person",
    }

    duplicate = forms.IntegerField(
        label="Id of the duplicate record",
        min_value=1,
        help_text="The number in the address of the other record's page. Its referrals, "
        "conversations and everything else move to this record.",
        error_messages={
            "invalid": "Enter the id as a whole number",
            "min_value": "Enter the id as a whole number",
        },
    )
    confirm = forms.BooleanField(label=CONFIRM_MERGE)
