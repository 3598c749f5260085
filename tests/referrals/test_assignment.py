from __future__ import annotations

from referrals.services.assignment import link_worker_for, team_for_practice
from tests.referrals.factories import PersonFactory
from tests.socialrx.factories import LinkWorkerFactory, TeamFactory


def test_team_is_the_practice_team(practice_a, team_a):
    assert team_for_practice(practice=practice_a) == team_a


def test_people_without_practice_go_to_the_default_team(settings, db):
    default = TeamFactory(code="unregistered")
    settings.DEFAULT_TEAM_CODE = "unregistered"
    assert team_for_practice(practice=None) == default


def test_without_a_default_team_the_longest_standing_team_takes_them(settings, db):
    first = TeamFactory(code="first")
    TeamFactory(code="second")
    settings.DEFAULT_TEAM_CODE = ""
    assert team_for_practice(practice=None) == first
    settings.DEFAULT_TEAM_CODE = "no-such-team"
    assert team_for_practice(practice=None) == first


def test_no_team_at_all_gives_none(settings, db):
    settings.DEFAULT_TEAM_CODE = ""
    assert team_for_practice(practice=None) is None


def test_existing_link_worker_is_kept_for_continuity(practice_a, team_a, link_worker):
    colleague = LinkWorkerFactory(team=team_a)
    person = PersonFactory(practice=practice_a, link_worker=colleague)
    assert link_worker_for(person=person, team=team_a) == colleague


def test_practice_named_link_worker_takes_new_people(practice_a, team_a, link_worker):
    LinkWorkerFactory(team=team_a)
    person = PersonFactory(practice=practice_a)
    assert link_worker_for(person=person, team=team_a) == link_worker


def test_falls_back_to_longest_standing_active_team_member(practice_a, team_a):
    first = LinkWorkerFactory(team=team_a)
    LinkWorkerFactory(team=team_a)
    person = PersonFactory(practice=practice_a)
    assert link_worker_for(person=person, team=team_a) == first


def test_link_worker_who_left_the_team_is_replaced(practice_a, team_a, team_b, link_worker):
    leaver = LinkWorkerFactory(team=team_b)
    person = PersonFactory(practice=practice_a, link_worker=leaver)
    assert link_worker_for(person=person, team=team_a) == link_worker
