"""Importing an Open Referral UK v3 feed into the directory (docs/api.md, "Importing a feed").

A feed is read whole (from a file, or over the web: every page of ``/services`` then each
``/services/{id}``), every service is checked, and only then is anything written, in one
transaction: a feed with any bad service imports nothing, and the report names each service
(its position and id), the field, what is wrong and what was expected.

Listings are matched on (feed, the feed's id for the service), so importing the same feed
twice changes nothing the second time. Each imported listing records its feed, the feed's id,
the feed's ``last_modified`` and when an import last saw it, and the values the import wrote
(``Asset.feed_values``). On a later import, a field whose value the directory changed since
(a keeper's edit) is never overwritten: the listing keeps it and an ``AssetChange`` marked for
review shows both values on the moderation page.

Fetching is one function (``fetch(url) -> bytes``) passed in, so tests never use the network.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError as FieldError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from socialrx.validators import format_postcode, validate_postcode

from . import oruk, oruk_fetch
from .models import (
    Asset,
    AssetChange,
    AssetKind,
    Capacity,
    Category,
    LedBy,
    ListingStatus,
    Organisation,
    OrganisationKind,
    OrukSource,
    Session,
)

KIND = "openreferral"
MAX_LISTED = 100
MAX_SERVICES = 100_000
MAX_FEED_BYTES = 1024 * 1024 * 1024  # every document of one feed read over the web, together
PER_PAGE = 200
DEFAULT_CATEGORY = Category.VOLUNTEERING_COMMUNITY

Fetch = Callable[[str], bytes]
Progress = Callable[[int, int | None], None]

# The listing's fields an import writes; anything else (keepers, members, capacity notes made
# in the app ...) is the directory's own.
FIELDS = [
    "name",
    "description",
    "category",
    "kind",
    "led_by",
    "organisation",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "ask_for",
    "first_visit",
    "venue_name",
    "address",
    "postcode",
    "getting_there",
    "step_free",
    "hearing_loop",
    "accessible_toilet",
    "little_talking",
    "slowest_pace",
    "is_free",
    "cost",
    "languages",
    "schedule_text",
    "sessions",
    "capacity",
]


class FeedError(Exception):
    """The feed cannot be read at all (not JSON, not an ORUK document, the web address did not
    answer)."""


def fetch_url(url: str) -> bytes:
    """GET ``url`` (http or https only, never an address on a private network, at most 50 MB:
    ``assets.oruk_fetch``), JSON expected."""
    try:
        return oruk_fetch.fetch(url)
    except oruk_fetch.PrivateAddressError:
        raise FeedError(f"{url}: {oruk_fetch.PRIVATE[0].lower()}{oruk_fetch.PRIVATE[1:]}") from None
    except oruk_fetch.FetchError as exc:
        raise FeedError(str(exc)) from None


def _json(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"{where} is not JSON: {exc}") from None


def services_from_document(document: Any) -> list[Any]:
    """A file: one service, a list of services, or an ORUK page (``contents``)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        return list(document["contents"])
    if isinstance(document, dict) and "id" in document and "name" in document:
        return [document]
    raise FeedError(
        "the file is not an Open Referral UK v3 document: expected a service, a list of "
        "services, or a page of services (with 'contents')"
    )


def services_from_file(path_or_file: str | Path | IO[bytes]) -> list[Any]:
    if isinstance(path_or_file, str | Path):
        raw = Path(path_or_file).read_bytes()
    else:
        raw = path_or_file.read()
        if isinstance(raw, str):
            raw = raw.encode()
    return services_from_document(_json(raw, "the file"))


