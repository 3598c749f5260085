from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from referrals.models import (
    ENDED_STATUSES,
    Connection,
    ConnectionKind,
    Consent,
    ConsentPurpose,
    ConsentSource,
    Conversation,
    FriendsObservation,
    Goal,
    Person,
    Referral,
    ReferralStatus,
    Source,
    Task,
    TaskKind,
)
from tests.assets.factories import AssetFactory
from tests.names import PlainName


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = PlainName("first_name", locale="en_GB")
    family_name = PlainName("last_name", locale="en_GB")
    date_of_birth = dt.date(1960, 5, 17)
    postcode = "M1 1AE"
    practice = None
    team = factory.LazyAttribute(lambda p: p.practice.team if p.practice else None)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    person = factory.SubFactory(PersonFactory)
    received_on = factory.LazyFunction(timezone.localdate)
    source = Source.GP
    reason = "Feeling isolated since moving here."
    consent_confirmed = True
    team = factory.LazyAttribute(lambda r: r.person.team)
    referring_practice = factory.LazyAttribute(lambda r: r.person.practice)
    status = ReferralStatus.RECEIVED
    # The database requires an ended referral to have the date it ended, and an open one none.
    closed_on = factory.LazyAttribute(
        lambda r: max(r.received_on, timezone.localdate()) if r.status in ENDED_STATUSES else None
    )


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    person = factory.SubFactory(PersonFactory)
    held_on = factory.LazyFunction(timezone.localdate)
    what_matters = "Getting out of the house and meeting people."


class FriendsObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FriendsObservation

    person = factory.SubFactory(PersonFactory)
    observed_on = factory.LazyFunction(timezone.localdate)
    friends_count = 2


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    person = factory.SubFactory(PersonFactory)
    description = "Go to the walking group once a week"


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    person = factory.SubFactory(PersonFactory)
    asset = factory.SubFactory(AssetFactory)
    made_on = factory.LazyFunction(timezone.localdate)
    kind = ConnectionKind.SIGNPOST


VALID_NHS = "9434765919"


def make_case(*, practice, link_worker, status=ReferralStatus.ACTIVE, **person_kwargs):
    person = PersonFactory(practice=practice, link_worker=link_worker, **person_kwargs)
    ReferralFactory(person=person, status=status, link_worker=link_worker)
    return person


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    purpose = ConsentPurpose.CONTACT
    given = True
    source = ConsentSource.CONVERSATION
    recorded_at = factory.LazyFunction(timezone.now)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    person = factory.SubFactory(PersonFactory)
    kind = TaskKind.OTHER
    due_on = factory.LazyFunction(timezone.localdate)
    assigned_to = factory.LazyAttribute(lambda t: t.person.link_worker)
