"""M2 citizen_led, the connections measure and the service figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from referrals.models import ReferralStatusChange
from tests.assets.factories import AssetFactory
from tests.champions.factories import ChampionFactory
from tests.outcomes.factories import ALL, PersonFactory, snapshot_rows
from tests.referrals.factories import ConnectionFactory, ConversationFactory, ReferralFactory
from tests.socialrx.factories import PCNFactory, PracticeFactory

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
END = Q1[1]


def test_active_asset_rule_on_period_end_date():
    AssetFactory(led_by="citizen", started_on=END)  # starts on the day: active
    AssetFactory(led_by="citizen", started_on=None, ended_on=None)  # open-ended: active
    AssetFactory(led_by="citizen", started_on=dt.date(2025, 1, 1), ended_on=END)  # ended: not
    AssetFactory(led_by="citizen", started_on=END + dt.timedelta(days=1))  # not yet
    AssetFactory(led_by="vcse", ended_on=END + dt.timedelta(days=1))  # ends tomorrow: active
    AssetFactory(led_by="statutory", category="food")

    rows = snapshot_rows("citizen_led", *Q1)

    total = rows[ALL]
    assert total["citizen_led_active"] == 2
    assert total["sector_led_active"] == 2
    assert total["citizen_led_share"] == 50.0
    # Formed in P: started_on within the period, citizen-led only.
    assert total["citizen_led_formed"] == 1
    food = rows[("all", "", "category", "food")]
    assert (food["citizen_led_active"], food["sector_led_active"]) == (0, 1)
    assert food["citizen_led_share"] == 0.0
    assert rows[("all", "", "category", "reading")]["citizen_led_share"] is None
    assert not any(key[0] != "all" for key in rows)


def test_connections_to_citizen_led_and_volunteers_from_referred():
    citizen = AssetFactory(led_by="citizen", category="reading")
    sector = AssetFactory(led_by="vcse", category="reading")
    for asset, day in [
        (citizen, dt.date(2026, 1, 5)),
        (citizen, dt.date(2026, 3, 31)),
        (sector, dt.date(2026, 2, 1)),
        (sector, dt.date(2025, 12, 31)),  # before P
    ]:
        ConnectionFactory(person=PersonFactory(), asset=asset, made_on=day)
    became = PersonFactory()
    ReferralFactory(person=became, received_on=dt.date(2025, 11, 1))
    ChampionFactory(person=became, started_on=dt.date(2026, 2, 1))
    same_day = PersonFactory()
    ReferralFactory(person=same_day, received_on=dt.date(2026, 2, 1))
    ChampionFactory(person=same_day, started_on=dt.date(2026, 2, 1))  # not *before*
    ChampionFactory(person=None, started_on=dt.date(2026, 2, 1))  # never referred

    rows = snapshot_rows("citizen_led", *Q1)

    total = rows[ALL]
    assert total["connections"] == 3
    assert total["connections_to_citizen_led"] == 2
    assert total["connections_citizen_share"] == pytest.approx(200 / 3)
    assert total["volunteers_from_referred"] == 1
    reading = rows[("all", "", "category", "reading")]
    assert reading["connections"] == 3
    assert reading["volunteers_from_referred"] is None


def test_connections_by_kind_and_outcome_at_each_level():
    practice = PracticeFactory(ods_code="E00001", pcn=PCNFactory(code="U33333"))
    person = PersonFactory(practice=practice)
    ConnectionFactory(person=person, kind="accompanied", outcome="member", made_on=END)
    ConnectionFactory(person=person, kind="signpost", made_on=dt.date(2026, 1, 1))
    ConnectionFactory(person=PersonFactory(), kind="signpost", made_on=dt.date(2026, 2, 1))
    ConnectionFactory(person=person, kind="signpost", made_on=dt.date(2026, 4, 1))

    rows = snapshot_rows("connections", *Q1)

    assert rows[ALL] == {"connections": 3}
    assert rows[("all", "", "kind", "signpost")] == {"connections": 2}
    assert rows[("practice", "E00001", "total", "all")] == {"connections": 2}
    assert rows[("pcn", "U33333", "outcome", "member")] == {"connections": 1}
    assert rows[("pcn", "U33333", "outcome", "pending")] == {"connections": 1}
    assert rows[("practice", "E00001", "outcome", "did_not_attend")] == {"connections": 0}


def test_service_referrals_by_source_and_median_days():
    practice = PracticeFactory(ods_code="E00002")
    # Days to first conversation on or after received: 2, 4, 10 (odd count: median 4).
    for received, conversation_days, source in [
        (dt.date(2026, 1, 10), [2, 30], "gp"),
        (dt.date(2026, 2, 1), [4], "self"),
        (dt.date(2026, 3, 1), [10], "gp"),
    ]:
        person = PersonFactory(practice=practice)
        ReferralFactory(person=person, received_on=received, source=source)
        ConversationFactory(person=person, held_on=received - dt.timedelta(days=5))  # before
        for days in conversation_days:
            ConversationFactory(person=person, held_on=received + dt.timedelta(days=days))
    waiting = PersonFactory(practice=practice)
    ReferralFactory(person=waiting, received_on=dt.date(2026, 3, 20), source="community")

    rows = snapshot_rows("service", *Q1)

    total = rows[ALL]
    assert total["referrals"] == 4
    assert total["median_days_to_first_conversation"] == 4.0
    gp = rows[("practice", "E00002", "source", "gp")]
    assert gp["referrals"] == 2
    assert gp["median_days_to_first_conversation"] == 6.0  # even count: mean of 2 and 10
    community = rows[("all", "", "source", "community")]
    assert community["referrals"] == 1
    assert community["median_days_to_first_conversation"] is None


def _change(referral, at: dt.date, from_status: str, to_status: str) -> None:
    change = ReferralStatusChange.objects.create(
        referral=referral, from_status=from_status, to_status=to_status
    )
    moment = timezone.make_aware(dt.datetime.combine(at, dt.time(23, 30)))
    ReferralStatusChange.objects.filter(pk=change.pk).update(at=moment)


def test_open_cases_on_period_end_use_status_history():
    person = PersonFactory()
    # Open now, no history: open.
    ReferralFactory(person=person, received_on=dt.date(2025, 12, 1), status="active")
    # Closed now, closed in February: not open on 31 March.
    closed = ReferralFactory(person=person, received_on=dt.date(2025, 12, 1), status="closed")
    _change(closed, dt.date(2026, 2, 1), "active", "closed")
    # Closed now, but only in April: still open on 31 March (late in the evening counts).
    later = ReferralFactory(person=person, received_on=dt.date(2026, 1, 5), status="closed")
    _change(later, dt.date(2026, 3, 31), "received", "active")
    _change(later, dt.date(2026, 4, 2), "active", "closed")
    # Declined before the end, then reopened after it: not open on the end date.
    reopened = ReferralFactory(person=person, received_on=dt.date(2026, 1, 5), status="active")
    _change(reopened, dt.date(2026, 2, 1), "received", "declined")
    _change(reopened, dt.date(2026, 4, 3), "declined", "active")
    # Imported without history: closed_on decides.
    ReferralFactory(
        person=person,
        received_on=dt.date(2025, 6, 1),
        status="withdrawn",
        closed_on=dt.date(2026, 4, 10),
    )
    ReferralFactory(
        person=person,
        received_on=dt.date(2025, 6, 1),
        status="closed",
        closed_on=dt.date(2026, 3, 31),
    )
    # Received after the end: not yet a case.
    ReferralFactory(person=person, received_on=dt.date(2026, 4, 1), status="received")

    total = snapshot_rows("service", *Q1)[ALL]

    assert total["open_cases"] == 3
    assert total["referrals"] == 2  # the two received in Q1


def test_open_cases_ended_on_or_before_the_end_whatever_the_history():
    person = PersonFactory()
    # Ended in March, but the ending was recorded in April: not open on 31 March.
    late = ReferralFactory(
        person=person,
        received_on=dt.date(2026, 1, 5),
        status="declined",
        closed_on=dt.date(2026, 3, 1),
    )
    _change(late, dt.date(2026, 4, 5), "received", "declined")
    # Ended on the end date itself, recorded after it: not open.
    on_end = ReferralFactory(
        person=person,
        received_on=dt.date(2026, 1, 5),
        status="withdrawn",
        closed_on=END,
    )
    _change(on_end, dt.date(2026, 4, 1), "active", "withdrawn")
    # Ended after the end date: open on 31 March.
    after = ReferralFactory(
        person=person,
        received_on=dt.date(2026, 1, 5),
        status="closed",
        closed_on=dt.date(2026, 4, 1),
    )
    _change(after, dt.date(2026, 4, 1), "active", "closed")

    total = snapshot_rows("service", *Q1)[ALL]

    assert total["open_cases"] == 1


REFERRALS_CSV = [
    "referral_ref",
    "person_ref",
    "received_on",
    "source",
    "status",
    "closed_on",
    "referrer_name",
    "referrer_organisation",
    "reason",
]


def test_open_cases_after_an_import_of_ended_referrals(tmp_path, admin_user):
    from outcomes.imports import data_import
    from tests.outcomes.imports_support import messages, write_csv

    PersonFactory(person_ref="P1")
    # Imported today, long after Q1. By hand, on 31 March 2026:
    f = write_csv(
        tmp_path / "referrals.csv",
        REFERRALS_CSV,
        [
            [*row, "", "", ""]
            for row in [
                ["R1", "P1", "2025-11-01", "gp", "closed", "2026-02-10"],  # ended in Q1: not open
                [
                    "R2",
                    "P1",
                    "2025-12-01",
                    "self",
                    "declined",
                    "2026-03-31",
                ],  # ended on the day: not
                ["R3", "P1", "2026-01-15", "gp", "withdrawn", "2026-04-01"],  # ended after: open
                ["R4", "P1", "2026-02-01", "community", "active", ""],  # open
                ["R5", "P1", "2026-03-01", "gp", "received", ""],  # open
                ["R6", "P1", "2026-04-02", "gp", "received", ""],  # not yet received
                ["R7", "P1", "2025-10-01", "other", "closed", "2025-12-31"],  # ended before Q1
            ]
        ],
    )
    result = data_import(kind="referrals", path_or_file=f, by=admin_user)
    assert result.ok, messages(result)

    total = snapshot_rows("service", *Q1)[ALL]

    assert total["open_cases"] == 3
    assert total["referrals"] == 3  # R3, R4, R5
    # The history says when each ending happened, not when the file was loaded.
    ending = ReferralStatusChange.objects.get(referral__referral_ref="R1")
    assert timezone.localtime(ending.at).date() == dt.date(2026, 2, 10)
    assert (ending.from_status, ending.to_status) == ("", "closed")
    opening = ReferralStatusChange.objects.get(referral__referral_ref="R4")
    assert timezone.localtime(opening.at).date() == timezone.localdate()
    # And the figures of the quarter after: R3 ended on 1 April, R4 and R6 are open.
    assert (
        snapshot_rows("service", dt.date(2026, 4, 1), dt.date(2026, 6, 30))[ALL]["open_cases"] == 3
    )
