from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from assets.models import Asset
from socialrx.forms import DateInput, NhsFormMixin, UkPhoneField
from socialrx.models import Role, User
from socialrx.validators import validate_not_in_future

from .models import Champion, ChampionRole, EventKind, InvitationState


def _not_future(value: Any) -> Any:
    validate_not_in_future(value)
    return value


class _HoursField(forms.DecimalField):
    def __init__(self, *, allow_zero: bool, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 4)
        kwargs.setdefault("decimal_places", 1)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter the number of hours",
                "invalid": "Hours must be a number, like 2 or 1.5",
                "max_decimal_places": "Hours can have one decimal place, like 1.5",
                "max_digits": "Hours must be 24 or fewer for one day",
                "max_whole_digits": "Hours must be 24 or fewer for one day",
            },
        )
        super().__init__(**kwargs)
        self.allow_zero = allow_zero
        self.widget.attrs.update({"inputmode": "decimal", "class": "nhsuk-input--width-4"})
        self.widget.input_type = "text"

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value is None:
            return value
        if value < 0 or (value == 0 and not self.allow_zero):
            raise forms.ValidationError(
                "Hours must be 0 or more" if self.allow_zero else "Hours must be more than 0"
            )
        if value > 24:
            raise forms.ValidationError("Hours must be 24 or fewer for one day")
        return value


class _GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Asset) -> str:
        return obj.name


class ProfileForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = Champion
        fields = ["phone", "email", "publish_name", "publish_phone", "publish_email"]
        labels = {"phone": "Phone number", "email": "Email address"}
        field_classes = {"phone": UkPhoneField}
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }


class _ActivityForm(NhsFormMixin, forms.Form):
    def __init__(self, *args: Any, groups: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["asset"]).queryset = groups
        if not groups.exists():
            del self.fields["asset"]

    def clean_on(self) -> Any:
        return _not_future(self.cleaned_data.get("on"))


class HoursForm(_ActivityForm):
    on = forms.DateField(
        label="Date",
        widget=DateInput(format="%Y-%m-%d"),
        initial=timezone.localdate,
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
    hours = _HoursField(allow_zero=False, label="Hours", help_text="For example, 2 or 1.5")
    activity = forms.CharField(
        label="What did you do?",
        max_length=200,
        error_messages={"required": "Enter what you did"},
    )
    asset = _GroupChoiceField(
        queryset=Asset.objects.none(), required=False, label="Group", empty_label="Not a group"
    )


class EventForm(_ActivityForm):
    kind = forms.ChoiceField(
        label="Kind of event",
        choices=EventKind.choices,
        error_messages={"required": "Choose the kind of event"},
    )
    title = forms.CharField(
        label="Name of the event", max_length=200, error_messages={"required": "Enter a name"}
    )
    on = forms.DateField(
        label="Date",
        widget=DateInput(format="%Y-%m-%d"),
        initial=timezone.localdate,
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
    hours = _HoursField(
        allow_zero=True,
        label="Hours you gave",
        initial=Decimal("0"),
        help_text="0 if you went but did not help run it",
    )
    asset = _GroupChoiceField(
        queryset=Asset.objects.none(), required=False, label="Group", empty_label="Not a group"
    )


class TrainingForm(NhsFormMixin, forms.Form):
    course = forms.CharField(
        label="Course", max_length=200, error_messages={"required": "Enter the course name"}
    )
    completed_on = forms.DateField(
        label="Date completed",
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={"required": "Enter the date completed", "invalid": "Enter a real date"},
    )
    hours = forms.DecimalField(
        label="Hours",
        min_value=0,
        max_digits=5,
        decimal_places=1,
        initial=Decimal("0"),
        error_messages={
            "required": "Enter the number of hours",
            "invalid": "Hours must be a number",
            "min_value": "Hours must be 0 or more",
        },
    )
    qualification = forms.CharField(
        label="Qualification",
        max_length=200,
        required=False,
        help_text="For example: Level 2 Award, RSPH Health Champion",
    )

    def clean_completed_on(self) -> Any:
        return _not_future(self.cleaned_data.get("completed_on"))


class ChampionForm(NhsFormMixin, forms.ModelForm):
    """Administrators' form for a champion record."""

    class Meta:
        model = Champion
        fields = [
            "given_name",
            "family_name",
            "role",
            "user",
            "home_practice",
            "home_organisation",
            "started_on",
            "ended_on",
            "active",
            "phone",
            "email",
        ]
        field_classes = {"phone": UkPhoneField}
        labels = {
            "given_name": "First name",
            "family_name": "Last name",
            "user": "Volunteer login",
            "started_on": "Started volunteering",
            "ended_on": "Stopped volunteering",
        }
        widgets = {
            "started_on": DateInput(format="%Y-%m-%d"),
            "ended_on": DateInput(format="%Y-%m-%d"),
        }
        error_messages = {
            "given_name": {"required": "Enter a first name"},
            "role": {"required": "Choose a role"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Volunteer logins not yet tied to another champion record.
        logins = User.objects.filter(role=Role.VOLUNTEER, champion__isnull=True)
        if self.instance.user_id:
            logins = logins | User.objects.filter(pk=self.instance.user_id)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = logins.order_by("username")
        self.fields["user"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", "The date they stopped must be after the date they started")
        if data.get("home_practice") and data.get("home_organisation"):
            self.add_error(
                "home_organisation", "Choose a home practice or an organisation, not both"
            )
        return data


class ChampionFilterForm(NhsFormMixin, forms.Form):
    q = forms.CharField(label="Search by name or home base", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *ChampionRole.choices]
    )
    active = forms.ChoiceField(
        label="Active",
        required=False,
        choices=[("", "Active and not active"), ("yes", "Active"), ("no", "Not active")],
    )


class InviteForm(NhsFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Which kind of volunteer?",
        choices=ChampionRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of volunteer"},
    )
    state = forms.ChoiceField(
        label="What did they say?",
        choices=InvitationState.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the person said"},
    )
    consent_confirmed = forms.BooleanField(
        label="I read the wording above to the person and they agreed", required=False
    )
    login_email = forms.EmailField(
        label="Email address for a volunteer login",
        required=False,
        help_text="Leave empty if they do not want a login. We will email them a link to "
        "choose a password.",
        error_messages={"invalid": "Enter an email address like name@example.org"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agreed = data.get("state") == InvitationState.ACCEPTED
        if agreed and not data.get("consent_confirmed"):
            self.add_error(
                "consent_confirmed", "Confirm that you read the wording and the person agreed"
            )
        if data.get("login_email") and not agreed:
            self.add_error("login_email", "Only give a login when the person has agreed")
        return data


class LoginForm(NhsFormMixin, forms.Form):
    email = forms.EmailField(
        label="Their email address",
        help_text="This is their username. We will email them a link to choose a password.",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address like name@example.org",
        },
    )
