"""The demo people's consent looks like a real service's: everyone agreed to be contacted
(they were referred), most agreed to everything, a few said no to being named to groups or
to being counted, and the demo's connections follow what each person agreed to."""

from __future__ import annotations

import pytest

from demo import directory, people
from demo.core import demo_context, seed_core
from referrals.models import Connection, ConsentPurpose, ConsentSource, Person
from referrals.selectors.consent import consent_current, consent_given, people_declined_figures

pytestmark = pytest.mark.django_db

P = ConsentPurpose


def test_demo_people_record_realistic_consent():
    ctx = demo_context()
    seed_core(ctx)
    for step in (directory.seed, people.seed):
        step(ctx)
    everyone = list(Person.objects.all())
    current = {person.pk: consent_current(person=person) for person in everyone}

    # Everyone was referred, so everyone agreed to be contacted, with who and how recorded.
    for person in everyone:
        contact = current[person.pk][P.CONTACT]
        assert contact is not None and contact.given
        first = person.referrals.order_by("received_on", "id").first()
        if first.source == "self":
            assert contact.source == ConsentSource.SELF_REFERRAL and contact.recorded_by is None
        else:
            assert contact.source == ConsentSource.REFERRAL_FORM
    # Mostly yes to everything; a few said no to each of the other purposes.
    not_sharing = [pk for pk, c in current.items() if not c[P.SHARE_WITH_GROUP].given]
    declined = people_declined_figures().count()
    assert 3 <= len(not_sharing) <= len(everyone) * 0.2
    assert 3 <= declined <= len(everyone) * 0.15
    asked_at_referral = (P.CONTACT, P.SHARE_WITH_GROUP, P.DEIDENTIFIED_FIGURES)
    all_yes = sum(1 for c in current.values() if all(c[p].given for p in asked_at_referral))
    assert all_yes >= len(everyone) * 0.8
    # Messages: most agree to texts and letters; to emails, those who gave an address.
    texts = sum(1 for c in current.values() if c[P.SMS].given)
    assert len(everyone) * 0.7 <= texts < len(everyone)
    for person in everyone:
        assert current[person.pk][P.EMAIL].given == bool(person.email)
    # Some changed their mind later, recorded in a conversation by their link worker.
    assert Person.objects.filter(consents__source=ConsentSource.CONVERSATION).exists()
    # Connections record whether the group may know who was connected.
    connections = Connection.objects.select_related("person")
    assert connections.filter(details_shared=False).exists()
    for connection in connections:
        assert connection.details_shared == consent_given(
            person=connection.person, purpose=P.SHARE_WITH_GROUP
        )