def services_from_url(
    base: str, *, fetch: Fetch | None = None, on_progress: Progress | None = None
) -> list[Any]:
    """Every service of the feed at ``base`` (its ORUK v3 root): the pages of ``/services``
    for the ids, then each ``/services/{id}``, fully nested. ``fetch`` defaults to
    ``fetch_url`` (looked up when called, so tests can stand in for the network)."""
    fetch = fetch or fetch_url
    base = base.rstrip("/")
    read = 0

    def get(url: str) -> Any:
        nonlocal read
        raw = fetch(url)
        read += len(raw)
        if read > MAX_FEED_BYTES:
            raise FeedError(
                f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024):,} MB in all"
            )
        return _json(raw, url)

    ids: list[str] = []
    page = 1
    while True:
        url = f"{base}/services?page={page}&per_page={PER_PAGE}"
        document = get(url)
        if not isinstance(document, dict) or not isinstance(document.get("contents"), list):
            raise FeedError(f"{url} is not an Open Referral UK v3 page of services")
        ids.extend(
            str(item.get("id", "")) for item in document["contents"] if isinstance(item, dict)
        )
        total_pages = document.get("total_pages")
        if not document["contents"] or document.get("last_page") is True:
            break
        if isinstance(total_pages, int) and page >= total_pages:
            break
        page += 1
        if len(ids) > MAX_SERVICES:
            raise FeedError(f"the feed lists more than {MAX_SERVICES:,} services")
    services = []
    for done, sid in enumerate(ids, start=1):
        url = f"{base}/services/{urllib.parse.quote(sid, safe='')}"
        services.append(get(url))
        if on_progress:
            on_progress(done, len(ids))
    return services


# --- Checking and mapping ------------------------------------------------------------------


@dataclass
class Problem:
    number: int  # the service's position in the feed, from 1; 0 for the whole feed
    service_id: str
    field: str
    problem: str
    expected: str

    def as_dict(self) -> dict[str, Any]:
        where = f"service {self.number}" + (f" (id {self.service_id})" if self.service_id else "")
        if not self.number:
            where = "the feed"
        return {
            "line": self.number,
            "column": self.field,
            "problem": self.problem,
            "expected": self.expected,
            "message": f"{where}, {self.field or 'the service'}: {self.problem}; "
            f"expected {self.expected}",
        }


@dataclass
class Result:
    kind: str = KIND
    rows: int = 0
    listings: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    default_category: int = 0
    problems: list[Problem] = field(default_factory=list)
    bad_rows: int = 0
    feed_problem: str = ""
    whole_feed: bool = False
    left: int = 0
    returned: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.feed_problem

    def summary(self) -> str:
        if self.feed_problem:
            return f"Nothing imported: {self.feed_problem}."
        if not self.ok:
            bad = "1 bad service" if self.bad_rows == 1 else f"{self.bad_rows:,} bad services"
            return f"Nothing imported: {bad} in the feed."
        places = (
            f" at {self.listings:,} places (a listing for each)"
            if self.listings != self.rows
            else ""
        )
        text = (
            f"Imported {self.rows:,} services{places}: {self.created:,} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged."
        )
        if self.left:
            text += (
                f" {self.left:,} listing{'s are' if self.left != 1 else ' is'} no longer in "
                "the feed: kept, and marked for review on the moderation page."
            )
        if self.returned:
            text += f" {self.returned:,} back in the feed."
        if self.whole_feed and not self.rows:
            text += " The feed has no services: no listing was marked as gone."
        if self.conflicts:
            text += (
                f" {self.conflicts:,} listing{'s' if self.conflicts != 1 else ''} kept a local "
                "edit the feed differs from: see the moderation page."
            )
        if self.default_category:
            text += (
                f" {self.default_category:,} had no directory category and were put under "
                f'"{DEFAULT_CATEGORY.label}".'
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": 0,
            "listings": self.listings,
            "left": self.left,
            "returned": self.returned,
            "conflicts": self.conflicts,
            "bad_rows": self.bad_rows,
            "busy": False,
            "unlisted_bad_rows": max(0, self.bad_rows - MAX_LISTED),
            "problems": [p.as_dict() for p in self.problems],
            "summary": self.summary(),
        }


@dataclass
class Incoming:
    """One service of the feed at one of its places, as the listing's values."""

    ref: str
    place: str  # the feed's id for the place ("" for a service with none)
    values: dict[str, Any]
    organisation: dict[str, Any] | None
    modified: dt.datetime | None
    assured: dt.datetime | None
    status: str
    used_default_category: bool = False


