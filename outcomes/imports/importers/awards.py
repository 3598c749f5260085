"""Funding awards (``awards.csv``, docs/imports.md): who funded whom, how much, when, by which
route, and the listings it funds. Organisations are matched on their name as the directory
holds it (ignoring case); listings on their ``asset_ref``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db.models.functions import Lower

from assets.models import Asset, Organisation
from funding.models import Award, FunderType, Route

from ..columns import Column, Invalid, choice, date, ref, text
from ..importer import Importer, Row, not_before

_MONEY = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
MAX_LISTINGS = 50


def parse_amount(text: str) -> Decimal:
    cleaned = text.replace(",", "").removeprefix("£")
    if not _MONEY.match(cleaned):
        raise Invalid("is not an amount of pounds")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise Invalid("is not an amount of pounds") from None


def parse_refs(text: str) -> list[str]:
    refs = [r.strip() for r in text.split(";") if r.strip()]
    if len(refs) > MAX_LISTINGS:
        raise Invalid(f"names more than {MAX_LISTINGS} listings")
    if any(len(r) > 64 for r in refs):
        raise Invalid("holds a reference longer than 64 characters")
    return refs


class AwardsImporter(Importer):
    kind = "awards"
    columns = (
        ref("award_ref", required=True),
        text("funder", max_length=200, required=True),
        choice("funder_type", FunderType.values, required=True),
        text("recipient", max_length=200, required=True),
        Column(
            "amount",
            "an amount of pounds, 0 or more, with at most two decimal places (like 2500 or "
            "2500.50)",
            parse_amount,
            required=True,
        ),
        date("starts_on", required=True),
        date("ends_on", required=True),
        choice("route", Route.values, required=True),
        choice("competitive", ("yes", "no"), required=True),
        text("purpose", max_length=500, optional=True),
        Column(
            "listing_refs",
            "the asset_ref of each listing it funds, separated by ; (empty: every listing of "
            "the recipient)",
            parse_refs,
            optional=True,
        ),
    )

    def check_row(self, row: Row) -> None:
        self.once_in_file(row, "award_ref", row.values["award_ref"])
        not_before(row, "ends_on", "starts_on")

    def resolve(self, rows: list[Row]) -> None:
        names = {r.values[c].lower() for r in rows for c in ("funder", "recipient")}
        found: dict[str, list[int]] = {}
        for pk, name in (
            Organisation.objects.annotate(key=Lower("name"))
            .filter(key__in=names)
            .values_list("pk", "key")
        ):
            found.setdefault(name, []).append(pk)
        refs = {ref for r in rows for ref in (r.values.get("listing_refs") or [])}
        assets = dict(Asset.objects.filter(asset_ref__in=refs).values_list("asset_ref", "pk"))
        for row in rows:
            v = row.values
            for column in ("funder", "recipient"):
                matches = found.get(v[column].lower(), [])
                if len(matches) == 1:
                    v[f"{column}_id"] = matches[0]
                elif matches:
                    row.error(
                        column,
                        f'"{v[column][:40]}" is the name of {len(matches)} organisations',
                        "the name of exactly one organisation in the directory",
                    )
                else:
                    row.error(
                        column,
                        f'"{v[column][:40]}" matches no organisation',
                        "the name of an organisation in the directory",
                    )
            v["asset_ids"] = []
            for listing_ref in v.get("listing_refs") or []:
                if listing_ref in assets:
                    v["asset_ids"].append(assets[listing_ref])
                else:
                    self.missing_ref(row, "listing_refs", listing_ref, "listing", "assets.csv")

    def write(self, rows: list[Row]) -> None:
        self.upsert(
            Award,
            "award_ref",
            {
                r.values["award_ref"]: {
                    "funder_id": r.values["funder_id"],
                    "funder_type": r.values["funder_type"],
                    "recipient_id": r.values["recipient_id"],
                    "amount": r.values["amount"],
                    "starts_on": r.values["starts_on"],
                    "ends_on": r.values["ends_on"],
                    "route": r.values["route"],
                    "competitive": r.values["competitive"] == "yes",
                    "purpose": r.values.get("purpose") or "",
                }
                for r in rows
            },
        )
        # Listings are set for every row (an unchanged award keeps its listings as in the file).
        by_ref = dict(
            Award.objects.filter(award_ref__in=[r.values["award_ref"] for r in rows]).values_list(
                "award_ref", "pk"
            )
        )
        through = Award.listings.through
        through.objects.filter(award_id__in=by_ref.values()).delete()
        through.objects.bulk_create(
            [
                through(award_id=by_ref[r.values["award_ref"]], asset_id=asset_id)
                for r in rows
                for asset_id in dict.fromkeys(r.values["asset_ids"])
            ],
            batch_size=1000,
        )
