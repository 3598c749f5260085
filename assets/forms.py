from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory

from socialrx.concurrency import VersionedFormMixin
from socialrx.forms import DateInput, NhsFormMixin, TimeInput
from socialrx.validators import format_postcode, validate_postcode

from .models import (
    Asset,
    Capacity,
    Category,
    Gap,
    GapStatus,
    ListingReport,
    Session,
    Weekday,
)
from .selectors import ACCESS_NEEDS, DirectorySearch
from .services import TRACKED_FIELDS

# Everything whose changes the history keeps, but the member count (updated on its own).
LISTING_FIELDS = [f for f in TRACKED_FIELDS if f != "member_count"]

ACCESS_FIELDS = ("step_free", "hearing_loop", "accessible_toilet")


class KnownSelect(forms.NullBooleanSelect):
    """Yes, no or not known: a question about a building nobody has checked stays open."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "Not known"), ("true", "Yes"), ("false", "No")]


def _known_field(label: str, help_text: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        label=label, required=False, widget=KnownSelect, help_text=help_text
    )


class ListingForm(NhsFormMixin, forms.ModelForm):
    """A listing as its keepers and administrators edit it."""

    website = forms.URLField(required=False, assume_scheme="https", max_length=200)
    step_free = _known_field(
        "Can you get in without steps?",
        "Step-free: level access or a ramp all the way, including inside.",
    )
    hearing_loop = _known_field(
        "Is there a hearing loop?", "A hearing loop helps people who use hearing aids."
    )
    accessible_toilet = _known_field(
        "Is there an accessible toilet?", "A toilet that a wheelchair user can use."
    )

    required_messages = {
        "name": "Enter the group's name",
        "kind": "Choose what it is",
        "category": "Choose what kind of thing the group does",
        "led_by": "Choose who runs it",
        "eligibility": "Choose who can come",
        "capacity": "Choose whether it has places",
    }

    class Meta:
        model = Asset
        fields = LISTING_FIELDS
        labels = {
            "name": "Name of the group",
            "kind": "What it is",
            "led_by": "Who runs it",
            "started_on": "Start date",
            "ended_on": "End date",
            "schedule_text": "When it meets, in words",
            "is_free": "It is free",
            "languages": "Languages spoken",
        }
        widgets = {
            "started_on": DateInput,
            "ended_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 4}),
            "other_links": forms.Textarea(attrs={"rows": 2}),
            "first_visit": forms.Textarea(attrs={"rows": 3}),
            "getting_there": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "contact_name": "Shown publicly. Leave empty unless you are happy for it to be seen.",
            "contact_email": "Shown publicly.",
            "contact_phone": "Shown publicly.",
            "schedule_text": "For example: first Monday of the month, not in August.",
            "cost": "For example: £2 a session, tea included.",
            "fills_gap": "If this group was started to meet a gap link workers logged.",
            "first_visit": (
                "What happens when someone comes for the first time. For example: "
                "someone will meet you at the door. Wear clothes you do not mind getting muddy."
            ),
            "ask_for": "A first name or a role, for example: Jean, or the person at the desk.",
            "getting_there": (
                "Buses that stop nearby, parking, and how to find the door. "
                "For example: bus 42 stops outside. Free parking behind the hall."
            ),
            "languages": "For example: English, Urdu.",
        }

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "")
        validate_postcode(value)
        return format_postcode(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("eligibility") == "practice_patients" and not data.get("eligible_practice"):
            self.add_error("eligible_practice", "Choose the practice whose patients may come")
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended <= started:
            self.add_error("ended_on", "The end date must be after the start date")
        if not data.get("is_free") and not data.get("cost"):
            self.add_error("cost", "Say what it costs, or tick that it is free")
        return data


class ListingEditForm(VersionedFormMixin, ListingForm):
    """Editing a listing that exists: it carries the version it was loaded with, so an edit
    made meanwhile by another keeper or an administrator is reported, not undone."""


class SuggestForm(ListingForm):
    """A new group suggested by a volunteer or a member of the public."""

    proposer_email = forms.EmailField(
        label="Your email address",
        required=False,
        help_text="Only so an administrator can ask you about the group. Never shown.",
    )

    class Meta(ListingForm.Meta):
        fields = [
            "name",
            "kind",
            "category",
            "led_by",
            "description",
            "venue_name",
            "address",
            "postcode",
            "schedule_text",
            "is_free",
            "cost",
            "first_visit",
            "ask_for",
            "getting_there",
            "step_free",
            "hearing_loop",
            "accessible_toilet",
            "little_talking",
            "slowest_pace",
            "languages",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
        ]


class SessionForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = ["weekday", "starts_at", "ends_at"]
        widgets = {
            "starts_at": TimeInput,
            "ends_at": TimeInput,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The end time must be after the start time")
        return data


SessionFormSet = inlineformset_factory(
    Asset, Session, form=SessionForm, extra=2, max_num=14, can_delete=True
)


class CapacityForm(VersionedFormMixin, NhsFormMixin, forms.Form):
    capacity = forms.ChoiceField(choices=Capacity.choices)
    member_count = forms.IntegerField(
        label="Members now", required=False, min_value=0, max_value=100000
    )


class DirectorySearchForm(NhsFormMixin, forms.Form):
    q = forms.CharField(label="Search words", required=False, max_length=100)
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any category"), *Category.choices]
    )
    postcode = forms.CharField(
        label="Near postcode", required=False, max_length=10, help_text="For example, M1 1AE"
    )
    within = forms.TypedChoiceField(
        label="Within",
        required=False,
        coerce=float,
        empty_value=None,
        choices=[
            ("", "Any distance"),
            ("1", "1 mile"),
            ("2", "2 miles"),
            ("5", "5 miles"),
            ("10", "10 miles"),
        ],
    )
    day = forms.TypedChoiceField(
        label="Day",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any day"), *Weekday.choices],
    )
    free = forms.BooleanField(label="Free only", required=False)
    citizen = forms.BooleanField(label="Citizen-led only", required=False)
    needs = forms.MultipleChoiceField(
        label="Accessibility needs",
        required=False,
        choices=list(ACCESS_NEEDS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "").strip()
        validate_postcode(value)
        return value

    def to_search(self) -> DirectorySearch:
        data = self.cleaned_data
        return DirectorySearch(
            q=data.get("q") or "",
            category=data.get("category") or "",
            postcode=data.get("postcode") or "",
            within_miles=data.get("within"),
            weekday=data.get("day"),
            free_only=bool(data.get("free")),
            needs=tuple(data.get("needs") or ()),
            citizen_led_only=bool(data.get("citizen")),
        )


class GapForm(NhsFormMixin, forms.ModelForm):
    people_count = forms.IntegerField(
        label="How many people",
        min_value=1,
        max_value=10000,
        initial=1,
        help_text="How many people you know of who wanted this.",
    )

    class Meta:
        model = Gap
        fields = ["what", "category", "area", "people_count"]
        help_texts = {
            "what": "What people wanted and could not find. No names or personal details.",
            "area": "A neighbourhood, town or postcode district, for example M14.",
        }


class GapStatusForm(forms.Form):
    status = forms.ChoiceField(choices=GapStatus.choices)


class ReportForm(NhsFormMixin, forms.Form):
    """A link worker's report on a listing."""

    required_messages = {"kind": "Choose what is wrong with the listing"}

    kind = forms.ChoiceField(
        label="What is wrong?",
        choices=[("", "Choose one"), *ListingReport.Kind.choices],
    )
    note = forms.CharField(
        label="What you know",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "For example: it moved to Tuesdays, or the phone number no longer works. "
            "Do not write anyone's name or personal details."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ListingReport.Kind.WRONG and not data.get("note", "").strip():
            self.add_error("note", "Say which details are wrong")
        return data
