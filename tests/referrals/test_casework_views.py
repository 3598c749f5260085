from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from referrals.models import (
    CaseNote,
    Connection,
    ConsentPurpose,
    ContactAttempt,
    Conversation,
    Feedback,
    FriendsObservation,
    Goal,
    Person,
    ReferralStatus,
    ReferralStatusChange,
    SwemwbsResponse,
)
from referrals.questionnaires import SWEMWBS_COPYRIGHT, SWEMWBS_ITEMS
from socialrx.models import AuditLog
from tests.referrals.factories import (
    VALID_NHS,
    ConnectionFactory,
    ConsentFactory,
    ConversationFactory,
    GoalFactory,
    PersonFactory,
    ReferralFactory,
    TaskFactory,
    make_case,
)
from tests.socialrx.factories import LinkWorkerFactory

TODAY = timezone.localdate()


@pytest.fixture
def case(person, referral, asset, link_worker):
    """A person with one of everything, and the URLs of every casework page about them."""
    goal = GoalFactory(person=person, referral=referral)
    connection = ConnectionFactory(person=person, referral=referral, asset=asset)
    feedback = Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Needs",
        support_offered="Support",
    )
    return {
        "person": person,
        "referral": referral,
        "goal": goal,
        "connection": connection,
        "feedback": feedback,
    }


def case_urls(case):
    p, r = case["person"].pk, case["referral"].pk
    return {
        "person": ("get", reverse("referrals:person", args=[p]), {}),
        "person_edit": ("get", reverse("referrals:person_edit", args=[p]), {}),
        "person_link_worker": ("post", reverse("referrals:person_link_worker", args=[p]), {}),
        "conversation_create": ("get", reverse("referrals:conversation_create", args=[p]), {}),
        "goal_create": ("post", reverse("referrals:goal_create", args=[p]), {"description": "x"}),
        "connection_create": ("get", reverse("referrals:connection_create", args=[p]), {}),
        "note_create": ("post", reverse("referrals:note_create", args=[p]), {"text": "x"}),
        "referral_status_change": (
            "get",
            reverse("referrals:referral_status_change", args=[r]),
            {},
        ),
        "referral_close": ("get", reverse("referrals:referral_close", args=[r]), {}),
        "feedback_create": ("get", reverse("referrals:feedback_create", args=[r]), {}),
        "feedback_letter": (
            "get",
            reverse("referrals:feedback_letter", args=[case["feedback"].pk]),
            {},
        ),
        "goal_status": (
            "post",
            reverse("referrals:goal_status", args=[case["goal"].pk]),
            {"status": "achieved"},
        ),
        "connection_outcome": (
            "post",
            reverse("referrals:connection_outcome", args=[case["connection"].pk]),
            {"outcome": "attended"},
        ),
    }


PAGES = [
    "person",
    "person_edit",
    "person_link_worker",
    "conversation_create",
    "goal_create",
    "connection_create",
    "note_create",
    "referral_status_change",
    "referral_close",
    "feedback_create",
    "feedback_letter",
    "goal_status",
    "connection_outcome",
]


def _call(client, method, url, data):
    return getattr(client, method)(url, data)