class _Checker:
    def __init__(self, number: int, ref: str, result: Result) -> None:
        self.number, self.ref, self.result = number, ref, result
        self.bad = False

    def error(self, where: str, problem: str, expected: str) -> None:
        if not self.bad:
            self.result.bad_rows += 1
            self.bad = True
        if self.result.bad_rows <= MAX_LISTED:
            self.result.problems.append(Problem(self.number, self.ref, where, problem, expected))

    def text(
        self, data: dict, key: str, *, where: str = "", most: int = 0, required: bool = False
    ) -> str:
        where = where or key
        value = data.get(key)
        if value is None:
            if required:
                self.error(where, "this is missing", "text")
            return ""
        if not isinstance(value, str):
            self.error(where, f"{json.dumps(value)[:60]} is not text", "text")
            return ""
        value = value.strip()
        if required and not value:
            self.error(where, "this is empty", "text")
        if most and len(value) > most:
            self.error(where, f"this is {len(value)} characters long", f"at most {most}")
        return value

    def items(self, data: dict, key: str) -> list[dict]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(key, "this is not a list of objects", "a list of objects")
            return []
        return value


_NAMES = {c.label.lower(): c.value for c in Category} | {c.value: c.value for c in Category}


def _category(attributes: list[dict]) -> str | None:
    for attribute in attributes:
        term = attribute.get("taxonomy_term") or {}
        if not isinstance(term, dict):
            continue
        known = oruk.TERMS_BY_ID.get(str(term.get("id", attribute.get("taxonomy_term_id", ""))))
        if known is not None and known.taxonomy == "category":
            return known.code
        if term.get("taxonomy") == oruk.TAXONOMIES["category"].name:
            code = _NAMES.get(str(term.get("term", "")).lower())
            if code:
                return code
    for attribute in attributes:
        term = attribute.get("taxonomy_term") or {}
        if isinstance(term, dict):
            code = _NAMES.get(str(term.get("name", "")).strip().lower())
            if code:
                return code
    for attribute in attributes:
        term = attribute.get("taxonomy_term") or {}
        if isinstance(term, dict):
            code = _published_category(term, attribute)
            if code:
                return code
    return None


def _published_category(term: dict, attribute: dict) -> str | None:
    """The category of an LGA service type that belongs to one category only (docs/api.md,
    "Taxonomies"), known by its ``term_uri`` (http://id.esd.org.uk/service/298), its
    Open Referral UK CURIE (``esdServiceType:298``) or our own id for it."""
    ours = oruk.TERMS_BY_ID.get(str(term.get("id", attribute.get("taxonomy_term_id", ""))))
    uris = [ours.term_uri] if ours is not None and ours.term_uri else []
    uri = str(term.get("term_uri") or "").strip().lower().rstrip("/")
    if uri:
        uris.append(uri.replace("https://", "http://", 1))
    for value in (term.get("id"), term.get("code"), term.get("term")):
        prefix, _, number = str(value or "").strip().partition(":")
        if prefix.lower() == "esdservicetype" and number.isdigit():
            uris.append(f"http://id.esd.org.uk/service/{number}")
    for candidate in uris:
        if candidate in oruk.CATEGORY_BY_PUBLISHED:
            return oruk.CATEGORY_BY_PUBLISHED[candidate]
    return None


def _local_code(attributes: list[dict], taxonomy: str, choices: Iterable[str]) -> str | None:
    for attribute in attributes:
        term = attribute.get("taxonomy_term") or {}
        if not isinstance(term, dict):
            continue
        known = oruk.TERMS_BY_ID.get(str(term.get("id", "")))
        if known is not None and known.taxonomy == taxonomy and known.code in choices:
            return known.code
    return None


def _time(checker: _Checker, where: str, raw: Any) -> dt.time | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        text = raw.strip().rstrip("Z")
        for cut in ("+", "-"):
            if cut in text[1:]:
                text = text[: text.index(cut, 1)]
        try:
            return dt.time.fromisoformat(text).replace(second=0, microsecond=0)
        except ValueError:
            pass
    checker.error(where, f"{json.dumps(raw)[:40]} is not a time", "a time as HH:MM, like 10:30")
    return None


