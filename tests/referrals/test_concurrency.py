"""Lost updates and racing status changes on a case: two link workers working on the same
person. The second save made from a record someone else has changed since is refused, says
what changed, and keeps what the second user typed (item: lost updates). A status change is
made only from the status the user was shown (item: racing status changes). The database keeps
``closed_on`` consistent with the status."""

from __future__ import annotations

import datetime as dt
import html
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from referrals.models import (
    Connection,
    ConnectionOutcomeChange,
    Goal,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from referrals.services.connections import connection_outcome_set
from referrals.services.goals import goal_status_set
from referrals.services.people import person_update
from referrals.services.status import StatusConflict, referral_close, referral_status_change
from socialrx.concurrency import CONFLICT_MESSAGE, EditConflict
from socialrx.models import AuditLog
from tests.referrals.factories import ConnectionFactory, GoalFactory, ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def colleague(team_a):
    """A second link worker of the same team: they may see and edit the same people."""
    return LinkWorkerFactory(team=team_a, first_name="Cleo", last_name="Colleague")


def _hidden(content: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', content)
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


def _person_data(person: Person, **changes: object) -> dict[str, object]:
    data = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": "",
        "nhs_number": person.nhs_number or "",
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "postcode": person.postcode,
        "phone": person.phone,
        "email": person.email,
        "preferred_language": person.preferred_language,
        "communication_needs": person.communication_needs,
    }
    data.update(changes)
    return data


# --- people: the edit form ------------------------------------------------------------------


def test_person_edit_form_carries_the_version_it_was_loaded_with(client_for, link_worker, person):
    Person.objects.filter(pk=person.pk).update(version=7)
    content = (
        client_for(link_worker)
        .get(reverse("referrals:person_edit", args=[person.pk]))
        .content.decode()
    )
    assert _hidden(content, "version") == "7"
    # What the form was loaded with travels as keyed digests, never as the values.
    loaded = signing.loads(_hidden(content, "loaded"), salt="socialrx.concurrency.loaded")
    assert set(loaded) >= {"given_name", "phone"}
    assert "Maria" not in str(loaded) and "Large print" not in str(loaded)


def test_second_edit_of_a_person_is_refused_and_told_what_changed(
    client_for, link_worker, colleague, person
):
    """Two link workers open the same record; the colleague saves a new phone number first.
    The link worker's save (a new given name) must not put the old phone number back."""
    url = reverse("referrals:person_edit", args=[person.pk])
    client = client_for(link_worker)
    form_page = client.get(url).content.decode()
    loaded = {"version": _hidden(form_page, "version"), "loaded": _hidden(form_page, "loaded")}

    person_update(
        person=Person.objects.get(pk=person.pk),
        by=colleague,
        data={"phone": "0161 496 0000"},
        version=person.version,
    )

    response = client.post(url, {**_person_data(person, given_name="Mariam"), **loaded})
    content = response.content.decode()
    assert response.status_code == 409
    assert "nhsuk-error-summary" in content
    assert CONFLICT_MESSAGE in content
    # Which field changed, and what it holds now (the user may see this record).
    assert "Phone was changed by someone else to: 0161 496 0000" in content
    assert "Given name was changed" not in content
    # The changed field is marked in place too, and its message is announced with it.
    assert 'id="id_phone-error"' in content
    phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', content)
    assert phone_input and "id_phone-error" in phone_input.group(0)
    # What the user typed is still in the form, to apply again.
    assert 'value="Mariam"' in content
    person.refresh_from_db()
    assert (person.given_name, person.phone, person.version) == ("Maria", "0161 496 0000", 1)
    assert AuditLog.objects.filter(action="update", user=link_worker).count() == 0

    # The form has moved on to the record as it is now: saving again applies the user's
    # values knowingly.
    again = {"version": _hidden(content, "version"), "loaded": _hidden(content, "loaded")}
    assert again["version"] == "1"
    data = _person_data(person, given_name="Mariam")
    response = client.post(url, {**data, **again})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.given_name, person.phone, person.version) == ("Mariam", "0161 496 0000", 2)


def test_person_edit_without_a_version_is_refused_as_out_of_date(client_for, link_worker, person):
    url = reverse("referrals:person_edit", args=[person.pk])
    response = client_for(link_worker).post(url, _person_data(person, given_name="Mariam"))
    assert "This form is out of date" in response.content.decode()
    person.refresh_from_db()
    assert person.given_name == "Maria"


