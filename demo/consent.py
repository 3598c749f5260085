"""Demo data: what each person agreed to, recorded with their first referral (the route's
form, or the person themselves when they asked), and a few later changes of mind recorded by
their link worker. Most people agree to everything; a few say no to being named to groups or
to being counted in figures.

A random generator of its own, with a fixed seed, so that adding consent leaves
every other piece of demo data as it was."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from demo.core import DEMO_SEED
from referrals.models import Consent, ConsentPurpose, ConsentSource, Person, Referral, Source

P = ConsentPurpose
DECLINE_SHARE = 0.08
DECLINE_FIGURES = 0.05
# Of those who agreed to be named to groups, the share who later asked us to stop.
LATER_WITHDRAW_SHARE = 0.03


def seed_consents(ctx: Any, people: list[Person], referrals: list[Referral]) -> dict[int, bool]:
    """Write every person's consent history; returns, per person id, whether they currently
    agree to their details being shared with a group (for the demo's connections)."""
    rng = random.Random(f"consent-{DEMO_SEED}")
    first: dict[int, Referral] = {}
    for made in sorted(referrals, key=lambda r: (r.received_on, r.pk)):
        first.setdefault(made.person_id, made)
    rows: list[Consent] = []
    shared: dict[int, bool] = {}
    for person in people:
        referral = first.get(person.pk)
        if referral is None:
            continue
        self_referred = referral.source == Source.SELF
        at = ctx.at(referral.received_on, 9)
        answers = {
            P.CONTACT: True,
            P.SHARE_WITH_GROUP: rng.random() >= DECLINE_SHARE,
            P.DEIDENTIFIED_FIGURES: rng.random() >= DECLINE_FIGURES,
            # Messages: most agree to texts and letters, everyone with an address to emails;
            # not drawn from the generator, so every other answer stays as it was.
            P.SMS: person.pk % 7 != 0,
            P.EMAIL: bool(person.email),
            P.LETTER: person.pk % 5 != 0,
        }
        for purpose, given in answers.items():
            rows.append(
                Consent(
                    person=person,
                    purpose=purpose,
                    given=given,
                    recorded_by=None if self_referred else referral.referred_by,
                    recorded_at=at,
                    source=ConsentSource.SELF_REFERRAL
                    if self_referred
                    else ConsentSource.REFERRAL_FORM,
                    referral=referral,
                )
            )
        shared[person.pk] = answers[P.SHARE_WITH_GROUP]
        later = referral.received_on + dt.timedelta(days=rng.randint(20, 120))
        if shared[person.pk] and later < ctx.today and rng.random() < LATER_WITHDRAW_SHARE:
            rows.append(
                Consent(
                    person=person,
                    purpose=P.SHARE_WITH_GROUP,
                    given=False,
                    recorded_by=person.link_worker,
                    recorded_at=ctx.at(later, 14),
                    source=ConsentSource.CONVERSATION,
                    referral=referral,
                )
            )
            # Connections made before the change had their details shared; the demo keeps
            # it simple and treats the person as not sharing from the start.
            shared[person.pk] = False
    Consent.objects.bulk_create(rows, batch_size=500)
    return shared