def _moment(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str):
        return None
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        moment = dt.datetime.combine(day, dt.time(12)) if day else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def map_service(number: int, service: Any, result: Result) -> list[Incoming] | None:
    """Check one service and turn it into the listings' values, one for each of its places
    (``None`` when bad)."""
    if not isinstance(service, dict):
        checker = _Checker(number, "", result)
        checker.error("", "this is not an object", "an Open Referral UK v3 service")
        return None
    ref = service.get("id")
    checker = _Checker(number, str(ref or "")[:100], result)
    if not isinstance(ref, str) or not ref.strip():
        checker.error("id", "the service has no id", "the feed's identifier of the service")
        ref = ""
    elif len(ref) > 100:
        checker.error("id", f"the id is {len(ref)} characters long", "at most 100")
    status = checker.text(service, "status", required=True)
    if status and status not in ("active", "inactive", "defunct", "temporarily closed"):
        checker.error(
            "status",
            f'"{status}" is not a status',
            "active, inactive, defunct or temporarily closed",
        )
    values: dict[str, Any] = {
        "name": checker.text(service, "name", required=True, most=200),
        "description": checker.text(service, "description"),
        "website": checker.text(service, "url", most=200),
        "first_visit": checker.text(service, "application_process", most=500),
    }
    if values["website"]:
        try:
            URLValidator()(values["website"])
        except FieldError:
            checker.error("url", f'"{values["website"][:60]}" is not a web address', "https://…")
    attributes = checker.items(service, "attributes")
    category = _category(attributes)
    values["category"] = category or DEFAULT_CATEGORY.value
    values["kind"] = _local_code(attributes, "kind", AssetKind.values) or AssetKind.GROUP
    organisation = service.get("organization")
    if organisation is not None and not isinstance(organisation, dict):
        checker.error("organization", "this is not an object", "an organisation")
        organisation = None
    org: dict[str, Any] | None = None
    if organisation:
        org = {
            "name": checker.text(
                organisation, "name", where="organization.name", required=True, most=200
            ),
            "description": checker.text(
                organisation, "description", where="organization.description"
            ),
            "website": checker.text(
                organisation, "website", where="organization.website", most=200
            ),
            "email": checker.text(organisation, "email", where="organization.email", most=254),
            "kind": _local_code(
                checker.items(organisation, "attributes"),
                "organisation_kind",
                OrganisationKind.values,
            )
            or OrganisationKind.VCSE,
        }
    values["led_by"] = _local_code(attributes, "led_by", LedBy.values) or (
        LedBy.VCSE if org else LedBy.CITIZEN
    )

    # Contacts: the public contact, and who to ask for.
    values.update(contact_name="", contact_email="", contact_phone="", ask_for="")
    for i, contact in enumerate(checker.items(service, "contacts")):
        where = f"contacts[{i}]"
        if contact.get("title") == oruk.ASK_FOR_TITLE:
            values["ask_for"] = checker.text(contact, "name", where=where + ".name", most=120)
            continue
        if values["contact_name"] or values["contact_email"] or values["contact_phone"]:
            continue
        values["contact_name"] = checker.text(contact, "name", where=where + ".name", most=120)
        values["contact_email"] = checker.text(contact, "email", where=where + ".email", most=254)
        phones = checker.items(contact, "phones")
        if phones:
            values["contact_phone"] = checker.text(
                phones[0], "number", where=where + ".phones[0].number", most=30
            )
    if not values["contact_email"]:
        values["contact_email"] = checker.text(service, "email", most=254)
    if values["contact_email"]:
        try:
            EmailValidator()(values["contact_email"])
        except FieldError:
            checker.error(
                "email",
                f'"{values["contact_email"][:60]}" is not an email address',
                "name@example.org",
            )

    # Places: one listing for each service_at_location (the directory holds one place per
    # listing, and a link worker searches by postcode), or one without a place.
    places: list[tuple[str, dict[str, Any]]] = []
    seen_places: set[str] = set()
    sals = checker.items(service, "service_at_locations")
    for i, sal in enumerate(sals):
        place = _place(checker, i, sal, values["name"])
        if place[0] in seen_places:
            checker.error(
                f"service_at_locations[{i}].id",
                "this id is given to an earlier place of this service too",
                "a different id for each place",
            )
        seen_places.add(place[0])
        places.append(place)
    if not places:
        places.append(("", _place_values()))

    # Cost.
    costs = checker.items(service, "cost_options")
    values["is_free"], values["cost"] = True, ""
    if costs:
        cost = costs[0]
        described = checker.text(
            cost, "amount_description", where="cost_options[0].amount_description", most=200
        )
        amount = cost.get("amount")
        if amount not in (None, 0) or (described and described.lower() != "free"):
            values["is_free"] = False
            priced = f"£{amount:g}" if isinstance(amount, int | float) and amount else ""
            values["cost"] = " ".join(p for p in (priced, described) if p)[:200]
    values["languages"] = ", ".join(
        str(lang.get("name", "")).strip()
        for lang in checker.items(service, "languages")
        if str(lang.get("name", "")).strip()
    )[:200]

    # Schedules: weekly sessions; the words of the first description.
    sessions: list[list[Any]] = []
    values["schedule_text"] = ""
    for i, schedule in enumerate(checker.items(service, "schedules")):
        where = f"schedules[{i}]"
        if not values["schedule_text"]:
            values["schedule_text"] = checker.text(
                schedule, "description", where=where + ".description", most=300
            )
        byday = schedule.get("byday")
        opens = _time(checker, where + ".opens_at", schedule.get("opens_at"))
        closes = _time(checker, where + ".closes_at", schedule.get("closes_at"))
        if not byday or opens is None:
            continue
        if schedule.get("freq") not in (None, "WEEKLY"):
            continue
        for day in str(byday).split(","):
            day = day.strip().upper()
            if day not in oruk.DAYS:
                checker.error(
                    where + ".byday", f'"{day[:10]}" is not a day', "MO, TU, WE, TH, FR, SA or SU"
                )
                continue
            if closes is not None and closes <= opens:
                checker.error(
                    where + ".closes_at", "it closes before it opens", "a time after opens_at"
                )
                continue
            sessions.append(
                [
                    oruk.DAYS.index(day),
                    opens.strftime("%H:%M"),
                    closes.strftime("%H:%M") if closes else None,
                ]
            )
    values["sessions"] = sorted(sessions, key=lambda s: (s[0], s[1]))

    alert = str(service.get("alert") or "")
    values["capacity"] = Capacity.OPEN
    if status == "temporarily closed":
        values["capacity"] = Capacity.PAUSED
    else:
        for capacity, text in oruk.ALERTS.items():
            if alert == text:
                values["capacity"] = capacity
    if checker.bad:
        return None
    return [
        Incoming(
            ref=ref,
            place=place,
            values=values | located,
            organisation=org,
            modified=_moment(service.get("last_modified")),
            assured=_moment(service.get("assured_date")),
            status=status,
            used_default_category=category is None,
        )
        for place, located in places
    ]