def test_person_update_with_a_stale_version_writes_nothing(person, link_worker):
    Person.objects.filter(pk=person.pk).update(version=3)
    with pytest.raises(EditConflict) as caught:
        person_update(person=person, by=link_worker, data={"phone": "0700"}, version=2)
    assert caught.value.current.version == 3
    person.refresh_from_db()
    assert (person.phone, person.version) == ("", 3)
    assert not AuditLog.objects.filter(action="update").exists()


def test_person_update_moves_the_version_on(person, link_worker):
    person_update(person=person, by=link_worker, data={"phone": "0700"}, version=0)
    person.refresh_from_db()
    assert person.version == 1


# --- goals and connections: the htmx rows ---------------------------------------------------


def test_goal_status_from_a_stale_row_is_refused_in_the_row_keeping_the_choice(
    client_for, link_worker, colleague, person
):
    goal = GoalFactory(person=person)
    shown = goal.version
    goal_status_set(goal=Goal.objects.get(pk=goal.pk), status="working_on_it", by=colleague)

    response = client_for(link_worker).post(
        reverse("referrals:goal_status", args=[goal.pk]),
        {"status": "achieved", "version": shown},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith(f'<tr class="nhsuk-table__row" id="goal-{goal.pk}">')
    assert "Someone else changed this goal while you were editing it" in content
    assert "it is now “Working on it”" in content
    # The user's choice stays selected, with the current version, to save again.
    assert '<option value="achieved" selected>' in content
    assert 'name="version" value="1"' in content
    goal.refresh_from_db()
    assert goal.status == "working_on_it"


def test_goal_status_from_a_stale_page_without_htmx_says_so(
    client_for, link_worker, colleague, person
):
    goal = GoalFactory(person=person)
    goal_status_set(goal=Goal.objects.get(pk=goal.pk), status="working_on_it", by=colleague)
    client = client_for(link_worker)
    response = client.post(
        reverse("referrals:goal_status", args=[goal.pk]), {"status": "achieved", "version": 0}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Someone else changed this goal while you were editing it" in page
    goal.refresh_from_db()
    assert goal.status == "working_on_it"


def test_connection_outcome_from_a_stale_row_is_refused_and_recorded_once(
    client_for, link_worker, colleague, person, asset
):
    connection = ConnectionFactory(person=person, asset=asset)
    connection_outcome_set(
        connection=Connection.objects.get(pk=connection.pk), outcome="attended", by=colleague
    )
    response = client_for(link_worker).post(
        reverse("referrals:connection_outcome", args=[connection.pk]),
        {"outcome": "did_not_attend", "version": 0},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert "Someone else changed this follow-up while you were editing it" in content
    assert "it is now “Attended”" in content
    assert '<option value="did_not_attend" selected>' in content
    connection.refresh_from_db()
    assert connection.outcome == "attended"
    assert list(ConnectionOutcomeChange.objects.values_list("outcome", flat=True)) == ["attended"]


def test_connection_outcome_set_from_a_stale_copy_raises(person, asset, link_worker, colleague):
    connection = ConnectionFactory(person=person, asset=asset)
    stale = Connection.objects.get(pk=connection.pk)
    connection_outcome_set(connection=connection, outcome="attended", by=colleague)
    with pytest.raises(EditConflict):
        connection_outcome_set(connection=stale, outcome="did_not_attend", by=link_worker)
    assert ConnectionOutcomeChange.objects.count() == 1


def test_row_without_a_version_is_refused_as_out_of_date(client_for, link_worker, person):
    goal = GoalFactory(person=person)
    response = client_for(link_worker).post(
        reverse("referrals:goal_status", args=[goal.pk]),
        {"status": "achieved"},
        HTTP_HX_REQUEST="true",
    )
    assert "This form is out of date" in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == "not_started"


# --- referral status: conditional on the status shown ---------------------------------------


def test_status_change_from_a_status_no_longer_current_is_refused(
    client_for, link_worker, colleague, referral
):
    """The link worker was shown "received" and chose "declined"; meanwhile a colleague moved
    the referral to "active". Only the colleague's change is made and recorded."""
    referral_status_change(
        referral=Referral.objects.get(pk=referral.pk), to_status="active", by=colleague
    )
    response = client_for(link_worker).post(
        reverse("referrals:referral_status_change", args=[referral.pk]),
        {
            "to_status": "declined",
            "from_status": "received",
            "end_reason": "declined_by_person",
            "note": "They said no",
        },
    )
    content = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content
    assert "Someone else changed the status of this referral while you were choosing" in content
    assert "it was received and is now active" in content
    # The form now offers what an active referral can become, keeping the note.
    assert 'name="from_status" value="active"' in content
    assert "They said no" in content
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on) == ("active", None)
    assert list(ReferralStatusChange.objects.values_list("to_status", flat=True)) == ["active"]


def test_status_change_service_is_conditional_on_the_status_loaded(referral, link_worker):
    stale = Referral.objects.get(pk=referral.pk)
    referral_status_change(referral=referral, to_status="active", by=link_worker)
    with pytest.raises(StatusConflict):
        referral_status_change(referral=stale, to_status="declined", by=link_worker)
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on) == ("active", None)
    assert ReferralStatusChange.objects.count() == 1
    assert referral.version == 1


def test_closing_from_a_stale_page_is_refused_and_keeps_the_outcome_typed(
    client_for, link_worker, colleague, referral
):
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACTIVE)
    referral_status_change(
        referral=Referral.objects.get(pk=referral.pk), to_status="withdrawn", by=colleague
    )
    response = client_for(link_worker).post(
        reverse("referrals:referral_close", args=[referral.pk]),
        {
            "close_reason": "connected",
            "closure_outcome": "Goes to the choir weekly",
            "closed_on": TODAY.isoformat(),
            "from_status": "active",
        },
    )
    content = html.unescape(response.content.decode())
    assert "it was active and is now withdrawn" in content
    assert "Goes to the choir weekly" in content
    referral.refresh_from_db()
    assert (referral.status, referral.closure_outcome) == ("withdrawn", "")


