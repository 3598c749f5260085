"""Every view of a person's case is audited once, by the middleware; every change by the
models, with before and after values that only ``changes`` holds (never ``detail``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Feedback, Goal, GoalStatus, Person, ReferralStatus
from referrals.services.goals import goal_status_set
from referrals.services.people import person_update
from referrals.services.status import referral_status_change
from socialrx.models import AuditLog
from tests.referrals.factories import (
    VALID_NHS,
    ConnectionFactory,
    GoalFactory,
    ReferralFactory,
)

TODAY = timezone.localdate()


def _views():
    return AuditLog.objects.filter(action__in=["view", "search"])


# --- views: the pages the review found unaudited, and the ones audited by hand before ---------


def _person_url(name):
    return lambda case: reverse(f"referrals:{name}", args=[case["person"].pk])


def _referral_url(name):
    return lambda case: reverse(f"referrals:{name}", args=[case["referral"].pk])


PAGES = {
    "conversation_form": (_person_url("conversation_create"), "referrals.person", "person"),
    "connection_form": (_person_url("connection_create"), "referrals.person", "person"),
    "status_page": (_referral_url("referral_status_change"), "referrals.referral", "referral"),
    "close_page": (_referral_url("referral_close"), "referrals.referral", "referral"),
    "feedback_page": (_referral_url("feedback_create"), "referrals.referral", "referral"),
    "person_page": (_person_url("person"), "referrals.person", "person"),
    "edit_details": (_person_url("person_edit"), "referrals.person", "person"),
    "feedback_letter": (
        lambda case: reverse("referrals:feedback_letter", args=[case["feedback"].pk]),
        "referrals.feedback",
        "feedback",
    ),
}


@pytest.fixture
def case(person, referral, link_worker):
    feedback = Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Lonely since moving",
        support_offered="Walking group",
    )
    return {"person": person, "referral": referral, "feedback": feedback}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_of_the_case_is_audited_exactly_once(client_for, link_worker, case, page):
    url, object_type, shown = PAGES[page]
    response = client_for(link_worker).get(url(case))
    assert response.status_code == 200
    entry = _views().get()
    assert (entry.user, entry.action, entry.object_type) == (link_worker, "view", object_type)
    assert entry.object_id == str(case[shown].pk)
    assert entry.person_id == case["person"].pk
    assert entry.changes is None


def test_a_refused_page_writes_no_view_entry(client_for, other_link_worker, case):
    response = client_for(other_link_worker).get(
        reverse("referrals:conversation_create", args=[case["person"].pk])
    )
    assert response.status_code == 404
    assert not _views().exists()


def test_a_form_posted_with_errors_is_a_view_and_a_saved_one_is_a_change(
    client_for, link_worker, person
):
    url = reverse("referrals:conversation_create", args=[person.pk])
    client = client_for(link_worker)
    assert client.post(url, {"held_on": ""}).status_code == 200
    assert _views().count() == 1
    response = client.post(url, {"held_on": TODAY.isoformat(), "what_matters": "My garden"})
    assert response.status_code == 302
    assert _views().count() == 1  # a redirect shows nothing
    created = AuditLog.objects.get(action="create", object_type="referrals.conversation")
    assert created.user == link_worker and created.person_id == person.pk
    assert created.changes["what_matters"] == [None, "My garden"]
    assert "garden" not in created.detail


def test_caseload_search_by_name_is_audited_without_the_name(client_for, link_worker, person):
    response = client_for(link_worker).post(reverse("referrals:caseload"), {"q": "Quinn"})
    assert response.status_code == 200
    entry = _views().get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "search",
        "referrals.person",
        "search",
    )
    assert entry.detail == "caseload search by name"
    assert "Quinn" not in str(entry.detail) + str(entry.changes)


def test_caseload_search_by_nhs_number_is_audited_without_the_number(
    client_for, link_worker, person
):
    response = client_for(link_worker).post(reverse("referrals:caseload"), {"q": "943 476 5919"})
    assert response.status_code == 200
    entry = _views().get()
    assert (entry.action, entry.detail) == ("search", "caseload search by NHS number")
    assert VALID_NHS not in entry.detail and "943" not in entry.detail


def test_caseload_without_a_search_is_audited_as_a_list(client_for, link_worker, person):
    client_for(link_worker).get(reverse("referrals:caseload"))
    entry = _views().get()
    assert (entry.action, entry.object_id, entry.detail) == ("view", "list", "caseload")


def test_practice_referral_list_is_audited_as_a_list_view(
    client_for, practice_staff, practice_a, person
):
    ReferralFactory(person=person, referring_practice=practice_a)
    response = client_for(practice_staff).get(reverse("referrals:practice_referrals"))
    assert response.status_code == 200
    entry = _views().get()
    assert (entry.user, entry.action, entry.object_type, entry.object_id) == (
        practice_staff,
        "view",
        "referrals.referral",
        "list",
    )
    assert entry.detail == "practice referral list"


def test_api_referral_status_is_audited_once(client_for, admin_user, referral):
    response = client_for(admin_user).get(
        reverse("api_referral_detail", args=[referral.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    entry = _views().get()
    assert (entry.object_type, entry.person_id, entry.detail) == (
        "referrals.referral",
        referral.person_id,
        "api status",
    )


# --- the Django admin's pages of people ----------------------------------------------------


@pytest.fixture
def superuser_client(client_for, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    return client_for(admin_user)


def test_django_admin_views_of_people_are_audited(superuser_client, admin_user, person):
    assert superuser_client.get("/django-admin/referrals/person/").status_code == 200
    change = f"/django-admin/referrals/person/{person.pk}/change/"
    assert superuser_client.get(change).status_code == 200
    listed, opened = _views().order_by("id")
    assert (listed.action, listed.object_type, listed.object_id) == (
        "view",
        "referrals.person",
        "list",
    )
    assert (opened.user, opened.object_id, opened.person_id) == (
        admin_user,
        str(person.pk),
        person.pk,
    )
    assert "django admin" in opened.detail


def test_django_admin_search_of_people_is_audited_without_the_term(superuser_client, person):
    superuser_client.get("/django-admin/referrals/person/", {"q": VALID_NHS})
    entry = _views().get()
    assert entry.action == "search" and VALID_NHS not in entry.detail


def test_django_admin_view_of_a_referral_finds_its_person(superuser_client, referral):
    superuser_client.get(f"/django-admin/referrals/referral/{referral.pk}/change/")
    assert _views().get().person_id == referral.person_id


def test_django_admin_change_to_a_person_keeps_before_and_after(
    superuser_client, admin_user, person
):
    change = f"/django-admin/referrals/person/{person.pk}/change/"
    page = superuser_client.get(change)
    data = {
        k: v
        for k, v in page.context["adminform"].form.initial.items()
        if v is not None and k in page.context["adminform"].form.fields
    }
    data.update(given_name="Mara", sex="unknown", ethnicity="unknown")
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    response = superuser_client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLog.objects.get(action="update", object_type="referrals.person")
    assert entry.user == admin_user
    assert entry.changes == {"given_name": ["Maria", "Mara"]}
    assert "Mar" not in entry.detail


# --- changes: before and after, by the models ----------------------------------------------


def test_person_update_keeps_values_in_changes_only(person, link_worker):
    old = person.postcode
    person_update(person=person, by=link_worker, data={"postcode": "M2 2BB"})
    entry = AuditLog.objects.get(action="update")
    assert entry.user == link_worker
    assert entry.detail == "changed postcode"
    assert entry.changes == {"postcode": [old or None, "M2 2BB"]}
    assert "M2" not in entry.detail


def test_one_entry_per_change_with_before_and_after(person, link_worker):
    goal = GoalFactory(person=person)
    goal_status_set(goal=goal, status=GoalStatus.GETTING_THERE, by=link_worker)
    entry = AuditLog.objects.get(action="update", object_type="referrals.goal")
    assert entry.changes == {"status": ["not_started", "getting_there"]}
    assert (entry.user, entry.person_id) == (link_worker, person.pk)
    # Moving the person up the caseload is bookkeeping: no entry for it.
    assert not AuditLog.objects.filter(action="update", object_type="referrals.person").exists()


def test_status_change_keeps_before_and_after(referral, link_worker):
    referral_status_change(referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker)
    entry = AuditLog.objects.get(action="update", object_type="referrals.referral")
    assert entry.changes["status"] == ["received", "contacted"]
    assert entry.detail == "changed status"


def test_handing_a_case_over_audits_the_person_and_each_open_referral(
    person, referral, link_worker, team_a
):
    from referrals.services.people import person_link_worker_set
    from tests.socialrx.factories import LinkWorkerFactory

    colleague = LinkWorkerFactory(team=team_a)
    person_link_worker_set(person=person, link_worker=colleague, by=link_worker)
    entries = AuditLog.objects.filter(action="update").order_by("id")
    assert [(e.object_type, e.changes["link_worker"]) for e in entries] == [
        ("referrals.person", [link_worker.pk, colleague.pk]),
        ("referrals.referral", [referral.link_worker_id, colleague.pk]),
    ]
    assert {e.user for e in entries} == {link_worker}


def test_saving_without_a_change_writes_nothing(person):
    before = AuditLog.objects.count()
    Person.objects.get(pk=person.pk).save()
    assert AuditLog.objects.count() == before


def test_a_change_in_memory_is_compared_with_what_is_stored(person):
    stale = Person.objects.get(pk=person.pk)
    Person.objects.filter(pk=person.pk).update(family_name="Stored")
    stale.family_name = "Quinn"  # what the stale copy had; the stored value differs
    stale.save()
    entry = AuditLog.objects.get(action="update")
    assert entry.changes == {"family_name": ["Stored", "Quinn"]}


def test_deleting_a_record_keeps_what_it_held(person, link_worker, asset):
    connection = ConnectionFactory(person=person, asset=asset, notes="Met at the door")
    connection.delete()
    entry = AuditLog.objects.get(action="delete", object_type="referrals.connection")
    assert entry.person_id == person.pk
    assert entry.changes["notes"] == ["Met at the door", None]


def test_deleting_a_person_audits_each_record_that_goes_with_them(person, referral):
    goal = GoalFactory(person=person)
    person_pk = person.pk
    person.delete()
    deleted = set(AuditLog.objects.filter(action="delete").values_list("object_type", "object_id"))
    assert {
        ("referrals.person", str(person_pk)),
        ("referrals.referral", str(referral.pk)),
        ("referrals.goal", str(goal.pk)),
    } <= deleted
    assert set(AuditLog.objects.filter(action="delete").values_list("person_id", flat=True)) == {
        person_pk
    }
    assert not Goal.objects.exists()


# --- intake: the people a referral may match -------------------------------------------------


def test_referral_form_showing_possible_matches_is_audited_and_the_referral_is_a_change(
    client_for, practice_staff, practice_a
):
    from tests.referrals.factories import PersonFactory

    existing = PersonFactory(
        given_name="Jo", family_name="Bloggs", postcode="M1 1AE", practice=practice_a, phone=""
    )
    url = reverse("referrals:practice_referral_create")
    client = client_for(practice_staff)
    assert client.get(url).status_code == 200
    assert not _views().exists()  # a blank form shows no one
    data = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": existing.date_of_birth.isoformat() if existing.date_of_birth else "",
        "nhs_number": "",
        "postcode": "m1 1ae",
        "phone": "07700 900123",
        "communication_needs": "",
        "reason": "Lonely since her husband died.",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    response = client.post(url, data)
    assert "may already be known to the service" in response.content.decode()
    shown = _views().get()
    assert (shown.user, shown.object_type, shown.object_id) == (
        practice_staff,
        "referrals.person",
        "list",
    )
    response = client.post(url, {**data, "duplicate_choice": str(existing.pk)})
    assert response.status_code == 302
    assert _views().count() == 1
    made = AuditLog.objects.get(action="create", object_type="referrals.referral")
    assert (made.user, made.person_id, made.detail) == (practice_staff, existing.pk, "intake")
    (filled,) = AuditLog.objects.filter(action="update", object_type="referrals.person")
    assert filled.changes["phone"] == ["", "07700 900123"]
    assert filled.detail.startswith("changed ") and filled.detail.endswith("; intake")
    assert "07700" not in filled.detail
    assert filled.user == practice_staff


def test_marking_an_enquiry_handled_is_audited_once_with_before_and_after(admin_user, volunteer):
    from referrals.services.enquiries import (
        closed_route_enquiry_create,
        closed_route_enquiry_mark_handled,
    )

    enquiry = closed_route_enquiry_create(
        route="community", data={"given_name": "Jo"}, by=volunteer
    )
    created = AuditLog.objects.get(object_type="referrals.closedrouteenquiry")
    assert (created.user, created.action) == (volunteer, "create")
    assert "Jo" not in created.detail
    closed_route_enquiry_mark_handled(enquiry=enquiry, by=admin_user)
    closed_route_enquiry_mark_handled(enquiry=enquiry, by=admin_user)  # already handled
    entry = AuditLog.objects.get(object_type="referrals.closedrouteenquiry", action="update")
    assert entry.user == admin_user
    assert entry.changes["handled"] == [False, True]
    assert entry.changes["handled_by"] == [None, admin_user.pk]
