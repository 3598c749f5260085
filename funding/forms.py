from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from assets.models import Asset, ListingStatus, Organisation
from socialrx.concurrency import VersionedFormMixin
from socialrx.forms import DateInput, NhsFormMixin

from .models import Award, LinkWorkerPost
from .periods import add_months, month_start, parse_month

MAX_MONTHS = 36


class MonthField(forms.Field):
    """A month typed as ``YYYY-MM``: its first day."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "nhsuk-input--width-10", "inputmode": "numeric"})

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(
                f"{self.label} must be a month written as year and month, like 2026-04"
            )
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError(
                f"{self.label} must be a month written as year and month, like 2026-04"
            ) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return value


class PeriodForm(NhsFormMixin, forms.Form):
    first = MonthField(label="From month", help_text="For example, 2026-04")
    last = MonthField(label="To month", help_text="For example, 2027-03")
    required_messages = {"first": "Enter the first month", "last": "Enter the last month"}

    @classmethod
    def default_initial(cls) -> dict[str, dt.date]:
        this = month_start(timezone.localdate())
        return {"first": add_months(this, -11), "last": this}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", "To month must be the same as or after From month")
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error("last", f"Choose a period of {MAX_MONTHS} months or fewer")
        return data


class _OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class _ListingsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Asset) -> str:
        return obj.name


def _only_funder(form: forms.BaseForm, funder_id: int | None, help_text: str = "") -> None:
    """A commissioner records only what their own funding body pays for: the funder field
    offers that body alone."""
    if funder_id is None:
        return
    field = cast(forms.ModelChoiceField, form.fields["funder"])
    field.queryset = Organisation.objects.filter(pk=funder_id)
    if help_text:
        field.help_text = help_text


class AwardForm(VersionedFormMixin, NhsFormMixin, forms.ModelForm):
    funder = _OrganisationField(queryset=Organisation.objects.order_by("name"))
    recipient = _OrganisationField(
        queryset=Organisation.objects.order_by("name"), label="Recipient organisation"
    )
    listings = _ListingsField(
        queryset=Asset.objects.filter(listing_status=ListingStatus.APPROVED).order_by("name"),
        required=False,
        label="Listings it funds",
        help_text="Leave empty when it funds every listing of the recipient.",
    )

    class Meta:
        model = Award
        fields = [
            "funder",
            "funder_type",
            "recipient",
            "amount",
            "starts_on",
            "ends_on",
            "route",
            "competitive",
            "purpose",
            "listings",
        ]
        labels = {
            "funder_type": "Kind of funder",
            "amount": "Amount in pounds",
            "starts_on": "Start date",
            "ends_on": "End date",
            "competitive": "It was awarded competitively",
        }
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    required_messages = {
        "funder": "Choose the funder",
        "funder_type": "Choose the kind of funder",
        "recipient": "Choose the recipient organisation",
        "amount": "Enter the amount in pounds",
        "starts_on": "Enter the start date",
        "ends_on": "Enter the end date",
        "route": "Choose the route",
    }

    def __init__(self, *args: Any, funder_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].error_messages["invalid"] = (
            "Amount must be a number of pounds, like 2500 or 2500.50"
        )
        _only_funder(self, funder_id, "Commissioners record the awards of their own funding body.")

    def clean_amount(self) -> Any:
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError("Amount must be 0 or more")
        return amount

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "End date must be the same as or after the start date")
        return data

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "listings"}


def award_shown(award: Award) -> dict[str, str]:
    """The award's fields as the edit form shows them (for the concurrency check)."""
    return {
        "funder": str(award.funder),
        "funder_type": award.get_funder_type_display(),
        "recipient": str(award.recipient),
        "amount": str(award.amount),
        "starts_on": award.starts_on.isoformat(),
        "ends_on": award.ends_on.isoformat(),
        "route": award.get_route_display(),
        "competitive": "Yes" if award.competitive else "No",
        "purpose": award.purpose,
    }


class PostForm(VersionedFormMixin, NhsFormMixin, forms.ModelForm):
    host = _OrganisationField(
        queryset=Organisation.objects.order_by("name"), label="Host organisation"
    )
    funder = _OrganisationField(
        queryset=Organisation.objects.order_by("name"), label="Who funds the post"
    )

    class Meta:
        model = LinkWorkerPost
        fields = ["title", "host", "funder", "fte", "population_covered", "starts_on", "ends_on"]
        labels = {
            "title": "Post title",
            "fte": "Full-time equivalent",
            "population_covered": "Registered patients covered",
            "starts_on": "Start date",
            "ends_on": "End date",
        }
        help_texts = {
            "fte": "1 for a full-time post, 0.5 for half time.",
            "title": "A post, not a person: for example Link worker, north PCN.",
        }
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    required_messages = {
        "title": "Enter the post title",
        "host": "Choose the host organisation",
        "funder": "Choose who funds the post",
        "fte": "Enter the full-time equivalent",
        "population_covered": "Enter the registered patients covered",
        "starts_on": "Enter the start date",
    }

    def __init__(self, *args: Any, funder_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fte"].error_messages["invalid"] = (
            "Full-time equivalent must be a number, like 1 or 0.6"
        )
        _only_funder(self, funder_id)

    def clean_fte(self) -> Any:
        fte = self.cleaned_data.get("fte")
        if fte is not None and not 0 < fte <= 1:
            raise forms.ValidationError("Full-time equivalent must be more than 0 and at most 1")
        return fte

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "End date must be the same as or after the start date")
        return data

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def post_shown(post: LinkWorkerPost) -> dict[str, str]:
    return {
        "title": post.title,
        "host": str(post.host),
        "funder": str(post.funder),
        "fte": str(post.fte),
        "population_covered": str(post.population_covered),
        "starts_on": post.starts_on.isoformat(),
        "ends_on": post.ends_on.isoformat() if post.ends_on else "",
    }


class PlacesForm(NhsFormMixin, forms.Form):
    places = forms.IntegerField(
        label="New people you can take each month",
        min_value=0,
        max_value=10000,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
        error_messages={
            "invalid": "Places must be a whole number, like 4",
            "min_value": "Places must be 0 or more",
            "max_value": "Places must be 10,000 or fewer",
        },
    )
    from_month = MonthField(label="From month", help_text="For example, 2026-04")
    required_messages = {
        "places": "Enter how many new people you can take each month",
        "from_month": "Enter the month it applies from",
    }