def test_close_service_sets_closed_on_and_status_together(referral, link_worker):
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACTIVE)
    referral.refresh_from_db()
    referral_close(referral=referral, outcome="Done", reason="goals_met", by=link_worker, on=TODAY)
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on, referral.closure_outcome) == (
        "closed",
        TODAY,
        "Done",
    )


# --- closed_on matches the status, in the database ------------------------------------------


@pytest.mark.parametrize(
    ("status", "closed_on"),
    [
        (ReferralStatus.ACTIVE, TODAY),
        (ReferralStatus.RECEIVED, TODAY),
        (ReferralStatus.CLOSED, None),
        (ReferralStatus.UNABLE_TO_CONTACT, None),
    ],
)
def test_database_refuses_closed_on_that_contradicts_the_status(referral, status, closed_on):
    """Runs on SQLite by default and on PostgreSQL when DATABASE_URL names one."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=status, closed_on=closed_on)
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on) == ("received", None)


def test_database_accepts_consistent_rows(referral):
    Referral.objects.filter(pk=referral.pk).update(status="declined", closed_on=TODAY)
    Referral.objects.filter(pk=referral.pk).update(status="received", closed_on=None)


def test_repair_migration_makes_existing_rows_consistent(person):
    """Rows written before the constraint existed are repaired by migration 0005: open ones
    lose ``closed_on``, ended ones get the date of their move to that status."""
    constraint = next(
        c for c in Referral._meta.constraints if c.name == "referral_closed_on_matches_status"
    )
    open_with_date = ReferralFactory(person=person)
    ended_with_history = ReferralFactory(person=person)
    ended_without = ReferralFactory(person=person)
    ended_on = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    with _constraint_lifted(constraint):
        Referral.objects.filter(pk=open_with_date.pk).update(status="active", closed_on=TODAY)
        Referral.objects.filter(pk=ended_with_history.pk).update(status="declined")
        ReferralStatusChange.objects.create(
            referral=ended_with_history, from_status="received", to_status="declined"
        )
        ReferralStatusChange.objects.filter(referral=ended_with_history).update(at=ended_on)
        Referral.objects.filter(pk=ended_without.pk).update(status="withdrawn")
        repair = importlib.import_module(
            "referrals.migrations.0008_repair_referral_closed_on"
        ).repair
        repair(django_apps, None)
    closed = dict(Referral.objects.values_list("pk", "closed_on"))
    assert closed[open_with_date.pk] is None
    assert closed[ended_with_history.pk] == dt.date(2025, 6, 1)
    assert closed[ended_without.pk] is not None


class _constraint_lifted:
    """Let the test write rows the constraint forbids, as rows written before it existed; the
    constraint is put back (PostgreSQL checks existing rows then) on the way out."""

    def __init__(self, constraint):
        self.constraint = constraint

    def __enter__(self):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA ignore_check_constraints = 1")
            else:
                # Deferred foreign-key checks of the rows just made must run before the table
                # can change.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    f"ALTER TABLE {Referral._meta.db_table} DROP CONSTRAINT {self.constraint.name}"
                )

    def __exit__(self, *exc):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = 0")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with connection.schema_editor(atomic=False) as editor:
                editor.add_constraint(Referral, self.constraint)
        return False
