"""`manage.py seed_demo` builds the promised demo world, quickly and deterministically, and
`--if-empty` / `--reset` behave."""

from __future__ import annotations

import io
import time
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from assets.models import Asset, Category, LedBy
from champions.models import Champion
from demo.core import DEMO_PASSWORD, demo_data
from referrals.models import (
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    Conversation,
    ConversationRevision,
    FriendsObservation,
    Goal,
    GoalStatus,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Source,
)
from socialrx.models import PCN, Practice, Role, Team, User

pytestmark = pytest.mark.django_db

_cpu_seconds: list[float] = []


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds), committed; emptied again afterwards so
    other modules start from an empty database. Tests that change data run inside their own
    rolled-back transaction."""
    with django_db_blocker.unblock():
        started = time.process_time()
        call_command("seed_demo", stdout=io.StringIO())
        _cpu_seconds.append(time.process_time() - started)
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def seeded(seeded_once, db) -> float:
    return _cpu_seconds[0]


@pytest.fixture
def empty(seeded_once, db) -> None:
    """An empty database inside this test's transaction (rolled back afterwards)."""
    call_command("flush", interactive=False, verbosity=0)


def test_seed_demo_builds_the_small_world(seeded):
    assert PCN.objects.count() == 2
    assert Practice.objects.count() == 6
    assert Team.objects.count() == 2
    assert Person.objects.count() == 300
    assert Asset.objects.count() == 60
    assert Champion.objects.count() == 20
    assert User.objects.filter(role=Role.LINK_WORKER).count() == 4
    assert User.objects.filter(role=Role.PRACTICE_STAFF).count() == 2
    assert User.objects.filter(role=Role.COMMISSIONER).count() == 1
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    # Every practice has a team and a named link worker of that team.
    for practice in Practice.objects.select_related("named_link_worker"):
        assert practice.pcn_id and practice.team_id
        assert practice.named_link_worker.team_id == practice.team_id


def test_seed_demo_is_fast(seeded):
    # Processor time of this process (SQLite works in-process), so a busy machine's waiting
    # doesn't count.
    assert seeded < 30


def test_every_route_and_a_realistic_status_mix(seeded):
    assert set(Referral.objects.values_list("source", flat=True)) == set(Source.values)
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(ReferralStatus.values)
    received = Referral.objects.values_list("received_on", flat=True)
    span = (max(received) - min(received)).days
    assert 450 <= span <= 545  # about 18 months
    # Every referral has a history that starts at "received" and ends at its status.
    for referral in Referral.objects.prefetch_related("status_changes"):
        changes = list(referral.status_changes.all())
        assert changes[0].to_status == ReferralStatus.RECEIVED
        assert changes[-1].to_status == referral.status
        assert [c.at for c in changes] == sorted(c.at for c in changes)
    # Histories are back-dated, not all stamped "now".
    assert ReferralStatusChange.objects.dates("at", "month").count() >= 12


def test_practice_referrals_belong_to_the_persons_practice_and_team(seeded):
    for referral in Referral.objects.select_related("person").filter(
        source__in=[Source.GP, Source.PRACTICE_STAFF]
    ):
        assert referral.referring_practice_id == referral.person.practice_id
        assert referral.team_id == referral.person.team_id
    for person in Person.objects.select_related("link_worker").exclude(link_worker=None):
        assert person.link_worker.team_id == person.team_id


def test_no_demo_person_has_two_open_referrals(seeded):
    """One open case per person: a demo person referred again while supported has the later
    referral added to the open case, as intake does."""
    from django.db.models import Count, Q

    from referrals.models import OPEN_STATUSES

    doubled = (
        Person.objects.annotate(
            open_count=Count("referrals", filter=Q(referrals__status__in=OPEN_STATUSES))
        )
        .filter(open_count__gt=1)
        .count()
    )
    assert doubled == 0
    assert Person.objects.filter(referrals__status__in=OPEN_STATUSES).exists()
    # Some people were referred again while supported: those referrals joined the open case.
    joined = Referral.objects.filter(status=ReferralStatus.JOINED_CASE).select_related(
        "joined_case"
    )
    assert joined.exists()
    for referral in joined:
        assert referral.joined_case.person_id == referral.person_id
        assert referral.joined_case.status in OPEN_STATUSES
        assert referral.closed_on is not None


def test_conversations_friends_and_follow_ups(seeded):
    assert Conversation.objects.exclude(what_matters="").count() >= 150
    by_person = defaultdict(list)
    for person_id, day, count in FriendsObservation.objects.order_by("observed_on").values_list(
        "person_id", "observed_on", "friends_count"
    ):
        by_person[person_id].append((day, count))
    changes = []
    for rows in by_person.values():
        baseline_day, baseline = rows[0]
        later = [c for d, c in rows if (d - baseline_day).days >= 56]
        if later:
            changes.append(later[-1] - baseline)
    assert len(changes) >= 40
    assert sum(1 for c in changes if c > 0) > len(changes) / 2  # mostly increasing
    assert any(c <= 0 for c in changes)  # but not all


