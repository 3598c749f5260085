"""One person, one record: finding the record a referral belongs to.

Referrals for the same person meet on one record, matched on NHS number when given, else name,
date of birth and postcode. Staff routes show the likely duplicates (same name and date of
birth) and let the user choose; routes where showing them would disclose someone's record
(volunteers, the API) match automatically and only on the stricter rule. The public form never
attaches to anyone: a match there is only a *possible match* for a link worker to confirm.

Practice staff are matched only with their own practice's people (``within_practice``): a
match at another practice is a possible match too, so that they are never shown, and never
write into, another practice's patient's record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from socialrx.models import Practice
from socialrx.validators import (
    format_postcode,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
)

from ..models import Person, PossibleMatchOn

CREATE_NEW = "new"


class Matching(StrEnum):
    """How a route settles who the referral is for."""

    # The user is shown the likely duplicates and picks one, or a new record.
    CONFIRM = "confirm"
    # Nothing is shown: only a match that cannot be someone else is used.
    AUTOMATIC = "automatic"
    # Nothing is shown and no one is attached: a match is recorded as a possible match for a
    # link worker to confirm or reject (the public form).
    SUGGEST = "suggest"


@dataclass(frozen=True)
class PersonDetails:
    """Who is being referred, as entered on any route."""

    given_name: str
    family_name: str = ""
    date_of_birth: dt.date | None = None
    nhs_number: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    communication_needs: str = ""
    practice: Practice | None = None
    # NHS ethnic category code (``EthnicCategory``), when the referrer's system sends one.
    ethnic_category: str = ""

    def normalised(self) -> PersonDetails:
        return PersonDetails(
            given_name=self.given_name.strip(),
            family_name=self.family_name.strip(),
            date_of_birth=self.date_of_birth,
            nhs_number=normalise_nhs_number(self.nhs_number or ""),
            postcode=format_postcode(self.postcode) if self.postcode else "",
            phone=self.phone.strip(),
            email=self.email.strip(),
            communication_needs=self.communication_needs.strip(),
            practice=self.practice,
            ethnic_category=self.ethnic_category.strip().upper(),
        )


@dataclass(frozen=True)
class PersonResolution:
    """Who the referral is for: ``person``, a new record (``person`` is None and ``candidates``
    empty), or one of ``candidates`` once the user has chosen. ``possible_match`` (with a new
    record only) is someone the route may not attach the referral to but a link worker should
    look at, and ``possible_match_on`` says why."""

    person: Person | None = None
    candidates: list[Person] = field(default_factory=list)
    possible_match: Person | None = None
    possible_match_on: str = ""

    @property
    def needs_choice(self) -> bool:
        return self.person is None and bool(self.candidates)


def nhs_number_checked(nhs_number: str) -> str:
    """The NHS number's digits; a number that fails its check digit is refused."""
    digits = normalise_nhs_number(nhs_number or "")
    if digits and not nhs_number_is_valid(digits):
        raise ValidationError(
            {
                "nhs_number": ValidationError(
                    "Enter a valid 10-digit NHS number (for example 943 476 5919)",
                    code="invalid_nhs_number",
                )
            }
        )
    return digits


def person_match(
    *,
    details: PersonDetails,
    matching: Matching,
    choice: str = "",
    within_practice: Practice | None = None,
) -> PersonResolution:
    """The matching step of every referral route: the record this referral belongs to, a new
    one, or (``Matching.CONFIRM`` only) the likely duplicates for the user to choose from.
    ``choice`` is the user's answer to an earlier question. ``within_practice`` limits whom
    the referral may be attached to (practice staff: their own practice); a match elsewhere
    comes back as ``possible_match`` on a new record."""
    if matching == Matching.SUGGEST:
        return _possible_match(details, Person.objects.all())
    people = (
        Person.objects.filter(practice=within_practice)
        if within_practice is not None
        else Person.objects.all()
    )
    if matching == Matching.CONFIRM:
        found = person_resolve(details=details, choice=choice, people=people)
    else:
        found = PersonResolution(person=person_match_auto(details=details, people=people))
    if within_practice is None or found.person is not None or found.needs_choice:
        return found
    return _possible_match(details, Person.objects.exclude(practice=within_practice))


def _possible_match(details: PersonDetails, people: QuerySet[Person]) -> PersonResolution:
    """A new record, with the strict match among ``people`` (if any) to show a link worker.
    Records still waiting for a link worker's answer are not candidates themselves, so that
    the same person asking twice points at the same existing record."""
    pending = Person.objects.filter(referrals__possible_match__isnull=False)
    match = person_match_auto(details=details, people=people.exclude(pk__in=pending))
    if match is None:
        return PersonResolution()
    digits = normalise_nhs_number(details.nhs_number or "")
    on = (
        PossibleMatchOn.NHS_NUMBER
        if digits and match.nhs_number == digits
        else PossibleMatchOn.NAME_DOB_POSTCODE
    )
    return PersonResolution(possible_match=match, possible_match_on=on)


def person_find_matches(
    *,
    nhs_number: str = "",
    given_name: str,
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    people: QuerySet[Person] | None = None,
) -> PersonResolution:
    """The record this person already has, or the likely duplicates to warn about, among
    ``people`` (everyone unless given).

    Same NHS number: that person is the record. Otherwise people with the same name and date
    of birth are likely duplicates (those with the same postcode first), except anyone whose
    NHS number differs from the one given: they are someone else."""
    people = Person.objects.all() if people is None else people
    digits = nhs_number_checked(nhs_number)
    if digits:
        same = people.filter(nhs_number=digits).select_related("practice").first()
        if same is not None:
            return PersonResolution(person=same)
    if date_of_birth is None or not given_name.strip():
        return PersonResolution()
    qs = people.filter(
        date_of_birth=date_of_birth,
        given_name__iexact=given_name.strip(),
        family_name__iexact=family_name.strip(),
    ).select_related("practice")
    if digits:
        qs = qs.filter(nhs_number__isnull=True)
    wanted = normalise_postcode(postcode)
    candidates = sorted(
        qs[:20], key=lambda p: (normalise_postcode(p.postcode) != wanted, p.pk)
    )  # a handful at most: sorting in Python keeps the postcode rule in one place
    return PersonResolution(candidates=candidates)


def _matches_for(
    details: PersonDetails, people: QuerySet[Person] | None = None
) -> PersonResolution:
    return person_find_matches(
        nhs_number=details.nhs_number,
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        postcode=details.postcode,
        people=people,
    )


def person_resolve(
    *, details: PersonDetails, choice: str = "", people: QuerySet[Person] | None = None
) -> PersonResolution:
    """Staff routes: apply the user's answer to the duplicate warning. ``choice`` is
    ``CREATE_NEW`` or the id of one of the candidates; anything else asks again."""
    found = _matches_for(details, people)
    if found.person is not None or not found.candidates:
        return found
    if choice == CREATE_NEW:
        return PersonResolution()
    chosen = next((p for p in found.candidates if str(p.pk) == choice), None)
    if chosen is not None:
        return PersonResolution(person=chosen)
    return found


def person_match_auto(
    *, details: PersonDetails, people: QuerySet[Person] | None = None
) -> Person | None:
    """Routes that must not disclose records (the public, volunteers, the API): the same NHS
    number, or exactly one person with the same name, date of birth and postcode."""
    found = _matches_for(details, people)
    if found.person is not None:
        return found.person
    wanted = normalise_postcode(details.postcode)
    same_place = [
        p for p in found.candidates if wanted and normalise_postcode(p.postcode) == wanted
    ]
    return same_place[0] if len(same_place) == 1 else None