def _place_values() -> dict[str, Any]:
    return {
        "venue_name": "",
        "address": "",
        "postcode": "",
        "getting_there": "",
        "step_free": None,
        "hearing_loop": None,
        "accessible_toilet": None,
        "little_talking": False,
        "slowest_pace": False,
    }


def _place(checker: _Checker, i: int, sal: dict, name: str) -> tuple[str, dict[str, Any]]:
    """(the feed's id for the place, the listing's place fields) of one service_at_location."""
    values = _place_values()
    where = f"service_at_locations[{i}]"
    location = sal.get("location") or {}
    if not isinstance(location, dict):
        checker.error(where + ".location", "this is not an object", "a location")
        location = {}
    ref = str(sal.get("id") or location.get("id") or f"#{i + 1}").strip()
    if len(ref) > 100:
        checker.error(where + ".id", f"the id is {len(ref)} characters long", "at most 100")
    where += ".location"
    venue = checker.text(location, "name", where=where + ".name", most=200)
    # A place named as the service itself has no venue name of its own (the export names
    # a venue-less place after its listing).
    values["venue_name"] = "" if venue == name else venue
    values["getting_there"] = checker.text(
        location, "description", where=where + ".description", most=500
    )
    addresses = checker.items(location, "addresses")
    if addresses:
        address = addresses[0]
        line = checker.text(address, "address_1", where=where + ".addresses[0].address_1")
        town = checker.text(address, "city", where=where + ".addresses[0].city")
        values["address"] = ", ".join(p for p in (line, town) if p)
        if len(values["address"]) > 300:
            checker.error(
                where + ".addresses[0]", "the address is too long", "at most 300 characters"
            )
        postcode = checker.text(address, "postal_code", where=where + ".addresses[0].postal_code")
        country = str(address.get("country") or "GB").strip().upper()
        if postcode:
            try:
                validate_postcode(postcode)
                values["postcode"] = format_postcode(postcode)
            except FieldError:
                if country in ("GB", "UK"):
                    checker.error(
                        where + ".addresses[0].postal_code",
                        f'"{postcode[:20]}" is not a full UK postcode',
                        "a postcode like M1 1AE",
                    )
                else:
                    # Not a UK postcode, outside the UK: kept in the address, not searched
                    # by distance.
                    values["address"] = ", ".join(p for p in (values["address"], postcode) if p)[
                        :300
                    ]
    answers = {label.lower(): key for key, label in oruk.ACCESS_ANSWERS.items()}
    for item in checker.items(location, "accessibility"):
        said = str(item.get("accessibility") or item.get("description") or "").strip().lower()
        if said in answers:
            flag, answer = answers[said]
            values[flag] = answer
    return ref, values


