"""The referrals app's pages: intake on every route, the practice's own referrals, the
administrators' closed-route enquiries, and the link worker's casework. Ids only in paths: no
personal data ever appears in a URL."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import URLPattern, path

from socialrx.audit_views import LIST, ViewAudit, declare

from .selectors.casework import caseload_search_kind
from .views import (
    appointments,
    casework,
    feedback,
    group_answer,
    intake,
    messages,
    possible_matches,
    tasks,
)

app_name = "referrals"

urlpatterns: list[URLPattern] = [
    # Intake
    path("practice/refer/", intake.practice_referral_create, name="practice_referral_create"),
    path("practice/referrals/", intake.practice_referrals, name="practice_referrals"),
    path(
        "practice/referrals/<int:pk>/",
        intake.practice_referral_detail,
        name="practice_referral_detail",
    ),
    path("intake/<int:pk>/received/", intake.referral_confirmation, name="referral_confirmation"),
    path("ask/", intake.self_referral, name="self_referral"),
    path("ask/thank-you/", intake.self_referral_done, name="self_referral_done"),
    path("enquiry-passed-on/", intake.enquiry_received, name="enquiry_received"),
    path("community/refer/", intake.community_referral_create, name="community_referral_create"),
    path("referrals/record/", intake.other_referral_create, name="other_referral_create"),
    path("enquiries/", intake.closed_route_enquiries, name="closed_route_enquiries"),
    path(
        "enquiries/<int:pk>/handled/",
        intake.closed_route_enquiry_handled,
        name="closed_route_enquiry_handled",
    ),
    # Casework
    path("caseload/", casework.caseload, name="caseload"),
    path("my-day/", tasks.my_day, name="my_day"),
    path("my-day/calendar.ics", appointments.calendar_ics, name="calendar_ics"),
    path(
        "people/<int:pk>/appointments/new/",
        appointments.appointment_create,
        name="appointment_create",
    ),
    path("people/<int:pk>/tasks/new/", tasks.task_create, name="task_create"),
    path("people/<int:pk>/messages/new/", messages.message_compose, name="message_compose"),
    path("message-templates/", messages.message_templates, name="message_templates"),
    path(
        "message-templates/<int:team_id>/",
        messages.message_template_list,
        name="message_template_list",
    ),
    path(
        "message-templates/<int:team_id>/<str:kind>/<str:channel>/",
        messages.message_template_edit,
        name="message_template_edit",
    ),
    path("case/tasks/<int:pk>/done/", tasks.task_mark_done, name="task_done"),
    path("case/tasks/<int:pk>/snooze/", tasks.task_snooze_view, name="task_snooze"),
    path("case/tasks/<int:pk>/reassign/", tasks.task_reassign_view, name="task_reassign"),
    path("people/<int:pk>/", casework.person_detail, name="person"),
    path("people/<int:pk>/edit/", casework.person_edit, name="person_edit"),
    path("people/<int:pk>/link-worker/", casework.person_link_worker, name="person_link_worker"),
    path("people/<int:pk>/consent/", casework.person_consent, name="person_consent"),
    path(
        "people/<int:pk>/conversations/new/",
        casework.conversation_create,
        name="conversation_create",
    ),
    path(
        "case/conversations/<int:pk>/",
        casework.conversation_detail,
        name="conversation_detail",
    ),
    path(
        "case/conversations/<int:pk>/correct/",
        casework.conversation_edit,
        name="conversation_edit",
    ),
    path("people/<int:pk>/plan/", casework.person_plan_page, name="person_plan"),
    path("people/<int:pk>/goals/new/", casework.goal_create, name="goal_create"),
    path("people/<int:pk>/connections/new/", casework.connection_create, name="connection_create"),
    path("group-answer/<str:token>/", group_answer.group_answer, name="group_answer"),
    path("people/<int:pk>/check-in/", casework.check_in, name="check_in"),
    path("groups/<int:asset_id>/connect/", casework.connect_to_group, name="connect_to_group"),
    path("people/<int:pk>/notes/new/", casework.note_create, name="note_create"),
    path(
        "people/<int:pk>/contact-attempts/new/",
        casework.contact_attempt_create,
        name="contact_attempt_create",
    ),
    path(
        "case/referrals/<int:pk>/unable-to-contact/",
        casework.referral_unable_to_contact,
        name="referral_unable_to_contact",
    ),
    path(
        "case/referrals/<int:pk>/status/",
        casework.referral_status_change,
        name="referral_status_change",
    ),
    path(
        "case/referrals/<int:pk>/possible-match/",
        possible_matches.possible_match,
        name="possible_match",
    ),
    path("case/referrals/<int:pk>/close/", casework.referral_close, name="referral_close"),
    path("case/referrals/<int:pk>/feedback/", feedback.feedback_create, name="feedback_create"),
    path("case/feedback/<int:pk>/", feedback.feedback_letter, name="feedback_letter"),
    path("case/goals/<int:pk>/status/", casework.goal_status, name="goal_status"),
    path(
        "case/connections/<int:pk>/outcome/",
        casework.connection_outcome,
        name="connection_outcome",
    ),
]


def _caseload_search(request: HttpRequest) -> str | None:
    """A caseload search is a POST with a query; say whether it was by NHS number or by
    name, never what was searched for."""
    if request.method != "POST":
        return None
    return caseload_search_kind(query=request.POST.get("q", ""))


def _practice_referral_search(request: HttpRequest) -> str | None:
    """A search of the practice's referrals is a POST with a query: by NHS number or by name,
    never what was searched for."""
    if request.method != "POST":
        return None
    return caseload_search_kind(query=request.POST.get("q", ""))


def _submitted(request: HttpRequest) -> bool:
    return request.method == "POST"


PERSON = "referrals.Person"
REFERRAL = "referrals.Referral"
TASK = "referrals.Task"

# Which pages show a person's data, and which do not (socialrx.audit_views).
declare(
    namespace=app_name,
    audited={
        "practice_referral_create": ViewAudit(
            PERSON,
            kind=LIST,
            detail="referral form sent back (may list matching people)",
            only=_submitted,
        ),
        "other_referral_create": ViewAudit(
            PERSON,
            kind=LIST,
            detail="referral form sent back (may list matching people)",
            only=_submitted,
        ),
        "practice_referrals": ViewAudit(
            REFERRAL,
            kind=LIST,
            detail="practice referral list",
            search=_practice_referral_search,
        ),
        "practice_referral_detail": ViewAudit(REFERRAL, detail="practice view"),
        "referral_confirmation": ViewAudit(REFERRAL, detail="confirmation"),
        "closed_route_enquiries": ViewAudit("referrals.ClosedRouteEnquiry", kind=LIST),
        "closed_route_enquiry_handled": ViewAudit("referrals.ClosedRouteEnquiry"),
        "caseload": ViewAudit(PERSON, kind=LIST, detail="caseload", search=_caseload_search),
        "connect_to_group": ViewAudit(
            PERSON, kind=LIST, detail="choose a person to connect", search=_caseload_search
        ),
        "person": ViewAudit(PERSON, detail="person page"),
        "my_day": ViewAudit(TASK, kind=LIST, detail="my day"),
        "task_create": ViewAudit(PERSON, detail="task form"),
        "appointment_create": ViewAudit(PERSON, detail="appointment form"),
        "message_compose": ViewAudit(PERSON, detail="message form"),
        "calendar_ics": ViewAudit("referrals.Appointment", kind=LIST, detail="calendar file"),
        "task_done": ViewAudit(TASK, detail="task done"),
        "task_snooze": ViewAudit(TASK, detail="task snoozed"),
        "task_reassign": ViewAudit(TASK, detail="task reassigned"),
        "person_edit": ViewAudit(PERSON, detail="edit details"),
        "person_consent": ViewAudit(PERSON, detail="consent page"),
        "person_link_worker": ViewAudit(PERSON, detail="person page"),
        "conversation_create": ViewAudit(PERSON, detail="conversation form"),
        "conversation_detail": ViewAudit("referrals.Conversation", detail="conversation"),
        "conversation_edit": ViewAudit("referrals.Conversation", detail="correct conversation"),
        "person_plan": ViewAudit(PERSON, detail="printable plan"),
        "goal_create": ViewAudit(PERSON, detail="goal form"),
        "connection_create": ViewAudit(PERSON, detail="connection form"),
        "check_in": ViewAudit(PERSON, detail="check-in form"),
        "note_create": ViewAudit(PERSON, detail="note form"),
        "contact_attempt_create": ViewAudit(PERSON, detail="contact attempt form"),
        "referral_unable_to_contact": ViewAudit(REFERRAL, detail="close as unable to contact"),
        "referral_status_change": ViewAudit(REFERRAL, detail="status form"),
        "referral_close": ViewAudit(REFERRAL, detail="close form"),
        "possible_match": ViewAudit(REFERRAL, detail="possible match"),
        "feedback_create": ViewAudit(REFERRAL, detail="feedback form"),
        "feedback_letter": ViewAudit("referrals.Feedback", detail="feedback letter"),
        "goal_status": ViewAudit("referrals.Goal", detail="goal"),
        "connection_outcome": ViewAudit("referrals.Connection", detail="connection"),
    },
    not_audited={
        "self_referral": "the public's own request; shows no one's record",
        "self_referral_done": "a thank-you page",
        "enquiry_received": "a confirmation page with no record on it",
        "community_referral_create": "a volunteer's referral form; it never lists other records",
        "message_templates": "a team's wording of its messages: no one's record",
        "message_template_list": "a team's wording of its messages: no one's record",
        "message_template_edit": "a team's wording of its messages, previewed with made-up "
        "values: no one's record",
        "group_answer": "a group keeper's emailed link, used without signing in: shows a first "
        "name only, and the answer it records is audited as a change",
    },
)
