"""The directory in Open Referral UK version 3 (HSDS 3.0, UK profile): one listing is one
``service``; a listing that meets somewhere has one ``service_at_location``; the directory's
fixed lists (categories, kinds of listing, who runs it, kinds of organisation) are local
``taxonomies``, and each category is also mapped to a published taxonomy (below).

Everything here is pure: a listing in, JSON-ready dicts out. The views are in
``assets/oruk_api.py``; the import of other directories' feeds in ``assets/oruk_import.py``.
Field-by-field mapping: docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .models import Asset, AssetKind, Capacity, Category, LedBy, Organisation, OrganisationKind

# Identifiers of things the directory does not store one for (organisations, contacts,
# schedules, terms ...): UUID5 under this namespace, so they are the same on every request.
NAMESPACE = uuid.UUID("6f1c1f3e-8f5e-4f4e-9b9a-2d6a4c0a5e11")
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


# --- Taxonomies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    taxonomy: str  # key of TAXONOMIES
    code: str
    name: str
    description: str
    term_uri: str = ""

    @property
    def id(self) -> str:
        return derived_id("term", self.taxonomy, self.code)


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    uri: str = ""
    version: str = ""

    @property
    def id(self) -> str:
        return derived_id("taxonomy", self.key)


LOCAL_URI = "https://socialrx.example/taxonomies/"
ESD_SERVICES = "esd_service_types"
ESD_NEEDS = "esd_needs"

TAXONOMIES: dict[str, Taxonomy] = {
    t.key: t
    for t in (
        Taxonomy(
            "category",
            "Directory categories",
            "The community directory's categories: what a listing is mainly about.",
            LOCAL_URI + "category",
        ),
        Taxonomy(
            "kind",
            "Kinds of listing",
            "Whether a listing is an activity, a group, a service, a place or a connector.",
            LOCAL_URI + "kind",
        ),
        Taxonomy(
            "led_by",
            "Who runs it",
            "Who runs the listing: local people with no paid staff (citizen-led), a charity, "
            "a public service or a business.",
            LOCAL_URI + "led_by",
        ),
        Taxonomy(
            "organisation_kind",
            "Kinds of organisation",
            "The kind of organisation that provides a listing.",
            LOCAL_URI + "organisation_kind",
        ),
        Taxonomy(
            ESD_SERVICES,
            "LGA service types",
            "The Local Government Association's list of service types (esd), recommended by "
            "Open Referral UK.",
            "http://id.esd.org.uk/list/services",
        ),
        Taxonomy(
            ESD_NEEDS,
            "LGA needs",
            "The Local Government Association's list of needs (esd), which Open Referral UK "
            "service finders use to match services to people.",
            "http://id.esd.org.uk/list/needs",
        ),
    )
}

LOCAL_TERMS: list[Term] = (
    [Term("category", c.value, c.label, f"Directory category: {c.label}.") for c in Category]
    + [Term("kind", k.value, k.label, f"Kind of listing: {k.label}.") for k in AssetKind]
    + [Term("led_by", v.value, v.label, f"Run by: {v.label}.") for v in LedBy]
    + [
        Term("organisation_kind", v.value, v.label, f"Kind of organisation: {v.label}.")
        for v in OrganisationKind
    ]
)

# Published terms (LGA lists, as Open Referral UK recommends): only identifiers checked against
# the published lists (docs/api.md, "Taxonomies"). Extend the table below to map more.
SOCIAL_INCLUSION = Term(
    ESD_NEEDS,
    "69",
    "Social inclusion",
    "LGA need 69: social inclusion.",
    "http://id.esd.org.uk/need/69",
)
COMMUNITY_FACILITIES = Term(
    ESD_NEEDS,
    "71",
    "Community facilities",
    "LGA need 71: community facilities.",
    "http://id.esd.org.uk/need/71",
)


def _service_type(code: str, name: str) -> Term:
    return Term(
        ESD_SERVICES,
        code,
        name,
        f"LGA service type {code}: {name[0].lower()}{name[1:]}.",
        f"http://id.esd.org.uk/service/{code}",
    )


# LGA service types (the English and Welsh services list, http://id.esd.org.uk/list/services):
# each identifier and name checked against the published list, all "Live".
CARERS_SUPPORT_GROUPS = _service_type("298", "Carers support groups")
ADULT_CARERS_SUPPORT = _service_type("225", "Adult carers advice and support")
WELFARE_RIGHTS_ADVICE = _service_type("189", "Welfare rights advice")
DEBT_COUNSELLING = _service_type("651", "Debt counselling")
PARKS_OPEN_SPACES = _service_type("461", "Parks and open spaces")
ARTS_CREATIVE_CLASSES = _service_type("1791", "Arts and creative classes")
ARTS_ORGANISATIONS_EVENTS = _service_type("838", "Arts organisations and events")
EXERCISE_FITNESS_CLASSES = _service_type("1789", "Exercise and fitness classes")
SPORTS_CLUBS_GROUPS = _service_type("641", "Sports clubs and groups")
VOLUNTEERING = _service_type("1113", "Volunteering")
COMMUNITY_SUPPORT_GROUPS = _service_type("297", "Community support groups and organisations")
ADULT_EDUCATION = _service_type("27", "Adult education and learning")
MUSEUMS_GALLERIES = _service_type("620", "Museums and galleries")
COMPUTERS_IT_SKILLS = _service_type("442", "Computers and IT skills")

# Category -> published terms. Every social prescribing activity meets the need for social
# inclusion; most map to service types too. Reading, food, and faith and culture have no
# service type that fits them all (the list's food type is food banks only), so only the need.
CATEGORY_PUBLISHED: dict[str, list[Term]] = {c.value: [SOCIAL_INCLUSION] for c in Category}
for _category, _terms in {
    Category.ADVICE_MONEY: [WELFARE_RIGHTS_ADVICE, DEBT_COUNSELLING],
    Category.GREEN_NATURE: [PARKS_OPEN_SPACES],
    Category.ARTS_CREATIVITY: [ARTS_CREATIVE_CLASSES, ARTS_ORGANISATIONS_EVENTS],
    Category.MUSIC_SINGING: [ARTS_ORGANISATIONS_EVENTS],
    Category.PHYSICAL_ACTIVITY: [EXERCISE_FITNESS_CLASSES, SPORTS_CLUBS_GROUPS],
    Category.VOLUNTEERING_COMMUNITY: [COMMUNITY_FACILITIES, VOLUNTEERING, COMMUNITY_SUPPORT_GROUPS],
    Category.LEARNING: [ADULT_EDUCATION],
    Category.HERITAGE_MUSEUMS: [COMMUNITY_FACILITIES, MUSEUMS_GALLERIES],
    Category.PEER_SUPPORT: [COMMUNITY_SUPPORT_GROUPS],
    Category.BEFRIENDING: [COMMUNITY_SUPPORT_GROUPS],
    Category.DIGITAL_SKILLS: [COMPUTERS_IT_SKILLS],
    Category.CARERS_SUPPORT: [CARERS_SUPPORT_GROUPS, ADULT_CARERS_SUPPORT],
}.items():
    CATEGORY_PUBLISHED[_category] += _terms
PUBLISHED_TERMS = list(dict.fromkeys(t for terms in CATEGORY_PUBLISHED.values() for t in terms))
# A published term that belongs to one category only: an imported service tagged with it
# (and with no category of ours) goes under that category.
CATEGORY_BY_PUBLISHED: dict[str, str] = {
    term.term_uri: codes[0]
    for term in PUBLISHED_TERMS
    if len(codes := [c for c, terms in CATEGORY_PUBLISHED.items() if term in terms]) == 1
}

ALL_TERMS: list[Term] = LOCAL_TERMS + PUBLISHED_TERMS
TERMS_BY_ID: dict[str, Term] = {t.id: t for t in ALL_TERMS}


def local_term(taxonomy: str, code: str) -> Term:
    return TERMS_BY_ID[derived_id("term", taxonomy, code)]


def categories_for_term(term_id: str) -> list[str] | None:
    """The category codes a taxonomy term selects (``None``: the term is not about category:
    the caller filters on kind, led_by or organisation kind instead)."""
    term = TERMS_BY_ID.get(term_id)
    if term is None:
        return []
    if term.taxonomy == "category":
        return [term.code]
    if term.taxonomy in (ESD_SERVICES, ESD_NEEDS):
        return [code for code, terms in CATEGORY_PUBLISHED.items() if term in terms]
    return None


def taxonomy_json(taxonomy: Taxonomy) -> dict[str, Any]:
    data = {"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description}
    if taxonomy.uri:
        data["uri"] = taxonomy.uri
    if taxonomy.version:
        data["version"] = taxonomy.version
    return data


def term_json(term: Term) -> dict[str, Any]:
    taxonomy = TAXONOMIES[term.taxonomy]
    data = {
        "id": term.id,
        "name": term.name,
        "description": term.description,
        "taxonomy": taxonomy.name,
        "taxonomy_id": taxonomy.id,
        "term": term.code,
    }
    if term.term_uri:
        data["term_uri"] = term.term_uri
    return data


# --- Services ------------------------------------------------------------------------------

ACCESS_ANSWERS: dict[tuple[str, bool], str] = {
    ("step_free", True): "Step-free access",
    ("step_free", False): "No step-free access",
    ("hearing_loop", True): "Hearing loop",
    ("hearing_loop", False): "No hearing loop",
    ("accessible_toilet", True): "Accessible toilet",
    ("accessible_toilet", False): "No accessible toilet",
    ("little_talking", True): "Little talking needed",
    ("slowest_pace", True): "Goes at the pace of the slowest",
}
ALERTS = {
    Capacity.LIMITED: "Limited: only a few places left.",
    Capacity.FULL: "Full: not taking new people at the moment.",
}
ASK_FOR_TITLE = "Ask for on arrival"
CONTACT_TITLE = "Contact"


def status_of(asset: Asset) -> str:
    if asset.ended:
        return "inactive"
    if asset.capacity == Capacity.PAUSED:
        return "temporarily closed"
    return "active"


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def organisation_json(org: Organisation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": derived_id("organisation", org.pk),
        "name": org.name,
        "description": org.description or org.get_kind_display(),
    }
    if org.website:
        data["website"] = org.website
    if org.email:
        data["email"] = org.email
    data["attributes"] = [
        _attribute(local_term("organisation_kind", org.kind), owner=data["id"], link="organization")
    ]
    return data


def _organisation_list_json(org: Organisation) -> dict[str, Any]:
    data = organisation_json(org)
    data.pop("attributes")
    return data


def _attribute(term: Term, *, owner: str, link: str) -> dict[str, Any]:
    return {
        "id": derived_id("attribute", owner, term.id),
        "link_id": owner,
        "link_type": link,
        "taxonomy_term_id": term.id,
        "taxonomy_term": term_json(term),
    }


def service_terms(asset: Asset) -> list[Term]:
    return [
        local_term("category", asset.category),
        local_term("kind", asset.kind),
        local_term("led_by", asset.led_by),
        *CATEGORY_PUBLISHED.get(asset.category, []),
    ]


def service_list_json(asset: Asset) -> dict[str, Any]:
    """The one-to-one fields of a service (``compiled/service_list.json``)."""
    sid = str(asset.oruk_id)
    data: dict[str, Any] = {"id": sid, "name": asset.name, "description": asset.description}
    if asset.organisation is not None:
        data["organization_id"] = derived_id("organisation", asset.organisation.pk)
    if asset.website:
        data["url"] = asset.website
    if asset.contact_email:
        data["email"] = asset.contact_email
    data["status"] = status_of(asset)
    if asset.last_confirmed_at:
        data["assured_date"] = timezone.localtime(asset.last_confirmed_at).date().isoformat()
    if asset.capacity in ALERTS:
        data["alert"] = ALERTS[Capacity(asset.capacity)]
    data["last_modified"] = _iso(asset.updated_at)
    if asset.organisation is not None:
        data["organization"] = _organisation_list_json(asset.organisation)
    return data


def _schedules(asset: Asset, sid: str) -> list[dict[str, Any]]:
    schedules: list[dict[str, Any]] = []
    for session in asset.sessions.all():
        item: dict[str, Any] = {
            "id": derived_id("schedule", sid, session.pk),
            "service_id": sid,
            "freq": "WEEKLY",
            "interval": 1,
            "byday": DAYS[session.weekday],
            "opens_at": session.starts_at.strftime("%H:%M"),
        }
        if session.ends_at:
            item["closes_at"] = session.ends_at.strftime("%H:%M")
        if asset.schedule_text:
            item["description"] = asset.schedule_text
        schedules.append(item)
    if not schedules and asset.schedule_text:
        schedules.append(
            {
                "id": derived_id("schedule", sid, "text"),
                "service_id": sid,
                "description": asset.schedule_text,
            }
        )
    return schedules


def _contacts(asset: Asset, sid: str) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = []
    if asset.contact_name or asset.contact_email or asset.contact_phone:
        cid = derived_id("contact", sid)
        contact: dict[str, Any] = {"id": cid, "service_id": sid, "title": CONTACT_TITLE}
        if asset.contact_name:
            contact["name"] = asset.contact_name
        if asset.contact_email:
            contact["email"] = asset.contact_email
        if asset.contact_phone:
            contact["phones"] = [
                {"id": derived_id("phone", cid), "contact_id": cid, "number": asset.contact_phone}
            ]
        contacts.append(contact)
    if asset.ask_for:
        contacts.append(
            {
                "id": derived_id("contact", sid, "ask-for"),
                "service_id": sid,
                "name": asset.ask_for,
                "title": ASK_FOR_TITLE,
            }
        )
    return contacts


def _address_parts(address: str) -> tuple[str, str]:
    """``12 High Street, Levenshulme, Manchester`` -> (``12 High Street, Levenshulme``,
    ``Manchester``): the last part is taken as the town. Joined again with ``, `` on import."""
    head, sep, tail = address.rpartition(",")
    if not sep:
        return address.strip(), ""
    return head.strip(), tail.strip()


def has_location(asset: Asset) -> bool:
    return bool(asset.venue_name or asset.postcode or asset.address)


def location_json(asset: Asset, *, full: bool) -> dict[str, Any]:
    lid = derived_id("location", asset.oruk_sal_id)
    data: dict[str, Any] = {
        "id": lid,
        "location_type": "physical",
        "name": asset.venue_name or asset.name,
    }
    if asset.getting_there:
        data["description"] = asset.getting_there
    lat = getattr(asset, "oruk_lat", None)
    lng = getattr(asset, "oruk_lng", None)
    if lat is not None and lng is not None:
        data["latitude"] = float(lat)
        data["longitude"] = float(lng)
    if full:
        line, town = _address_parts(asset.address)
        data["addresses"] = [
            {
                "id": derived_id("address", lid),
                "location_id": lid,
                "address_1": line,
                "city": town,
                "state_province": "",
                "postal_code": asset.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ]
        data["accessibility"] = [
            {
                "id": derived_id("accessibility", lid, flag),
                "location_id": lid,
                "description": label,
                "accessibility": label,
            }
            for (flag, answer), label in ACCESS_ANSWERS.items()
            if getattr(asset, flag) is answer
        ]
    return data


def service_json(asset: Asset) -> dict[str, Any]:
    """A fully nested service (``compiled/service.json``), plus the HSDS 3.0 fields the UK
    profile leaves out but the directory needs to round-trip a listing: contacts' ``email``
    and ``phones``, languages' ``name``, ``application_process``."""
    data = service_list_json(asset)
    sid = data["id"]
    if asset.organisation is not None:
        data["organization"] = organisation_json(asset.organisation)
    data["schedules"] = _schedules(asset, sid)
    data["service_areas"] = []
    data["service_at_locations"] = (
        [
            {
                "id": str(asset.oruk_sal_id),
                "service_id": sid,
                "location_id": derived_id("location", asset.oruk_sal_id),
                "location": location_json(asset, full=True),
            }
        ]
        if has_location(asset)
        else []
    )
    data["languages"] = [
        {"id": derived_id("language", sid, i), "service_id": sid, "name": name}
        for i, name in enumerate(n.strip() for n in asset.languages.split(",") if n.strip())
    ]
    data["funding"] = []
    data["cost_options"] = [
        {
            "id": derived_id("cost", sid),
            "service_id": sid,
            "amount": 0,
            "amount_description": "Free",
        }
        if asset.is_free
        else {"id": derived_id("cost", sid), "service_id": sid, "amount_description": asset.cost}
    ]
    data["contacts"] = _contacts(asset, sid)
    data["attributes"] = [_attribute(t, owner=sid, link="service") for t in service_terms(asset)]
    if asset.first_visit:
        data["application_process"] = asset.first_visit
    return data


def service_at_location_list_json(asset: Asset) -> dict[str, Any]:
    sid = str(asset.oruk_id)
    return {
        "id": str(asset.oruk_sal_id),
        "service_id": sid,
        "location_id": derived_id("location", asset.oruk_sal_id),
        "location": location_json(asset, full=False),
        "service": service_list_json(asset),
    }


def service_at_location_json(asset: Asset) -> dict[str, Any]:
    service = service_json(asset)
    location = service.pop("service_at_locations")[0]["location"]
    return {
        "id": str(asset.oruk_sal_id),
        "service_id": service["id"],
        "location_id": location["id"],
        "location": location,
        "service": service,
    }