# --- Writing -------------------------------------------------------------------------------


def _current(asset: Asset) -> dict[str, Any]:
    values = {f: getattr(asset, f) for f in FIELDS if f not in ("organisation", "sessions")}
    org = asset.organisation
    values["organisation"] = org.name if org else ""
    values["sessions"] = [
        [
            s.weekday,
            s.starts_at.strftime("%H:%M"),
            s.ends_at.strftime("%H:%M") if s.ends_at else None,
        ]
        for s in asset.sessions.all()
    ]
    return values


def _comparable(values: dict[str, Any], org: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(values)
    out["organisation"] = org["name"] if org else ""
    return out


def _organisation(
    org: dict[str, Any] | None, cache: dict[str, Organisation]
) -> Organisation | None:
    if not org:
        return None
    if org["name"] in cache:
        return cache[org["name"]]
    found = Organisation.objects.filter(name=org["name"]).order_by("pk").first()
    if found is None:
        found = Organisation.objects.create(
            name=org["name"],
            kind=org["kind"],
            description=org["description"],
            website=org["website"],
            email=org["email"],
        )
    cache[org["name"]] = found
    return found


def _apply(
    asset: Asset, incoming: Incoming, fields: Iterable[str], orgs: dict[str, Organisation]
) -> None:
    for name in fields:
        if name == "organisation":
            asset.organisation = _organisation(incoming.organisation, orgs)
        elif name != "sessions":
            setattr(asset, name, incoming.values[name])


def _write_sessions(asset: Asset, sessions: list[list[Any]]) -> None:
    asset.sessions.all().delete()
    Session.objects.bulk_create(
        Session(
            asset=asset,
            weekday=day,
            starts_at=dt.time.fromisoformat(start),
            ends_at=dt.time.fromisoformat(end) if end else None,
        )
        for day, start, end in sessions
    )


def _json_safe(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | list | type(None)) else str(value)


def oruk_import(
    *,
    source: str,
    services: list[Any],
    url: str = "",
    by: Any = None,
    on_progress: Progress | None = None,
    whole_feed: bool = False,
) -> Result:
    """Import ``services`` (ORUK v3 service documents) from the feed named ``source``, all or
    nothing. ``whole_feed``: ``services`` is every service of the feed (read from its web
    address, or a file said to hold them all), so a listing from this feed that is no longer
    in it is flagged (never deleted)."""
    from .oruk_api import bump_generation

    result = Result(rows=len(services), whole_feed=whole_feed)
    checked: list[Incoming] = []
    seen: set[str] = set()
    for number, service in enumerate(services, start=1):
        incomings = map_service(number, service, result)
        if incomings is None:
            continue
        ref = incomings[0].ref
        if ref in seen:
            _Checker(number, ref, result).error(
                "id",
                "this id is given to an earlier service too",
                "a different id for each service",
            )
            continue
        seen.add(ref)
        checked.extend(incomings)
        if incomings[0].used_default_category:
            result.default_category += 1
    if not result.ok:
        return result

    result.listings = len(checked)
    now = timezone.now()
    with transaction.atomic():
        feed, _ = OrukSource.objects.get_or_create(name=source[:200], defaults={"url": url})
        if url and feed.url != url:
            feed.url = url
        matched = _match(feed, checked)
        orgs: dict[str, Organisation] = {}
        back: list[Asset] = []
        for done, incoming in enumerate(checked, start=1):
            asset = matched.get(id(incoming))
            wanted = _comparable(incoming.values, incoming.organisation)
            if asset is None:
                _create(feed, incoming, wanted, orgs, now, by)
                result.created += 1
            else:
                if asset.feed_left_at is not None:
                    back.append(asset)
                outcome = _update(asset, incoming, wanted, orgs, now, by)
                if outcome == "conflict":
                    result.conflicts += 1
                    result.updated += 1
                elif outcome == "updated":
                    result.updated += 1
                else:
                    result.unchanged += 1
            if on_progress and (done % 200 == 0 or done == len(checked)):
                on_progress(done, len(checked))
        _back_in_feed(feed, back, by, now)
        result.returned = len(back)
        if whole_feed and checked:
            result.left = _left_feed(feed, by, now)
        feed.last_imported_at = now
        feed.save()
    bump_generation()
    return result


def _match(feed: OrukSource, checked: list[Incoming]) -> dict[int, Asset]:
    """The listing each incoming (service, place) updates, keyed by ``id(incoming)``.

    The same (service id, place id) first. Then, within one service, a place the listings do
    not know takes a listing whose place the feed no longer gives (the same postcode first,
    then in order): a feed that renumbers its places, or a listing imported before places
    were told apart, keeps its listing instead of gaining a new one."""
    refs = {i.ref for i in checked}
    by_service: dict[str, list[Asset]] = {}
    for asset in (
        Asset.objects.filter(feed=feed, feed_ref__in=list(refs))
        .select_related("organisation")
        .prefetch_related("sessions")
        .order_by("feed_ref", "pk")
    ):
        by_service.setdefault(asset.feed_ref, []).append(asset)
    matched: dict[int, Asset] = {}
    waiting: dict[str, list[Incoming]] = {}
    for incoming in checked:
        assets = by_service.get(incoming.ref, [])
        exact = next((a for a in assets if a.feed_place_ref == incoming.place), None)
        if exact is not None:
            matched[id(incoming)] = exact
            assets.remove(exact)
        else:
            waiting.setdefault(incoming.ref, []).append(incoming)
    for ref, incomings in waiting.items():
        free = by_service.get(ref, [])
        places = {i.place for i in checked if i.ref == ref}
        free = [a for a in free if a.feed_place_ref not in places]
        for incoming in incomings:
            if not free:
                break
            postcode = incoming.values["postcode"]
            asset = next((a for a in free if postcode and a.postcode == postcode), free[0])
            free.remove(asset)
            asset.feed_place_ref = incoming.place
            matched[id(incoming)] = asset
    return matched


def _back_in_feed(feed: OrukSource, assets: list[Asset], by: Any, now: dt.datetime) -> None:
    if not assets:
        return
    Asset.objects.filter(pk__in=[a.pk for a in assets]).update(feed_left_at=None)
    AssetChange.objects.bulk_create(
        AssetChange(
            asset=asset,
            action=AssetChange.Action.IMPORTED,
            by=by,
            at=now,
            changes={"feed": ["no longer in the feed", f"back in {feed.name}"]},
        )
        for asset in assets
    )


def _left_feed(feed: OrukSource, by: Any, now: dt.datetime) -> int:
    """Flag this feed's listings that the import did not find (every one it found was seen
    ``now``): each is kept as it is, marked (``feed_left_at``) and put on the moderation page
    for review. Never other feeds' or local listings, nor one flagged already."""
    gone = list(
        Asset.objects.filter(feed=feed, feed_left_at__isnull=True)
        .filter(Q(feed_seen_at__isnull=True) | Q(feed_seen_at__lt=now))
        .values_list("pk", "feed_ref")
    )
    if not gone:
        return 0
    for chunk in range(0, len(gone), 1000):
        pks = [pk for pk, _ref in gone[chunk : chunk + 1000]]
        Asset.objects.filter(pk__in=pks).update(feed_left_at=now)
    AssetChange.objects.bulk_create(
        AssetChange(
            asset_id=pk,
            action=AssetChange.Action.LEFT_FEED,
            by=by,
            at=now,
            changes={"feed": [f"{feed.name}: {ref}", "no longer in the feed"]},
            needs_review=True,
        )
        for pk, ref in gone
    )
    return len(gone)


def _create(
    feed: OrukSource,
    incoming: Incoming,
    wanted: dict[str, Any],
    orgs: dict[str, Organisation],
    now: dt.datetime,
    by: Any,
) -> None:
    asset = Asset(
        feed=feed,
        feed_ref=incoming.ref,
        feed_place_ref=incoming.place,
        feed_modified_at=incoming.modified,
        feed_seen_at=now,
        feed_values={k: _json_safe(v) for k, v in wanted.items()},
        listing_status=ListingStatus.APPROVED,
        last_confirmed_at=incoming.assured,
    )
    _apply(asset, incoming, FIELDS, orgs)
    if incoming.status in ("inactive", "defunct"):
        asset.ended_on = timezone.localdate()
    # Keep the feed's own UUIDs as ours when they are UUIDs and free: a listing then has the
    # same ids in both directories (and socialrx's own export round-trips its ids). A service
    # at several places gives its id to the first place's listing.
    for field_name, ref in (("oruk_id", incoming.ref), ("oruk_sal_id", incoming.place)):
        try:
            ours = uuid.UUID(ref)
        except ValueError:
            continue
        if not Asset.objects.filter(**{field_name: ours}).exists():
            setattr(asset, field_name, ours)
    asset.save()
    _write_sessions(asset, incoming.values["sessions"])
    where = f" at {incoming.place}" if incoming.place else ""
    AssetChange.objects.create(
        asset=asset,
        action=AssetChange.Action.CREATED,
        by=by,
        changes={"source": [None, f"{feed.name}: {incoming.ref}{where}"]},
    )


def _update(
    asset: Asset,
    incoming: Incoming,
    wanted: dict[str, Any],
    orgs: dict[str, Organisation],
    now: dt.datetime,
    by: Any,
) -> str:
    last = asset.feed_values or {}
    current = _current(asset)
    safe_wanted = {k: _json_safe(v) for k, v in wanted.items()}
    apply: list[str] = []
    conflicts: dict[str, list[Any]] = {}
    for name in FIELDS:
        if safe_wanted[name] == last.get(name):
            continue  # the feed has not changed it since the last import
        if safe_wanted[name] == _json_safe(current[name]):
            continue  # already so
        if _json_safe(current[name]) != last.get(name):
            conflicts[name] = [_json_safe(current[name]), safe_wanted[name]]
        else:
            apply.append(name)
    changed_meta = safe_wanted != last or asset.feed_modified_at != incoming.modified
    asset.feed_seen_at = now
    if not apply and not conflicts and not changed_meta:
        Asset.objects.filter(pk=asset.pk).update(
            feed_seen_at=now, feed_place_ref=asset.feed_place_ref
        )
        return "unchanged"
    before = {name: _json_safe(current[name]) for name in apply}
    _apply(asset, incoming, apply, orgs)
    asset.feed_values = safe_wanted
    asset.feed_modified_at = incoming.modified
    if incoming.assured and (
        asset.last_confirmed_at is None or incoming.assured > asset.last_confirmed_at
    ):
        asset.last_confirmed_at = incoming.assured
    asset.save()
    if "sessions" in apply:
        _write_sessions(asset, incoming.values["sessions"])
    if apply:
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.IMPORTED,
            by=by,
            changes={name: [before[name], safe_wanted[name]] for name in apply},
        )
    if conflicts:
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.CONFLICT,
            by=by,
            changes=conflicts,
            needs_review=True,
        )
        return "conflict"
    return "updated" if apply else "unchanged"