# --- who may use the pages -------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["link_worker", "admin_user"])
def test_allowed_personas_reach_every_casework_page(request, client_for, case, name, persona):
    method, url, data = case_urls(case)[name]
    response = _call(client_for(request.getfixturevalue(persona)), method, url, data)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].startswith(
            reverse("referrals:person", args=[case["person"].pk])
        )


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_out_of_scope_personas_get_404_and_change_nothing(request, client_for, case, name, persona):
    method, url, data = case_urls(case)[name]
    before = (Goal.objects.count(), CaseNote.objects.count())
    response = _call(client_for(request.getfixturevalue(persona)), method, url, data)
    assert response.status_code == 404
    assert (Goal.objects.count(), CaseNote.objects.count()) == before
    assert Goal.objects.get(pk=case["goal"].pk).status == "not_started"
    assert Connection.objects.get(pk=case["connection"].pk).outcome == "pending"


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_log_in(anon_client, case, name):
    method, url, data = case_urls(case)[name]
    response = _call(anon_client, method, url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_caseload_is_404_for_other_roles_and_teams_see_only_their_people(
    request, client_for, person, referral, other_person, persona
):
    response = client_for(request.getfixturevalue(persona)).get(reverse("referrals:caseload"))
    if persona == "other_link_worker":
        assert response.status_code == 200
        assert other_person.full_name in response.content.decode()
        assert person.full_name not in response.content.decode()
    else:
        assert response.status_code == 404


def test_caseload_sends_anonymous_visitor_to_log_in(anon_client):
    response = anon_client.get(reverse("referrals:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_sees_every_team_on_the_caseload(
    client_for, admin_user, person, referral, other_person
):
    content = client_for(admin_user).get(reverse("referrals:caseload")).content.decode()
    assert person.full_name in content
    assert other_person.full_name in content


# --- caseload --------------------------------------------------------------------------------


def test_caseload_lists_open_and_recent_cases_newest_activity_first(
    client_for, link_worker, practice_a
):
    old = make_case(practice=practice_a, link_worker=link_worker, given_name="Oldest")
    new = make_case(practice=practice_a, link_worker=link_worker, given_name="Newest")
    Person.objects.filter(pk=old.pk).update(last_activity_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    long_closed = PersonFactory(practice=practice_a, given_name="Longgone")
    ReferralFactory(
        person=long_closed, status=ReferralStatus.CLOSED, closed_on=TODAY - dt.timedelta(days=200)
    )
    recently_closed = PersonFactory(practice=practice_a, given_name="Recentlyclosed")
    ReferralFactory(
        person=recently_closed,
        status=ReferralStatus.CLOSED,
        closed_on=TODAY - dt.timedelta(days=10),
    )
    content = client_for(link_worker).get(reverse("referrals:caseload")).content.decode()
    assert content.index("Newest") < content.index("Oldest")
    assert "Recentlyclosed" in content
    assert "Longgone" not in content
    assert "Anna Link" in content  # the named link worker
    assert new.pk


def test_caseload_filters_by_status(client_for, link_worker, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Activeone")
    make_case(
        practice=practice_a,
        link_worker=link_worker,
        given_name="Receivedone",
        status=ReferralStatus.RECEIVED,
    )
    response = client_for(link_worker).get(reverse("referrals:caseload"), {"status": "received"})
    content = response.content.decode()
    assert "Receivedone" in content
    assert "Activeone" not in content
    assert "<html" in content  # without htmx: the full page


def test_caseload_filter_with_htmx_returns_only_the_results(client_for, link_worker, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Activeone")
    response = client_for(link_worker).get(
        reverse("referrals:caseload"), {"status": "active"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "Activeone" in content
    assert "<html" not in content
    assert 'id="caseload-table"' in content
    assert "<h1>" not in content


def test_caseload_search_by_name_is_a_post(client_for, link_worker, practice_a):
    make_case(
        practice=practice_a, link_worker=link_worker, given_name="Findme", family_name="Smith"
    )
    make_case(practice=practice_a, link_worker=link_worker, given_name="Other", family_name="Jones")
    response = client_for(link_worker).post(reverse("referrals:caseload"), {"q": "findme smi"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Findme Smith" in content
    assert "Other Jones" not in content
    assert "<html" in content


def test_caseload_search_by_nhs_number_with_htmx(client_for, link_worker, practice_a):
    make_case(
        practice=practice_a,
        link_worker=link_worker,
        given_name="Numbered",
        nhs_number=VALID_NHS,
    )
    make_case(practice=practice_a, link_worker=link_worker, given_name="Unnumbered")
    response = client_for(link_worker).post(
        reverse("referrals:caseload"), {"q": "943 476 5919"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "Numbered" in content
    assert "Unnumbered" not in content
    assert "<html" not in content


def test_caseload_search_never_finds_another_teams_person(client_for, link_worker, other_person):
    response = client_for(link_worker).post(reverse("referrals:caseload"), {"q": "Olly"})
    assert other_person.full_name not in response.content.decode()
    assert 'id="caseload-empty"' in response.content.decode()


def test_caseload_is_paginated(client_for, link_worker, practice_a):
    for i in range(27):
        make_case(practice=practice_a, link_worker=link_worker, given_name=f"Person{i:02d}")
    client = client_for(link_worker)
    first = client.get(reverse("referrals:caseload")).content.decode()
    second = client.get(reverse("referrals:caseload"), {"page": 2}).content.decode()
    assert first.count('class="nhsuk-table__row"') == 25
    assert second.count('class="nhsuk-table__row"') == 2
    assert "page=2" in first


def test_caseload_query_count_does_not_grow_with_people(
    client_for, link_worker, practice_a, team_a, django_assert_num_queries
):
    client = client_for(link_worker)
    colleagues = [LinkWorkerFactory(team=team_a) for _ in range(3)]
    for i in range(3):
        make_case(practice=practice_a, link_worker=colleagues[i])
    client.get(reverse("referrals:caseload"))  # warm the session
    # session, user, the practices to filter by, count, page, audit entry
    with django_assert_num_queries(6):
        client.get(reverse("referrals:caseload"))
    for i in range(12):
        make_case(practice=practice_a, link_worker=colleagues[i % 3])
    with django_assert_num_queries(6):
        response = client.get(reverse("referrals:caseload"))
    assert response.content.decode().count('class="nhsuk-table__row"') == 15


# --- the person page -------------------------------------------------------------------------


def test_person_page_shows_details_and_a_merged_timeline(client_for, link_worker, case):
    person = case["person"]
    ConversationFactory(
        person=person, referral=case["referral"], held_on=TODAY, what_matters="Dogs"
    )
    CaseNote.objects.create(person=person, text="Rang the surgery", by=link_worker)
    ReferralStatusChange.objects.create(
        referral=case["referral"], from_status="received", to_status="contacted", by=link_worker
    )
    response = client_for(link_worker).get(reverse("referrals:person", args=[person.pk]))
    content = response.content.decode()
    assert "Large print letters" in content
    assert 'id="named-link-worker">Anna Link' in content
    timeline = content[content.index('id="timeline-list"') :]
    for text in (
        "Dogs",
        "Rang the surgery",
        "Goal agreed",
        "Connected to Canal walking group",
        "Feedback to the referrer for referral",
    ):
        assert text in timeline
    assert "Received → Contacted" in timeline
    assert "{% block person_extra %}" not in content


def test_person_timeline_is_newest_first(client_for, link_worker, person):
    ReferralFactory(person=person, received_on=TODAY - dt.timedelta(days=30))
    ConversationFactory(
        person=person, held_on=TODAY - dt.timedelta(days=20), what_matters="Older talk"
    )
    ConversationFactory(
        person=person, held_on=TODAY - dt.timedelta(days=2), what_matters="Newer talk"
    )
    content = (
        client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content.decode()
    )
    timeline = content[content.index('id="timeline-list"') :]
    assert timeline.index("Newer talk") < timeline.index("Older talk") < timeline.index("Referral ")


def test_viewing_a_person_is_audited(client_for, link_worker, person):
    client_for(link_worker).get(reverse("referrals:person", args=[person.pk]))
    entry = AuditLog.objects.get(action="view")
    assert (entry.user, entry.action, entry.person_id) == (link_worker, "view", person.pk)
    assert (entry.object_type, entry.object_id, entry.detail) == (
        "referrals.person",
        str(person.pk),
        "person page",
    )


def test_person_page_query_count_does_not_grow_with_the_record(
    client_for, link_worker, person, asset, django_assert_num_queries
):
    client = client_for(link_worker)

    def add_records():
        referral = ReferralFactory(person=person)
        ReferralStatusChange.objects.create(
            referral=referral, from_status="received", to_status="contacted", by=link_worker
        )
        Feedback.objects.create(
            referral=referral,
            snomed_code="871731000000106",
            needs_and_concerns="n",
            support_offered="s",
        )
        conversation = ConversationFactory(person=person, referral=referral, held_by=link_worker)
        FriendsObservation.objects.create(
            person=person, conversation=conversation, observed_on=TODAY, friends_count=2
        )
        GoalFactory(person=person, created_by=link_worker)
        connection = ConnectionFactory(person=person, asset=asset, made_by=link_worker)
        connection.outcome_changes.create(outcome="attended", by=link_worker)
        CaseNote.objects.create(person=person, text="note", by=link_worker)
        ContactAttempt.objects.create(
            person=person,
            referral=referral,
            method="phone",
            outcome="no_answer",
            attempted_at=timezone.now(),
            by=link_worker,
        )
        ConsentFactory(person=person, purpose=ConsentPurpose.CONTACT, recorded_by=link_worker)
        TaskFactory(person=person, connection=connection)

    add_records()
    client.get(reverse("referrals:person", args=[person.pk]))
    # session, user, person, referrals, status changes, feedback, conversations, goals,
    # connections, outcome changes, groups' answers, notes, contact attempts, consent, audit
    # insert, the team's link workers (once, for both the named link worker's select and the
    # tasks' "give to" choices), open tasks, appointments, the places offered for booking (the
    # team's practices, places its appointments used), and messages sent to them
    with django_assert_num_queries(21):
        client.get(reverse("referrals:person", args=[person.pk]))
    for _ in range(4):
        add_records()
    with django_assert_num_queries(21):
        response = client.get(reverse("referrals:person", args=[person.pk]))
    assert response.content.decode().count("Rang") == 0
    assert response.content.decode().count("Goal agreed") == 5


# --- person details and link worker --------------------------------------------------------


def test_edit_details_saves_and_audits(client_for, link_worker, person):
    data = {
        "given_name": "Maria",
        "family_name": "Quinn",
        "date_of_birth": "1960-05-17",
        "nhs_number": "943 476 5919",
        "sex": "female",
        "ethnicity": "white",
        "postcode": "m11ae",
        "phone": "",
        "email": "",
        "preferred_language": "Polish",
        "communication_needs": "Interpreter",
        "version": person.version,
    }
    response = client_for(link_worker).post(
        reverse("referrals:person_edit", args=[person.pk]), data
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.nhs_number, person.postcode, person.preferred_language) == (
        VALID_NHS,
        "M1 1AE",
        "Polish",
    )
    assert person.patient_key
    entry = AuditLog.objects.get(action="update")
    assert "nhs_number" in entry.detail and VALID_NHS not in entry.detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "1234567890", "Enter a valid 10-digit NHS number"),
        ("postcode", "NOT A CODE", "Enter a full UK postcode"),
        ("given_name", "", "Enter the person&#x27;s given name"),
        ("phone", "0800 123 4567", "Enter a UK phone number"),
    ],
)
def test_edit_details_bad_input_shows_error_summary_and_saves_nothing(
    client_for, link_worker, person, field, value, message
):
    data = {
        "given_name": "Changed",
        "family_name": "Quinn",
        "sex": "unknown",
        "ethnicity": "unknown",
        "postcode": "M1 1AE",
        "nhs_number": "",
        "version": person.version,
        field: value,
    }
    response = client_for(link_worker).post(
        reverse("referrals:person_edit", args=[person.pk]), data
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content
    assert message in content
    person.refresh_from_db()
    assert person.given_name == "Maria"
    assert not AuditLog.objects.filter(action="update").exists()


def test_reassign_link_worker_within_team(client_for, link_worker, person, team_a):
    colleague = LinkWorkerFactory(team=team_a, first_name="Cleo", last_name="Colleague")
    response = client_for(link_worker).post(
        reverse("referrals:person_link_worker", args=[person.pk]), {"link_worker": colleague.pk}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.link_worker == colleague


def test_reassign_to_other_team_shows_error_and_changes_nothing(
    client_for, link_worker, other_link_worker, person
):
    response = client_for(link_worker).post(
        reverse("referrals:person_link_worker", args=[person.pk]),
        {"link_worker": other_link_worker.pk},
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    person.refresh_from_db()
    assert person.link_worker == link_worker


# --- status changes and closing --------------------------------------------------------------


def test_status_change_page_offers_only_allowed_statuses(client_for, link_worker, referral):
    content = (
        client_for(link_worker)
        .get(reverse("referrals:referral_status_change", args=[referral.pk]))
        .content.decode()
    )
    assert 'value="contacted"' in content
    assert 'value="closed"' not in content


def test_status_change_post(client_for, link_worker, referral):
    response = client_for(link_worker).post(
        reverse("referrals:referral_status_change", args=[referral.pk]),
        {"to_status": "contacted", "note": "Left a message", "from_status": "received"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "contacted"
    assert ReferralStatusChange.objects.get().by == link_worker


def test_invalid_status_change_shows_error_and_saves_nothing(client_for, link_worker, referral):
    referral.status = ReferralStatus.ACTIVE
    referral.save()
    response = client_for(link_worker).post(
        reverse("referrals:referral_status_change", args=[referral.pk]),
        {"to_status": "received", "from_status": "active"},
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "active"
    assert not ReferralStatusChange.objects.exists()


def test_close_case_with_outcome(client_for, link_worker, referral):
    referral.status = ReferralStatus.ACTIVE
    referral.save()
    response = client_for(link_worker).post(
        reverse("referrals:referral_close", args=[referral.pk]),
        {
            "close_reason": "connected",
            "closure_outcome": "Goes to the choir weekly",
            "closed_on": TODAY.isoformat(),
            "from_status": "active",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on, referral.closure_outcome) == (
        "closed",
        TODAY,
        "Goes to the choir weekly",
    )


def test_closing_a_received_referral_is_refused_clearly(client_for, link_worker, referral):
    response = client_for(link_worker).post(
        reverse("referrals:referral_close", args=[referral.pk]),
        {
            "close_reason": "connected",
            "closure_outcome": "Done",
            "closed_on": TODAY.isoformat(),
            "from_status": "received",
        },
    )
    content = response.content.decode()
    assert "nhsuk-error-summary" in content
    assert "A received referral cannot become closed" in content
    referral.refresh_from_db()
    assert referral.status == "received"


def test_close_without_outcome_shows_error(client_for, link_worker, referral):
    referral.status = ReferralStatus.ACTIVE
    referral.save()
    response = client_for(link_worker).post(
        reverse("referrals:referral_close", args=[referral.pk]),
        {
            "close_reason": "connected",
            "closure_outcome": "",
            "closed_on": TODAY.isoformat(),
            "from_status": "active",
        },
    )
    assert "nhsuk-error-summary" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "active"


# --- conversations ---------------------------------------------------------------------------


def _conversation_data(**extra):
    data = {"held_on": TODAY.isoformat(), "what_matters": "Seeing my grandchildren"}
    data.update(extra)
    return data


def test_conversation_form_puts_free_text_first_and_shows_swemwbs_copyright(
    client_for, link_worker, person
):
    content = (
        client_for(link_worker)
        .get(reverse("referrals:conversation_create", args=[person.pk]))
        .content.decode()
    )
    assert content.index("What matters to you?") < content.index("Life areas you talked about")
    assert content.index("How many friends could you call on?") < content.index('id="swemwbs"')
    assert SWEMWBS_COPYRIGHT in content
    assert "optimistic about the future" in content
    assert "how satisfied are you with your life nowadays" in content


def test_swemwbs_hidden_when_switched_off(settings, client_for, link_worker, person):
    settings.SWEMWBS_ENABLED = False
    content = (
        client_for(link_worker)
        .get(reverse("referrals:conversation_create", args=[person.pk]))
        .content.decode()
    )
    assert "optimistic about the future" not in content
    assert "SWEMWBS" not in content
    assert "how satisfied are you with your life nowadays" in content


def test_conversation_saved_with_friends_swemwbs_and_ons4(
    client_for, link_worker, person, referral
):
    data = _conversation_data(
        life_areas=["loneliness", "food"],
        friends_count="3",
        ons4_life_satisfaction="6",
        ons4_worthwhile="7",
        ons4_happiness="5",
        ons4_anxiety="2",
        **{f"swemwbs_{n}": "4" for n in range(1, 8)},
    )
    response = client_for(link_worker).post(
        reverse("referrals:conversation_create", args=[person.pk]), data
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.life_areas == ["loneliness", "food"]
    assert conversation.friends_observation.friends_count == 3
    assert conversation.swemwbs.raw_score == 28
    assert str(conversation.swemwbs.metric_score) == "25.03"
    assert conversation.ons4.anxiety == 2
    referral.refresh_from_db()
    assert referral.status == "active"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"what_matters": ""}, "at least one of the person"),
        # Every questionnaire error names its question (the error summary lists them apart).
        (
            {"friends_count": "-1"},
            "“How many friends could you call on?”: enter a whole number from 0 to 999",
        ),
        (
            {"swemwbs_1": "3", "swemwbs_2": "4"},
            f"“{escape(SWEMWBS_ITEMS[2])}”: answer all seven SWEMWBS statements",
        ),
        ({"swemwbs_1": "9"}, f"“{escape(SWEMWBS_ITEMS[0])}”: choose one of the five answers"),
        (
            {"ons4_happiness": "5"},
            "“Overall, how satisfied are you with your life nowadays?”: answer all four ONS4",
        ),
        (
            {
                "ons4_happiness": "11",
                "ons4_anxiety": "1",
                "ons4_worthwhile": "1",
                "ons4_life_satisfaction": "1",
            },
            "“Overall, how happy did you feel yesterday?”: enter a whole number from 0 to 10",
        ),
        (
            {
                "ons4_happiness": "1",
                "ons4_anxiety": "lots",
                "ons4_worthwhile": "1",
                "ons4_life_satisfaction": "1",
            },
            "“Overall, how anxious did you feel yesterday?”: enter a whole number from 0 to 10",
        ),
        ({"held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "today or in the past"),
    ],
)
def test_conversation_bad_input_shows_error_summary_and_saves_nothing(
    client_for, link_worker, person, referral, extra, message
):
    response = client_for(link_worker).post(
        reverse("referrals:conversation_create", args=[person.pk]), _conversation_data(**extra)
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content
    assert message in content
    assert not Conversation.objects.exists()
    assert not SwemwbsResponse.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "received"


# --- goals -----------------------------------------------------------------------------------


def test_add_goal_with_htmx_returns_the_new_row_only(client_for, link_worker, person):
    response = client_for(link_worker).post(
        reverse("referrals:goal_create", args=[person.pk]),
        {"description": "Join a choir"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    goal = Goal.objects.get()
    assert content.strip().startswith(f'<tr class="nhsuk-table__row" id="goal-{goal.pk}">')
    assert "Join a choir" in content
    assert "<html" not in content


def test_add_goal_without_htmx_redirects(client_for, link_worker, person):
    response = client_for(link_worker).post(
        reverse("referrals:goal_create", args=[person.pk]), {"description": "Join a choir"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#goals")
    assert Goal.objects.get().description == "Join a choir"


def test_empty_goal_with_htmx_returns_the_form_with_its_error(client_for, link_worker, person):
    response = client_for(link_worker).post(
        reverse("referrals:goal_create", args=[person.pk]),
        {"description": ""},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert response["HX-Retarget"] == "#goal-form"
    assert 'id="goal-form"' in content
    assert "nhsuk-error-message" in content
    assert not Goal.objects.exists()


def test_empty_goal_without_htmx_shows_error_summary(client_for, link_worker, person):
    response = client_for(link_worker).post(
        reverse("referrals:goal_create", args=[person.pk]), {"description": ""}
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert not Goal.objects.exists()


def test_goal_status_with_htmx_returns_the_row(client_for, link_worker, person):
    goal = GoalFactory(person=person)
    response = client_for(link_worker).post(
        reverse("referrals:goal_status", args=[goal.pk]),
        {"status": "getting_there", "version": goal.version},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert content.strip().startswith(f'<tr class="nhsuk-table__row" id="goal-{goal.pk}">')
    assert '<option value="getting_there" selected>' in content
    goal.refresh_from_db()
    assert goal.status == "getting_there"


def test_goal_status_bad_value_changes_nothing(client_for, link_worker, person):
    goal = GoalFactory(person=person)
    response = client_for(link_worker).post(
        reverse("referrals:goal_status", args=[goal.pk]), {"status": "nope"}, HTTP_HX_REQUEST="true"
    )
    assert "nhsuk-error-message" in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == "not_started"


# --- connections -----------------------------------------------------------------------------


def test_asset_search_with_htmx_returns_only_active_matches(
    client_for, link_worker, person, asset, ended_asset
):
    from tests.assets.factories import AssetFactory

    AssetFactory(name="Canal boat trips", ended_on=TODAY - dt.timedelta(days=1))
    response = client_for(link_worker).get(
        reverse("referrals:connection_create", args=[person.pk]),
        {"q": "canal"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert "Canal walking group" in content
    assert "Canal boat trips" not in content
    assert "<html" not in content
    assert 'id="asset-result-list"' in content


def test_connect_to_asset_without_warnings(client_for, link_worker, person, asset):
    response = client_for(link_worker).post(
        reverse("referrals:connection_create", args=[person.pk]),
        {"asset": asset.pk, "kind": "supported", "made_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert (connection.asset, connection.kind, connection.made_by) == (
        asset,
        "supported",
        link_worker,
    )


def test_connection_warnings_need_connect_anyway(
    monkeypatch, client_for, link_worker, person, asset
):
    from assets.models import Asset

    monkeypatch.setattr(
        Asset, "connection_warnings", lambda self, today=None: [f"{self.name} is full."]
    )
    client = client_for(link_worker)
    url = reverse("referrals:connection_create", args=[person.pk])
    page = client.get(url, {"asset": asset.pk}).content.decode()
    assert "Canal walking group is full." in page
    assert "Connect anyway" in page
    data = {"asset": asset.pk, "kind": "signpost", "made_on": TODAY.isoformat()}
    refused = client.post(url, data).content.decode()
    assert "nhsuk-error-summary" in refused
    assert "Confirm that you want to connect them despite the warnings" in refused
    assert not Connection.objects.exists()
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    assert Connection.objects.count() == 1


def test_connection_to_ended_asset_refused(client_for, link_worker, person, ended_asset):
    response = client_for(link_worker).post(
        reverse("referrals:connection_create", args=[person.pk]),
        {
            "asset": ended_asset.pk,
            "kind": "signpost",
            "made_on": TODAY.isoformat(),
            "confirm": "on",
        },
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert not Connection.objects.exists()


def test_connection_outcome_with_htmx_returns_the_row_and_keeps_history(
    client_for, link_worker, person, asset
):
    connection = ConnectionFactory(person=person, asset=asset)
    response = client_for(link_worker).post(
        reverse("referrals:connection_outcome", args=[connection.pk]),
        {"outcome": "continuing", "version": connection.version},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert content.strip().startswith(
        f'<tr class="nhsuk-table__row" id="connection-{connection.pk}">'
    )
    assert '<option value="continuing" selected>' in content
    connection.refresh_from_db()
    assert connection.outcome_updated_on == TODAY
    assert list(connection.outcome_changes.values_list("outcome", flat=True)) == ["continuing"]


def test_connection_outcome_without_htmx_redirects(client_for, link_worker, person, asset):
    connection = ConnectionFactory(person=person, asset=asset)
    response = client_for(link_worker).post(
        reverse("referrals:connection_outcome", args=[connection.pk]),
        {"outcome": "did_not_attend", "version": connection.version},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#connections")


# --- notes -----------------------------------------------------------------------------------


def test_case_note_added_and_on_the_timeline(client_for, link_worker, person):
    client = client_for(link_worker)
    response = client.post(
        reverse("referrals:note_create", args=[person.pk]), {"text": "Met at library"}
    )
    assert response.status_code == 302
    content = client.get(reverse("referrals:person", args=[person.pk])).content.decode()
    assert "Met at library" in content[content.index('id="timeline-list"') :]


def test_empty_case_note_shows_error_summary(client_for, link_worker, person):
    response = client_for(link_worker).post(
        reverse("referrals:note_create", args=[person.pk]), {"text": ""}
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert not CaseNote.objects.exists()


# --- feedback --------------------------------------------------------------------------------


def test_feedback_form_prefills_connections_and_code(client_for, link_worker, referral, asset):
    ConnectionFactory(person=referral.person, asset=asset, kind="accompanied")
    content = (
        client_for(link_worker)
        .get(reverse("referrals:feedback_create", args=[referral.pk]))
        .content.decode()
    )
    assert "Canal walking group: accompanied" in content
    assert 'value="871731000000106" checked' in content
    assert "Needs and concerns" in content
    assert "Support offered and activities referred to" in content


def test_feedback_saved_letter_shown_and_referrer_emailed(
    client_for, link_worker, referral, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(link_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("referrals:feedback_create", args=[referral.pk]),
            {
                "snomed_code": "871731000000106",
                "needs_and_concerns": "Isolated",
                "support_offered": "Choir",
                "outcomes": "Goes weekly",
            },
        )
    feedback = Feedback.objects.get()
    assert response["Location"] == reverse("referrals:feedback_letter", args=[feedback.pk])
    assert len(mailoutbox) == 1
    assert "Maria" not in mailoutbox[0].body
    letter = client.get(response["Location"]).content.decode()
    for text in (
        "Isolated",
        "Choir",
        "Goes weekly",
        "871731000000106 Referral to social prescribing service",
        "Dr Patel",
    ):
        assert text in letter
    assert AuditLog.objects.filter(action="view", detail="feedback letter").exists()


def test_feedback_missing_headings_shows_error_summary(
    client_for, link_worker, referral, mailoutbox
):
    response = client_for(link_worker).post(
        reverse("referrals:feedback_create", args=[referral.pk]),
        {"snomed_code": "871731000000106", "needs_and_concerns": "", "support_offered": ""},
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert not Feedback.objects.exists()
    assert mailoutbox == []


def test_no_personal_data_in_casework_urls(case):
    for _, url, _ in case_urls(case).values():
        assert "Maria" not in url and "Quinn" not in url


def test_conversation_shows_every_problem_at_once(client_for, link_worker, person):
    response = client_for(link_worker).post(
        reverse("referrals:conversation_create", args=[person.pk]),
        {"held_on": "", "what_matters": "", "swemwbs_1": "3", "ons4_happiness": "5"},
    )
    content = response.content.decode()
    for message in (
        "Enter the date of the conversation",
        "Write down at least one of the person",
        "answer all seven SWEMWBS statements",
        "answer all four ONS4 questions",
    ):
        assert message in content
    assert not Conversation.objects.exists()


def test_conversation_form_offers_today_in_iso_format(client_for, link_worker, person):
    content = (
        client_for(link_worker)
        .get(reverse("referrals:conversation_create", args=[person.pk]))
        .content.decode()
    )
    assert f'value="{TODAY.isoformat()}"' in content


def test_full_group_warns_from_the_directory_and_needs_confirmation(
    client_for, link_worker, person
):
    from tests.assets.factories import AssetFactory

    full = AssetFactory(name="Busy choir", capacity="full")
    AssetFactory(name="Busy rejected listing", listing_status="rejected")
    client = client_for(link_worker)
    url = reverse("referrals:connection_create", args=[person.pk])
    results = client.get(url, {"q": "busy"}).content.decode()
    assert "Busy choir" in results
    assert "Busy rejected listing" not in results
    page = client.get(url, {"asset": full.pk}).content.decode()
    assert "Busy choir is full" in page
    data = {"asset": full.pk, "kind": "supported", "made_on": TODAY.isoformat()}
    assert "nhsuk-error-summary" in client.post(url, data).content.decode()
    assert not Connection.objects.exists()
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    assert Connection.objects.get().asset == full
