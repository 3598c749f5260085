"""Referral forms for every route. Each form turns its answers into ``PersonDetails`` for the
intake services, and into plain data for a closed-route enquiry."""

from __future__ import annotations

import secrets
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from assets.models import Asset
from socialrx.forms import DateInput, NhsFormMixin, UkPhoneField
from socialrx.models import Practice
from socialrx.validators import (
    format_postcode,
    normalise_nhs_number,
    validate_date_of_birth,
    validate_nhs_number,
    validate_postcode,
)

from ..models import ConsentPurpose, Source
from ..services.matching import PersonDetails


class NhsNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("label", "NHS number")
        kwargs.setdefault("help_text", "10 digits, for example 943 476 5919.")
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        value = normalise_nhs_number(super().clean(value) or "")
        if value:
            validate_nhs_number(value)
        return value


class PostcodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", "Postcode")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "postal-code", "class": "nhsuk-input--width-10"})

    def clean(self, value: Any) -> str:
        value = super().clean(value) or ""
        if value:
            validate_postcode(value)
            value = format_postcode(value)
        return value


class PracticeChoiceField(forms.ModelChoiceField):
    """Practices by name (the ODS code means nothing to the public)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Practice.objects.order_by("name"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def _date_of_birth_field(*, required: bool, label: str = "Date of birth") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(format="%Y-%m-%d"),
        validators=[validate_date_of_birth],
        error_messages={
            "required": "Enter the date of birth",
            "invalid": "Enter a real date of birth",
        },
    )


class _PersonForm(NhsFormMixin, forms.Form):
    """Fields every route asks about the person."""

    # Fields a subclass leaves out are skipped by ``person_details``.
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter a first name"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter a last name"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    # One-time token: the same form sent twice (a double click, a resend) makes one referral.
    submission_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", secrets.token_urlsafe(24))

    def person_details(self, *, practice: Practice | None = None) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            date_of_birth=data.get("date_of_birth"),
            nhs_number=data.get("nhs_number", ""),
            postcode=data.get("postcode", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            communication_needs=data.get("communication_needs", ""),
            practice=practice if practice is not None else data.get("practice"),
        )

    def enquiry_data(self) -> dict[str, Any]:
        """What was entered, for a closed-route enquiry (the consent answers and the honeypot
        are not part of the enquiry)."""
        skip = {*CONSENT_FIELDS, "duplicate_choice", "website", "submission_token"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and v not in ("", None)}


# Consent, per purpose (docs/security.md, "Consent"). Agreement to contact is a tick box,
# because a referral cannot be made without it; the other purposes are a yes or no each.
CONSENT_FIELDS = ("consent_confirmed", "consent_share_with_group", "consent_deidentified_figures")
YES, NO = "yes", "no"


def _consent_field(
    *,
    label: str = "They agree that a link worker may contact them",
    help_text: str = "Ask them first. The link worker will phone or email to arrange a conversation.",
    error: str = "Confirm that the person has agreed to a link worker contacting them",
) -> forms.BooleanField:
    return forms.BooleanField(
        label=label, help_text=help_text, required=True, error_messages={"required": error}
    )


def _yes_no_field(*, label: str, help_text: str, yes: str, error: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=[(YES, yes), (NO, "No")],
        coerce=lambda value: value == YES,
        widget=forms.RadioSelect,
        error_messages={"required": error, "invalid_choice": error},
    )


def _share_field(*, about_self: bool = False) -> forms.TypedChoiceField:
    if about_self:
        return _yes_no_field(
            label="Can we share your name and contact details with a group's organisers or "
            "volunteers when we put you in touch with them?",
            help_text="If you say no, we can still tell you about groups. We will not tell "
            "them who you are.",
            yes="Yes, I agree",
            error="Choose yes if we may share your details with a group, or no",
        )
    return _yes_no_field(
        label="Can we share their name and contact details with a group's organisers or "
        "volunteers when we connect them to the group?",
        help_text="If they say no, they can still be connected to a group. The group is not "
        "told who they are.",
        yes="Yes, they agree",
        error="Choose yes if they agree to their details being shared with groups, or no",
    )


def _figures_field(*, about_self: bool = False) -> forms.TypedChoiceField:
    if about_self:
        return _yes_no_field(
            label="Can we use your information in figures that do not identify you?",
            help_text="For example, how many people we helped and whether they feel better. "
            "We use the figures to plan the service. No one can tell from them who you are.",
            yes="Yes, I agree",
            error="Choose yes if we may use your information in figures, or no",
        )
    return _yes_no_field(
        label="Can we use their information in figures that do not identify them?",
        help_text="For example, how many people were helped and whether they feel better. "
        "The figures are used to plan and fund the service; no one can be identified from "
        "them.",
        yes="Yes, they agree",
        error="Choose yes if they agree to their information being used in figures, or no",
    )


class ConsentAnswersMixin:
    """The answers for the purposes other than contact, for ``ReferralDetails.consents``."""

    cleaned_data: dict[str, Any]

    def consent_answers(self) -> dict[str, bool]:
        return {
            ConsentPurpose.SHARE_WITH_GROUP: self.cleaned_data["consent_share_with_group"],
            ConsentPurpose.DEIDENTIFIED_FIGURES: self.cleaned_data["consent_deidentified_figures"],
        }


class PracticeReferralForm(ConsentAnswersMixin, _PersonForm):
    """A GP or other practice staff member, during a consultation: under a minute."""

    date_of_birth = _date_of_birth_field(required=True)
    nhs_number = NhsNumberField()
    postcode = PostcodeField(error_messages={"required": "Enter a postcode"})
    phone = UkPhoneField(
        label="Phone number",
        max_length=30,
        required=False,
        help_text="The number the link worker should call.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    communication_needs = forms.CharField(
        label="Communication needs",
        required=False,
        help_text="For example: interpreter (which language), British Sign Language, large print.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label="Reason for referral",
        help_text="What the person would like help with, in a sentence or two.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for referral"},
    )
    consent_confirmed = _consent_field()
    consent_share_with_group = _share_field()
    consent_deidentified_figures = _figures_field()
    duplicate_choice = forms.CharField(required=False, widget=forms.HiddenInput)


class OtherServiceReferralForm(PracticeReferralForm):
    """A link worker or administrator recording a referral received from another service."""

    date_of_birth = _date_of_birth_field(required=False)
    practice = PracticeChoiceField(
        label="GP practice",
        empty_label="Not known",
    )
    source = forms.ChoiceField(
        label="Who made the referral",
        choices=[
            (Source.OTHER, "Another service (mental health, housing, social care…)"),
            (Source.COMMUNITY, "A voluntary or community organisation"),
        ],
        initial=Source.OTHER,
        widget=forms.RadioSelect,
    )
    referrer_name = forms.CharField(
        label="Referrer's name",
        max_length=200,
        error_messages={"required": "Enter the referrer's name"},
    )
    referrer_organisation = forms.CharField(
        label="Organisation",
        max_length=200,
        help_text="For example: community mental health team, housing association.",
        error_messages={"required": "Enter the referrer's organisation"},
    )
    referrer_email = forms.EmailField(
        label="Referrer's email address",
        required=False,
        help_text="So that the link worker can write back to them.",
    )

    field_order = [
        "source",
        "referrer_name",
        "referrer_organisation",
        "referrer_email",
        "given_name",
        "family_name",
        "date_of_birth",
        "nhs_number",
        "postcode",
        "phone",
        "practice",
        "communication_needs",
        "reason",
        *CONSENT_FIELDS,
    ]


class SelfReferralForm(ConsentAnswersMixin, _PersonForm):
    """ "Ask for a conversation": a member of the public, no account. Plain language."""

    given_name = forms.CharField(
        label="Your first name",
        max_length=100,
        error_messages={"required": "Enter your first name"},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label="Your last name",
        max_length=100,
        error_messages={"required": "Enter your last name"},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = UkPhoneField(
        label="Phone number",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    date_of_birth = _date_of_birth_field(required=False, label="Your date of birth")
    postcode = PostcodeField(
        label="Your postcode",
        error_messages={"required": "Enter your postcode"},
        help_text="So that we can find someone near you.",
    )
    practice = PracticeChoiceField(
        label="Your GP practice",
        empty_label="I do not know, or I would rather not say",
    )
    reason = forms.CharField(
        label="What would you like to talk about?",
        help_text="A few words is fine. For example: I would like to meet people, or get out more.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Tell us a little about what you would like to talk about"},
    )
    communication_needs = forms.CharField(
        label="Is there anything that would help you talk to us?",
        required=False,
        help_text="For example: an interpreter (which language), British Sign Language, large print.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_confirmed = _consent_field(
        label="I agree that a link worker may contact me using the details I have given",
        help_text="We need this to arrange the conversation.",
        error="Tick the box to agree that a link worker may contact you",
    )
    consent_share_with_group = _share_field(about_self=True)
    consent_deidentified_figures = _figures_field(about_self=True)
    # Honeypot: hidden from people and assistive technology; bots fill every field.
    website = forms.CharField(label="Leave this field empty", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "phone", "Enter a phone number or an email address so we can contact you"
            )
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())


ON_BEHALF_SELF = "self"
ON_BEHALF_GROUP = "group"
ON_BEHALF_ORGANISATION = "organisation"
ON_BEHALF_CHOICES = [
    (ON_BEHALF_SELF, "Myself, as a volunteer"),
    (ON_BEHALF_GROUP, "A group I help with"),
    (ON_BEHALF_ORGANISATION, "Another organisation"),
]


class CommunityReferralForm(ConsentAnswersMixin, _PersonForm):
    """A volunteer refers someone, for themselves, a group in the directory or an organisation."""

    date_of_birth = _date_of_birth_field(required=False)
    postcode = PostcodeField(error_messages={"required": "Enter a postcode"})
    phone = UkPhoneField(
        label="Phone number",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label="Email address", required=False)
    practice = PracticeChoiceField(
        label="Their GP practice",
        empty_label="Not known",
    )
    communication_needs = forms.CharField(
        label="Communication needs",
        required=False,
        help_text="For example: interpreter (which language), British Sign Language, large print.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on_behalf = forms.ChoiceField(
        label="Who are you referring for?",
        choices=ON_BEHALF_CHOICES,
        initial=ON_BEHALF_SELF,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who you are referring for"},
    )
    referring_asset = forms.ModelChoiceField(
        label="Group",
        queryset=Asset.objects.none(),
        required=False,
        empty_label="Choose a group",
    )
    organisation_name = forms.CharField(
        label="Organisation name",
        max_length=200,
        required=False,
        help_text="Only if you are referring for another organisation.",
    )
    reason = forms.CharField(
        label="Reason for referral",
        help_text="What the person would like help with, in their words if you can.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for referral"},
    )
    consent_confirmed = _consent_field()
    consent_share_with_group = _share_field()
    consent_deidentified_figures = _figures_field()

    def __init__(self, *args: Any, assets: QuerySet[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["referring_asset"]).queryset = assets
        if not assets.exists():
            # Nothing to choose from: do not offer a choice that can only fail.
            field = cast(forms.ChoiceField, self.fields["on_behalf"])
            field.choices = [c for c in ON_BEHALF_CHOICES if c[0] != ON_BEHALF_GROUP]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and "email" not in self.errors:
            self.add_error("phone", "Enter a phone number or an email address for the person")
        on_behalf = data.get("on_behalf")
        if on_behalf == ON_BEHALF_GROUP and not data.get("referring_asset"):
            self.add_error("referring_asset", "Choose the group you are referring for")
        if on_behalf == ON_BEHALF_ORGANISATION and not data.get("organisation_name", "").strip():
            self.add_error("organisation_name", "Enter the organisation's name")
        if on_behalf != ON_BEHALF_GROUP:
            data["referring_asset"] = None
        if on_behalf != ON_BEHALF_ORGANISATION:
            data["organisation_name"] = ""
        return data


class PracticeReferralSearchForm(NhsFormMixin, forms.Form):
    q = forms.CharField(
        label="Name or NHS number",
        max_length=100,
        help_text="As you entered them on the referral. Searches are not kept in the address "
        "bar or the server's logs.",
    )
