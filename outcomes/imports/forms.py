from __future__ import annotations

from django import forms

from assets.oruk_fetch import FetchError, check_url
from socialrx.forms import NhsFormMixin

from . import KINDS

KIND_LABELS = {
    "practices": "Practices and PCNs (practices.csv)",
    "population": "Registered population (population.csv)",
    "lsoa_imd": "IMD decile by LSOA (lsoa_imd.csv)",
    "postcode_lsoa": "Postcode to LSOA (postcode_lsoa.csv)",
    "postcode_locations": "Postcode locations (postcode_locations.csv)",
    "appointments": "GP appointment extracts (appointments.csv)",
    "people": "People (people.csv)",
    "referrals": "Referrals (referrals.csv)",
    "conversations": "Conversations (conversations.csv)",
    "assets": "Community assets (assets.csv)",
    "connections": "Connections (connections.csv)",
    "champions": "Champions and volunteers (champions.csv)",
    "openreferral": "Open Referral UK v3 feed (directory listings)",
    "awards": "Funding awards (awards.csv)",
}


class ImportForm(NhsFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Kind of file",
        choices=[("", "Choose a kind of file"), *[(k, KIND_LABELS[k]) for k in KINDS]],
        help_text="Import in this order: each kind refers only to kinds above it. "
        + "Postcode locations and funding awards are this service's own extensions.",
        error_messages={"required": "Choose the kind of file you are importing"},
    )
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header row. A file with any bad row imports nothing.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file you chose is empty",
        },
    )


class OpenReferralForm(NhsFormMixin, forms.Form):
    source = forms.CharField(
        label="Name of the feed",
        max_length=200,
        help_text="For example, the council's directory. Listings are matched within one feed: "
        "use the same name each time you import it.",
        error_messages={"required": "Enter the name of the feed"},
    )
    url = forms.URLField(
        label="Web address of the feed",
        required=False,
        assume_scheme="https",
        help_text="Its Open Referral UK v3 address, like https://example.org/api/oruk/v3",
        error_messages={"invalid": "Enter a web address, like https://example.org/api/oruk/v3"},
    )
    file = forms.FileField(
        label="Or a JSON file",
        required=False,
        help_text="A service, a list of services, or a page of services (Open Referral UK v3).",
        error_messages={"empty": "The file you chose is empty"},
    )
    whole_feed = forms.BooleanField(
        label="The file holds every service of the feed",
        required=False,
        help_text="Then a listing from this feed that is not in the file is marked as no longer "
        "in the feed, for you to review (it is never deleted). A web address is always read "
        "whole.",
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if not self.errors:
            url, upload = data.get("url"), data.get("file")
            if url and upload:
                self.add_error("url", "Give a web address or a file, not both")
            elif not url and not upload:
                self.add_error("url", "Enter the web address of the feed, or choose a JSON file")
            elif url:
                try:
                    check_url(url)
                except FetchError as exc:
                    self.add_error("url", str(exc))
        return data