def test_a_corrected_conversation_and_coded_closing_outcomes(seeded):
    revision = ConversationRevision.objects.select_related("conversation").get()
    assert revision.conversation.version == 1 and revision.reason
    assert revision.changes["notes"][1] == revision.conversation.notes
    closed = Referral.objects.filter(status=ReferralStatus.CLOSED)
    assert closed.exists() and not closed.filter(close_reason="").exists()


def test_goals_connections_assets_and_volunteers_cover_every_kind(seeded):
    assert set(Goal.objects.values_list("status", flat=True)) == set(GoalStatus.values)
    assert set(Connection.objects.values_list("kind", flat=True)) == set(ConnectionKind.values)
    assert set(Connection.objects.values_list("outcome", flat=True)) == set(
        ConnectionOutcome.values
    )
    assert set(Asset.objects.values_list("category", flat=True)) == set(Category.values)
    led = set(Asset.objects.values_list("led_by", flat=True))
    assert LedBy.CITIZEN in led and led - {LedBy.CITIZEN}
    # Connections go to assets that were running on the day.
    for connection in Connection.objects.select_related("asset"):
        assert connection.asset.is_active_on(connection.made_on)
    from_referred = Champion.objects.exclude(person=None).select_related("person")
    assert 1 <= from_referred.count() <= 5
    for champion in from_referred:
        first = champion.person.referrals.order_by("received_on").first()
        assert first.received_on < champion.started_on


def test_demo_venues_each_have_one_address_and_one_postcode(seeded):
    places: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for name, address, postcode in Asset.objects.exclude(venue_name="").values_list(
        "venue_name", "address", "postcode"
    ):
        places[name].add((address, postcode))
    assert len(places) >= 8
    assert {name: len(where) for name, where in places.items()} == dict.fromkeys(places, 1)
    # Different venues are in different places.
    postcodes = [next(iter(where))[1] for where in places.values()]
    assert len(set(postcodes)) == len(postcodes)


def test_demo_groups_meet_where_such_a_group_can_meet(seeded):
    catalogue = demo_data("directory")
    suits = {v["name"]: set(v["suits"]) for v in catalogue["venues"]}
    for asset in Asset.objects.exclude(venue_name=""):
        assert asset.category in suits[asset.venue_name], (asset.name, asset.venue_name)
    allotment = Asset.objects.get(name="Canal Street allotment")
    assert allotment.venue_name == "Canal Street allotments"
    assert "church" not in allotment.venue_name.lower()
    phone = Asset.objects.get(name="Telephone befriending")
    assert (phone.venue_name, phone.getting_there, phone.step_free) == ("", "", None)


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def test_demo_listings_meet_when_and_cost_what_they_say(seeded):
    """A listing whose words name a day meets that day, and only then; one that says it is
    free (or whose first visit says so) costs nothing; one that names a fee is not free."""
    for asset in Asset.objects.prefetch_related("sessions"):
        words = f"{asset.description} {asset.schedule_text}".lower()
        named = {day for day, name in enumerate(DAYS) if name in words}
        if named:
            assert {s.weekday for s in asset.sessions.all()} == named, asset.name
        for session in asset.sessions.all():
            assert session.ends_at is None or session.ends_at > session.starts_at, asset.name
        says_free = asset.description.lower().startswith("free") or "it is free" in (
            asset.first_visit.lower()
        )
        if says_free:
            assert (asset.is_free, asset.cost) == (True, ""), asset.name
        if "fee" in words or "pay-as-you-feel" in words:
            assert not asset.is_free and asset.cost, asset.name
    walks = Asset.objects.get(name="Healthy walks in Moorfield Park")
    (walk,) = walks.sessions.all()
    assert (walk.starts_at.hour * 60 + walk.starts_at.minute) + 45 == (
        walk.ends_at.hour * 60 + walk.ends_at.minute
    )
    supper = Asset.objects.get(name="Community supper").sessions.get()
    assert supper.starts_at.hour >= 17


def test_demo_listings_were_last_confirmed_no_earlier_than_their_last_edit(seeded):
    """Saving a listing confirms it: no demo listing shows an edit after its confirmation."""
    from assets.models import AssetChange

    for change in AssetChange.objects.filter(action=AssetChange.Action.EDITED).select_related(
        "asset"
    ):
        assert change.asset.last_confirmed_at >= change.at, change.asset.name
        assert change.asset.last_confirmed_by_id == change.by_id


def test_demo_listings_say_what_to_expect_and_how_to_get_there(seeded):
    listed = Asset.objects.exclude(venue_name="")
    assert not listed.filter(first_visit="").exists()
    assert not listed.filter(getting_there="").exists()
    assert not Asset.objects.filter(ask_for="").exists()
    # Access is sometimes yes, sometimes no and sometimes not known.
    assert set(listed.values_list("accessible_toilet", flat=True)) == {True, False, None}


