from __future__ import annotations

from django import forms

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
