"""Racing changes on PostgreSQL, with two real threads and two database connections: both
load the record, then both save at once. Exactly one change is made and recorded; the other
gets a clear conflict, and the referral's ``closed_on`` stays consistent with its status."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from referrals.models import (
    Connection,
    ConnectionOutcomeChange,
    Goal,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from referrals.services.connections import connection_outcome_set
from referrals.services.goals import goal_status_set
from referrals.services.status import StatusConflict, referral_status_change
from socialrx.concurrency import EditConflict
from tests.referrals.factories import ConnectionFactory, GoalFactory, ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_required")]


def _race(load: Callable[[], Any], *changes: Callable[[Any], Any]) -> list[str]:
    """Run each change in its own thread (its own connection) on a copy of the record loaded
    by that thread; all load before any saves. Returns "ok" or the error, per change."""
    loaded = threading.Barrier(len(changes))
    results: list[str] = [""] * len(changes)

    def run(i: int, change: Callable[[Any], Any]) -> None:
        try:
            record = load()
            loaded.wait(timeout=10)
            change(record)
            results[i] = "ok"
        except EditConflict as exc:
            results[i] = type(exc).__name__
        except Exception as exc:  # reported by the assertion, not lost
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_simultaneous_status_changes_from_received_only_one_is_made(team_a):
    worker, colleague = LinkWorkerFactory(team=team_a), LinkWorkerFactory(team=team_a)
    referral = ReferralFactory(link_worker=worker)
    results = _race(
        lambda: Referral.objects.select_related("person").get(pk=referral.pk),
        lambda r: referral_status_change(referral=r, to_status="active", by=worker),
        lambda r: referral_status_change(referral=r, to_status="declined", by=colleague),
    )
    assert sorted(results) == ["StatusConflict", "ok"]
    winner = "active" if results[0] == "ok" else "declined"
    referral.refresh_from_db()
    assert referral.status == winner
    # Never "active" with a closed_on: the status and the date moved together.
    assert (referral.closed_on is None) == (winner == "active")
    assert list(ReferralStatusChange.objects.values_list("from_status", "to_status")) == [
        ("received", winner)
    ]
    assert referral.version == 1


def test_status_conflict_message_says_what_the_status_is_now(team_a):
    worker = LinkWorkerFactory(team=team_a)
    referral = ReferralFactory(link_worker=worker)
    stale = Referral.objects.get(pk=referral.pk)
    referral_status_change(referral=referral, to_status="contacted", by=worker)
    with pytest.raises(StatusConflict) as caught:
        referral_status_change(referral=stale, to_status="withdrawn", by=worker)
    assert "is now contacted" in caught.value.messages[0]


def test_simultaneous_connection_outcomes_only_one_is_recorded(team_a):
    worker, colleague = LinkWorkerFactory(team=team_a), LinkWorkerFactory(team=team_a)
    connection_ = ConnectionFactory()
    results = _race(
        lambda: Connection.objects.select_related("person").get(pk=connection_.pk),
        lambda c: connection_outcome_set(connection=c, outcome="attended", by=worker),
        lambda c: connection_outcome_set(connection=c, outcome="did_not_attend", by=colleague),
    )
    assert sorted(results) == ["EditConflict", "ok"]
    connection_.refresh_from_db()
    assert list(ConnectionOutcomeChange.objects.values_list("outcome", flat=True)) == [
        connection_.outcome
    ]


def test_simultaneous_goal_status_changes_only_one_is_made(team_a):
    worker, colleague = LinkWorkerFactory(team=team_a), LinkWorkerFactory(team=team_a)
    goal = GoalFactory()
    results = _race(
        lambda: Goal.objects.select_related("person").get(pk=goal.pk),
        lambda g: goal_status_set(goal=g, status="achieved", by=worker),
        lambda g: goal_status_set(goal=g, status="changed_mind", by=colleague),
    )
    assert sorted(results) == ["EditConflict", "ok"]
    goal.refresh_from_db()
    assert goal.status == ("achieved" if results[0] == "ok" else "changed_mind")
    assert goal.version == 1


def test_postgres_refuses_closed_on_that_contradicts_the_status():
    referral = ReferralFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.ACTIVE, closed_on="2026-01-01"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.CLOSED)
    assert connection.vendor == "postgresql"