def test_demo_password_logs_everyone_in(seeded):
    for username in ["lw_asha", "gp_patel", "vol_sam", "commissioner", "admin"]:
        # The sign-in lockout needs the request that signs in.
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request=request, username=username, password=DEMO_PASSWORD) is not None


def test_seed_demo_is_deterministic(seeded):
    first = list(Referral.objects.order_by("referral_ref").values_list("source", "received_on"))
    call_command("seed_demo", "--reset", stdout=io.StringIO())
    again = list(Referral.objects.order_by("referral_ref").values_list("source", "received_on"))
    assert first == again
    assert Person.objects.count() == 300  # reset replaced, not added


def test_if_empty_does_nothing_when_practices_exist(seeded):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Person.objects.count() == 300
    assert Practice.objects.count() == 6
    assert "already" in out.getvalue()


def test_seed_demo_refuses_to_add_to_existing_data(seeded):
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())
    assert Person.objects.count() == 300


def test_seed_demo_refuses_when_a_demo_username_is_taken(empty):
    User.objects.create_user(username="admin", password="x", role=Role.COMMISSIONER)
    with pytest.raises(CommandError, match="admin"):
        call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert not Practice.objects.exists()


def test_seed_demo_whatever_ids_the_practices_get(empty):
    """Registered patients' key ids (practice id × 10,000,000 + their number) and those of
    the people on the caseload never meet: with practice ids from 90, the first practice's
    patients would otherwise take the caseload's ids (900,000,000 + person id)."""
    from django.db import connection

    from outcomes.models import AppointmentCount, PatientKey

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('socialrx_practice', 'id'), 89)")
    else:  # AUTOINCREMENT: the next id follows the largest ever given
        Practice.objects.create(id=89, ods_code="Z00089", name="Gone").delete()

    call_command("seed_demo", stdout=io.StringIO())

    assert Practice.objects.order_by("id").values_list("id", flat=True)[0] == 90
    keyed = Person.objects.exclude(patient_key="").exclude(practice=None)
    assert PatientKey.objects.filter(key__in=keyed.values("patient_key")).count() == keyed.count()
    assert AppointmentCount.objects.filter(patient__key__in=keyed.values("patient_key")).exists()


def test_if_empty_seeds_an_empty_database(empty):
    assert not Practice.objects.exists()
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert Practice.objects.count() == 6


def test_demo_logins_prints_every_role_and_the_password(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username in ["lw_asha", "gp_patel", "rec_jones", "vol_sam", "commissioner", "admin"]:
        assert username in text
    for role in ["Link worker", "Practice staff", "Volunteer", "Commissioner", "Administrator"]:
        assert role in text


def test_demo_logins_without_demo_data_says_how_to_get_it(empty):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()


def test_reset_is_refused_under_production_settings(settings):
    """``--reset`` flushes every table: under the production settings it never runs, and
    nothing is deleted."""
    settings.SOCIALRX_ENV = "production"
    practice = Practice.objects.create(ods_code="Z99999", name="Real Surgery")
    with pytest.raises(CommandError, match="refused under the production settings"):
        call_command("seed_demo", "--reset", stdout=io.StringIO())
    assert Practice.objects.filter(pk=practice.pk).exists()


def test_production_settings_module_declares_itself_production():
    """The marker seed_demo checks is set by settings/production.py itself."""
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        "DJANGO_SETTINGS_MODULE": "socialrx.settings.production",
        "SECRET_KEY": "k8$Qz" * 12,
        "PATIENT_KEY_PEPPER": "p" * 40,
        "ALLOWED_HOSTS": "socialrx.example.nhs.uk",
        "SOCIALRX_ENV": "development",  # the environment cannot talk it out of it
    }
    code = "from django.conf import settings; print(settings.SOCIALRX_ENV)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env={"PATH": __import__("os").environ.get("PATH", ""), **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "production", result.stderr


def test_every_link_worker_has_a_day_with_overdue_tasks(seeded):
    from django.utils import timezone

    from referrals.models import Task, TaskKind
    from referrals.selectors.tasks import my_day

    today = timezone.localdate()
    for worker in User.objects.filter(role=Role.LINK_WORKER, username__startswith="lw_"):
        day = my_day(user=worker, today=today)
        assert day.overdue, worker.username
        assert day.due_today or day.this_week, worker.username
        assert day.appointments, worker.username
    assert Task.objects.filter(kind=TaskKind.CONNECTION_FOLLOW_UP).exists()


def test_demo_shows_messages_to_people(seeded):
    from referrals.models import Message, MessageStatus

    assert all(team.phone for team in Team.objects.all())
    assert Message.objects.filter(status=MessageStatus.SENT).exists()
    assert Person.objects.exclude(address="").count() == Person.objects.count()
