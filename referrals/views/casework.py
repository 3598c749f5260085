"""The link worker's casework pages: caseload, the person's record and everything done on it.

Link workers reach their own team's people only; administrators everyone; every other role
gets 404 (``role_required``), and so does a link worker asking for another team's record
(the access helpers)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from socialrx.access import role_required
from socialrx.concurrency import EditConflict
from socialrx.http import (
    SignedInRequest,
    form_add_service_errors,
    render_page,
    url_with_id,
    wants_partial,
)
from socialrx.models import Role

from ..forms.casework import (
    CASELOAD_SORTS,
    AssetSearchForm,
    CaseloadFilterForm,
    CaseloadSearchForm,
    CaseNoteForm,
    CheckInForm,
    CloseCaseForm,
    ConnectionForm,
    ConnectionOutcomeForm,
    ConsentForm,
    ContactAttemptForm,
    ConversationCorrectionForm,
    ConversationForm,
    GoalForm,
    GoalStatusForm,
    LinkWorkerForm,
    PersonForm,
    StatusChangeForm,
)
from ..forms.tasks import AppointmentForm, TaskForm
from ..models import (
    CONVERSATION_ANSWER_LABELS,
    OPEN_STATUSES,
    ConnectionOutcome,
    ConsentPurpose,
    GoalStatus,
    Person,
    ReferralStatus,
)
from ..questionnaires import SWEMWBS_COPYRIGHT, SWEMWBS_INTRO
from ..selectors.casework import (
    asset_active_get,
    asset_search,
    caseload_for,
    caseload_practices,
    connection_get_for,
    conversation_get_for,
    goal_get_for,
    person_for_page,
    person_plan,
    person_record,
    referral_for_case,
    team_link_workers,
)
from ..selectors.consent import consent_current, consent_given, consent_history
from ..selectors.messages import channel_checks, messages_for_person
from ..selectors.tasks import appointment_places, tasks_open_for_person
from ..services import status as status_service
from ..services.checkins import check_in_record
from ..services.connections import connection_make, connection_outcome_set, connection_warnings
from ..services.consent import consent_change
from ..services.contact_attempts import (
    contact_attempt_record,
    referral_close_unable_to_contact,
    unable_to_contact_check,
)
from ..services.conversations import (
    conversation_correct,
    conversation_log,
    conversation_measures,
    conversation_snapshot,
)
from ..services.goals import goal_add, goal_status_set
from ..services.group_answers import group_answer_request_send
from ..services.notes import case_note_add
from ..services.people import (
    person_link_worker_set,
    person_snapshot,
    person_update,
)
from ..services.status import (
    StatusConflict,
    referral_allowed_statuses,
    statuses_allowed_from,
)

casework_view = role_required(Role.LINK_WORKER)

DETAILS_NOT_SHARED = (
    "They have not agreed to their name and contact details being shared with a group's "
    "organisers or volunteers. Do not tell the group who they are: give them the group's "
    "details instead, or ask them again and record their answer under Consent."
)
KEEPERS_NOT_ASKED = (
    "The group's keeper was not emailed to ask whether they came, because they have not "
    "agreed to their details being shared. Follow the connection up yourself."
)

CASELOAD_PAGE_SIZE = 25
STATUS_LABELS = dict(ReferralStatus.choices)
# A status's NHS.UK tag colour, as referrals/casework/_status_tag.html gives it.
STATUS_TAGS = {
    ReferralStatus.RECEIVED: "blue",
    ReferralStatus.CONTACTED: "aqua-green",
    ReferralStatus.ACTIVE: "green",
    ReferralStatus.CLOSED: "grey",
}
T = "referrals/casework/"


def _person_url(person: Person, anchor: str = "") -> str:
    url = reverse("referrals:person", kwargs={"pk": person.pk})
    return f"{url}#{anchor}" if anchor else url


# --- caseload --------------------------------------------------------------------------------


def _age_on(born: Any, day: Any) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _caseload_params(values: dict[str, Any], **changes: Any) -> dict[str, str]:
    """The caseload's filters, order and page as request parameters (defaults left out)."""
    merged = {**values, **changes}
    params = {
        "who": merged["who"] if merged["who"] != "team" else "",
        "status": merged["status"],
        "practice": "" if merged["practice"] is None else str(merged["practice"]),
        "waiting_days": "" if merged["waiting_days"] is None else str(merged["waiting_days"]),
        "sort": merged["sort"] if merged["sort"] != "last_activity" else "",
        "order": merged["order"],
        "page": str(merged.get("page") or ""),
    }
    return {k: v for k, v in params.items() if v}


def _caseload_columns(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Each sortable column: its label, its ``aria-sort`` and the parameters that sort by it
    (the other way round when it is already the sorted column)."""
    columns = []
    for key, label in CASELOAD_SORTS.items():
        current = values["sort"] == key
        if current:
            order = "desc" if values["order"] == "asc" else "asc"
        else:
            order = "desc" if key in ("last_activity", "received") else "asc"
        params = _caseload_params(values, sort=key, order=order, page="")
        columns.append(
            {
                "key": key,
                "label": label,
                "aria_sort": (
                    ("ascending" if values["order"] == "asc" else "descending")
                    if current
                    else "none"
                ),
                "params": params,
                "query_string": urlencode(params),
            }
        )
    return columns


@casework_view
@require_http_methods(["GET", "POST"])
def caseload(request: SignedInRequest) -> HttpResponse:
    """Filters and order are a GET (no personal data: they may be bookmarked); a search by
    name or NHS number is a POST, so it never appears in a URL, the browser history or a
    server log. While a search is shown, sorting and paging are POSTs too, carrying it."""
    data = request.POST if request.method == "POST" else request.GET
    practices = list(caseload_practices(user=request.user))
    filter_form = CaseloadFilterForm(data, practices=practices)
    filter_form.is_valid()
    values = filter_form.values()
    # An empty search clears the search rather than complaining about it.
    searching = request.method == "POST" and bool(request.POST.get("q", "").strip())
    search_form = CaseloadSearchForm(request.POST if searching else None)
    query = search_form.cleaned_data["q"] if searching and search_form.is_valid() else ""
    people = caseload_for(
        user=request.user,
        status=values["status"],
        query=query,
        mine=values["who"] == "mine",
        practice_id=values["practice"],
        waiting_days=values["waiting_days"],
        sort=values["sort"],
        descending=values["order"] == "desc",
    )
    page = Paginator(people, CASELOAD_PAGE_SIZE).get_page(data.get("page"))
    today = timezone.localdate()
    person_url = url_with_id("referrals:person")
    for person in page.object_list:
        person.age = _age_on(person.date_of_birth, today)  # type: ignore[attr-defined]
        person.status_label = STATUS_LABELS.get(person.current_status)  # type: ignore[attr-defined]
        person.status_tag = STATUS_TAGS.get(person.current_status, "orange")  # type: ignore[attr-defined]
        person.page_url = person_url(person.pk)  # type: ignore[attr-defined]
    pages = {}
    if page.has_previous():
        params = _caseload_params(values, page=page.previous_page_number())
        pages["previous"] = {"params": params, "query_string": urlencode(params)}
    if page.has_next():
        params = _caseload_params(values, page=page.next_page_number())
        pages["next"] = {"params": params, "query_string": urlencode(params)}
    context = {
        "filter_form": filter_form,
        "search_form": search_form,
        "values": values,
        "status": values["status"],
        "query": query,
        "page": page,
        "pages": pages,
        "columns": _caseload_columns(values),
        "state": _caseload_params(values),
    }
    return render_page(request, f"{T}caseload.html", "results", context)


# --- the person page -------------------------------------------------------------------------


def _person_page(request: SignedInRequest, person: Person, **forms: Any) -> HttpResponse:
    record = person_record(person=person)
    consents = consent_current(person=person)
    # Read once, for the named link worker's select and the tasks' "give to" lists.
    link_workers = team_link_workers(team_id=person.team_id)
    latest_attempt = record.contact_attempts[0] if record.contact_attempts else None
    context = {
        "person": person,
        "record": record,
        "open_referral": record.open_referral,
        "consents": consents,
        # Messages to the person: what each channel allows, what was sent, what to offer.
        "message_checks": list(channel_checks(person=person, consents=consents).values()),
        "message_history": list(messages_for_person(person=person)),
        "offer_tried_to_reach": latest_attempt is not None and not latest_attempt.reached,
        "offer_plan": bool(record.goals or record.connections),
        "link_worker_form": forms.get("link_worker_form")
        or LinkWorkerForm(
            initial={"link_worker": person.link_worker_id},
            link_workers=link_workers,
        ),
        "goal_form": forms.get("goal_form") or GoalForm(),
        "note_form": forms.get("note_form") or CaseNoteForm(),
        "task_form": forms.get("task_form") or TaskForm(),
        "appointment_form": forms.get("appointment_form") or AppointmentForm(),
        "appointment_places": appointment_places(team_id=person.team_id),
        "appointments": list(
            person.appointments.filter(starts_at__gte=timezone.now()).select_related("link_worker")
        ),
        "tasks": tasks_open_for_person(person=person, connections=record.connections),
        "link_workers": list(link_workers),
        "today": timezone.localdate(),
        "back": "person",
        "contact_form": forms.get("contact_form")
        or ContactAttemptForm(initial={"attempted_on": timezone.localdate()}),
        "unable_to_contact": unable_to_contact_check(
            referral=record.open_referral, attempts=record.contact_attempts
        ),
        "goal_statuses": GoalStatus.choices,
        "connection_outcomes": ConnectionOutcome.choices,
        "error_form": next((f for f in forms.values() if f is not None and f.errors), None),
    }
    return render(request, f"{T}person.html", context)


@casework_view
@require_GET
def person_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return _person_page(request, person_for_page(user=request.user, pk=pk))


@casework_view
@require_GET
def person_plan_page(request: SignedInRequest, pk: int) -> HttpResponse:
    """The person's plan in plain English, to print and give them: their goals, the groups
    agreed (when, where, who to ask for, cost, access) and how to reach their link worker."""
    person = person_for_page(user=request.user, pk=pk)
    return render(
        request,
        f"{T}plan.html",
        {
            "person": person,
            "plan": person_plan(person=person),
            "service_phone": settings.SERVICE_PHONE,
            "service_drop_in": settings.SERVICE_DROP_IN,
            "today": timezone.localdate(),
        },
    )


@casework_view
@require_http_methods(["GET", "POST"])
def person_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    # The form validates a copy: a ModelForm writes cleaned values onto its instance, and the
    # service must compare against what is stored to audit the fields that changed.
    form = PersonForm(request.POST or None, instance=copy.copy(person))
    status = 200
    if request.method == "GET":
        form.load(version=person.version, values=person_snapshot(person))
    if request.method == "POST" and form.is_valid():
        try:
            changed = person_update(
                person=person,
                by=request.user,
                data=form.cleaned_data,
                version=form.cleaned_data["version"],
            )
        except EditConflict:
            # The user may see this record, so they may see what the other save put in it.
            current = person_for_page(user=request.user, pk=pk)
            form.show_conflict(version=current.version, values=person_snapshot(current))
            status = 409
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Details saved." if changed else "Nothing was changed.")
            return redirect(_person_url(person))
    return render(request, f"{T}person_edit.html", {"person": person, "form": form}, status=status)


@casework_view
@require_POST
def person_link_worker(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = LinkWorkerForm(request.POST, link_workers=team_link_workers(team_id=person.team_id))
    if form.is_valid():
        try:
            person_link_worker_set(
                person=person, link_worker=form.cleaned_data["link_worker"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="link_worker")
        else:
            messages.success(request, "Named link worker changed.")
            return redirect(_person_url(person))
    return _person_page(request, person, link_worker_form=form)


@casework_view
@require_http_methods(["GET", "POST"])
def person_consent(request: SignedInRequest, pk: int) -> HttpResponse:
    """What the person agrees to, and every answer recorded before (who, when, how)."""
    person = person_for_page(user=request.user, pk=pk)
    form = ConsentForm(
        request.POST if request.method == "POST" else None, current=consent_current(person=person)
    )
    if request.method == "POST" and form.is_valid():
        try:
            written = consent_change(person=person, answers=form.answers(), by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Consent saved." if written else "Nothing was changed.")
            return redirect(_person_url(person, "consent"))
    return render(
        request,
        f"{T}consent.html",
        {"person": person, "form": form, "history": consent_history(person=person)},
    )


# --- referral status and closing -------------------------------------------------------------


def _with_value(data: Any, name: str, value: str) -> Any:
    data = data.copy()
    data[name] = value
    return data


def _status_shown(request: SignedInRequest, current: str) -> str:
    """The status the form was shown with (posted back hidden), else the current one."""
    posted = request.POST.get("from_status", "") if request.method == "POST" else ""
    return posted if posted in ReferralStatus.values else current


@casework_view
@require_http_methods(["GET", "POST"])
def referral_status_change(request: SignedInRequest, pk: int) -> HttpResponse:
    referral = referral_for_case(user=request.user, pk=pk)
    # The choices are those of the status the user saw, so a change made meanwhile by someone
    # else is reported as such rather than as "not a valid choice".
    shown = _status_shown(request, referral.status)
    form = StatusChangeForm(
        request.POST or None,
        allowed=statuses_allowed_from(shown),
        initial={"from_status": referral.status},
    )
    if request.method == "POST" and form.is_valid():
        try:
            status_service.referral_status_change(
                referral=referral,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
                from_status=form.cleaned_data["from_status"],
                end_reason=form.cleaned_data["end_reason"],
                by=request.user,
            )
        except StatusConflict as exc:
            # Offer what the referral can become now, keeping what the user typed.
            referral.refresh_from_db()
            form.set_shown(
                status=referral.status, allowed=referral_allowed_statuses(referral=referral)
            )
            form_add_service_errors(form, exc)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Referral {referral.pk} is now {referral.get_status_display().lower()}."
            )
            return redirect(_person_url(referral.person))
    return render(
        request,
        f"{T}referral_status.html",
        {
            "referral": referral,
            "person": referral.person,
            "form": form,
            "can_close": ReferralStatus.CLOSED in referral_allowed_statuses(referral=referral),
        },
    )


@casework_view
@require_http_methods(["GET", "POST"])
def referral_close(request: SignedInRequest, pk: int) -> HttpResponse:
    referral = referral_for_case(user=request.user, pk=pk)
    form = CloseCaseForm(
        request.POST or None,
        initial={"closed_on": timezone.localdate(), "from_status": referral.status},
    )
    if request.method == "POST" and form.is_valid():
        try:
            status_service.referral_close(
                referral=referral,
                outcome=form.cleaned_data["closure_outcome"],
                reason=form.cleaned_data["close_reason"],
                on=form.cleaned_data["closed_on"],
                from_status=form.cleaned_data["from_status"],
                by=request.user,
            )
        except StatusConflict as exc:
            # Keep what the user typed; the next try starts from the status as it is now.
            referral.refresh_from_db()
            form.data = _with_value(form.data, "from_status", referral.status)
            form_add_service_errors(form, exc)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Referral {referral.pk} is closed.")
            return redirect(_person_url(referral.person))
    return render(
        request,
        f"{T}referral_close.html",
        {"referral": referral, "person": referral.person, "form": form},
    )


# --- conversations ---------------------------------------------------------------------------


# What a conversation form gives the services that log and correct conversations.
CONVERSATION_VALUES = (
    "held_on",
    "what_matters",
    "good_life",
    "love_doing",
    "could_offer",
    "life_areas",
    "notes",
    "friends_count",
    "swemwbs_items",
    "ons4",
)


def _conversation_values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in CONVERSATION_VALUES}


@casework_view
@require_http_methods(["GET", "POST"])
def conversation_create(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = ConversationForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation_log(
                person=person,
                by=request.user,
                **_conversation_values(data),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Conversation saved.")
            return redirect(_person_url(person, "timeline"))
    return _measures_form_page(request, "conversation_form.html", person=person, form=form)


@casework_view
@require_GET
def conversation_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """One conversation: the answers, the life areas in words, the measures, and every
    correction made to it (who, when, why, what it was and what it became)."""
    conversation = conversation_get_for(user=request.user, pk=pk)
    return render(
        request,
        f"{T}conversation.html",
        {
            "conversation": conversation,
            "person": conversation.person,
            "revisions": list(conversation.revisions.all()),
        },
    )


@casework_view
@require_http_methods(["GET", "POST"])
def conversation_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    """Correct a conversation, with a reason; refused (with what changed) when someone else
    corrected it since the form was loaded."""
    conversation = conversation_get_for(user=request.user, pk=pk)
    person = conversation.person
    form = ConversationCorrectionForm(
        request.POST or None,
        initial=ConversationCorrectionForm.initial_from(
            conversation, conversation_measures(conversation)
        ),
    )
    status = 200
    if request.method == "GET":
        form.load(version=conversation.version, values=conversation_snapshot(conversation))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            revision = conversation_correct(
                conversation=conversation,
                by=request.user,
                version=data["version"],
                reason=data["reason"],
                **_conversation_values(data),
            )
        except EditConflict:
            current = conversation_get_for(user=request.user, pk=pk)
            form.show_conflict(
                version=current.version,
                values=conversation_snapshot(current),
                labels=CONVERSATION_ANSWER_LABELS,
            )
            status = 409
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Correction saved." if revision else "Nothing was changed.")
            return redirect("referrals:conversation_detail", pk=conversation.pk)
    if form.errors and status == 200:
        status = 400
    return _measures_form_page(
        request,
        "conversation_form.html",
        person=person,
        form=form,
        status=status,
        conversation=conversation,
    )


def _measures_form_page(
    request: SignedInRequest,
    template: str,
    *,
    person: Person,
    form: Any,
    status: int = 200,
    conversation: Any = None,
) -> HttpResponse:
    """A form with the wellbeing questionnaires (a conversation, a check-in), with the
    SWEMWBS wording its licence asks for."""
    return render(
        request,
        f"{T}{template}",
        {
            "person": person,
            "conversation": conversation,
            "form": form,
            "swemwbs_copyright": SWEMWBS_COPYRIGHT,
            "swemwbs_intro": SWEMWBS_INTRO,
        },
        status=status,
    )


# --- goals -----------------------------------------------------------------------------------


@casework_view
@require_POST
def goal_create(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            goal = goal_add(
                person=person, description=form.cleaned_data["description"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="description")
        else:
            if wants_partial(request):
                return render(
                    request,
                    f"{T}person.html#goal_row",
                    {"goal": goal, "person": person, "goal_statuses": GoalStatus.choices},
                )
            messages.success(request, "Goal added.")
            return redirect(_person_url(person, "goals"))
    if wants_partial(request):
        response = render(
            request, f"{T}person.html#goal_form", {"person": person, "goal_form": form}
        )
        return reswap(retarget(response, "#goal-form"), "outerHTML")
    return _person_page(request, person, goal_form=form)


def _row_error(form: Any, fallback: str) -> str:
    """The first error of a row's form, in words (the hidden version's "out of date" first)."""
    for name in ("version", *form.fields):
        if form.errors.get(name):
            return str(form.errors[name][0])
    return fallback


def _row_conflict(what: str, now: str, chosen: str) -> str:
    return (
        f"Someone else changed this {what} while you were editing it: it is now “{now}”. "
        f"Your choice, “{chosen}”, was not saved; save again to apply it."
    )


@casework_view
@require_POST
def goal_status(request: SignedInRequest, pk: int) -> HttpResponse:
    goal = goal_get_for(user=request.user, pk=pk)
    form = GoalStatusForm(request.POST)
    error, chosen = "", ""
    if not form.is_valid():
        error = _row_error(form, "Choose how the person feels it is going")
    else:
        try:
            goal_status_set(
                goal=goal,
                status=form.cleaned_data["status"],
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict:
            goal = goal_get_for(user=request.user, pk=pk)
            chosen = form.cleaned_data["status"]
            error = _row_conflict("goal", goal.get_status_display(), GoalStatus(chosen).label)
    return _row_update(
        request,
        error=error,
        saved="Goal updated.",
        partial="goal_row",
        context={"goal": goal, "goal_statuses": GoalStatus.choices, "chosen": chosen},
        person=goal.person,
        section="goals",
    )


def _row_update(
    request: SignedInRequest,
    *,
    error: str,
    saved: str,
    partial: str,
    context: dict[str, Any],
    person: Any,
    section: str,
) -> HttpResponse:
    """A row-level change: htmx gets the row partial back (with the error in it); without
    JavaScript the page reloads at that section with a message."""
    if wants_partial(request):
        return render(
            request,
            f"{T}person.html#{partial}",
            {**context, "person": person, "row_error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, saved)
    return redirect(_person_url(person, section))


# --- connections -----------------------------------------------------------------------------


@casework_view
@require_http_methods(["GET", "POST"])
def connection_create(request: SignedInRequest, pk: int) -> HttpResponse:
    """Step one: find an active asset by name (GET: an asset name is not personal data). Step
    two: the connection form, with the directory's warnings to confirm."""
    person = person_for_page(user=request.user, pk=pk)
    search_form = AssetSearchForm(request.GET)
    query = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    results = asset_search(query=query)
    if wants_partial(request) and request.method == "GET" and "asset" not in request.GET:
        return render(
            request,
            f"{T}connection_form.html#asset_results",
            {"person": person, "results": results, "query": query},
        )
    asset_id = request.POST.get("asset") if request.method == "POST" else request.GET.get("asset")
    asset = asset_active_get(pk=asset_id) if asset_id else None
    warnings = connection_warnings(asset=asset) if asset else []
    form = ConnectionForm(
        request.POST or None,
        initial={"asset": asset.pk if asset else None, "made_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        if asset is None:
            form.add_error(None, "Choose a group or activity that is running")
        elif warnings and not form.cleaned_data["confirm"]:
            form.add_error("confirm", "Confirm that you want to connect them despite the warnings")
        else:
            try:
                connection = connection_make(
                    person=person,
                    asset=asset,
                    kind=form.cleaned_data["kind"],
                    made_on=form.cleaned_data["made_on"],
                    notes=form.cleaned_data["notes"],
                    warnings_confirmed=form.cleaned_data["confirm"],
                    by=request.user,
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, f"Connected to {asset.name}.")
                if not connection.details_shared:
                    messages.warning(request, DETAILS_NOT_SHARED)
                    if asset.maintainers.exists():
                        messages.warning(request, KEEPERS_NOT_ASKED)
                elif asked := group_answer_request_send(connection=connection):
                    messages.info(
                        request,
                        f"The group's keeper{'s were' if asked > 1 else ' was'} emailed to ask "
                        "whether they came. Their answer will show on this connection.",
                    )
                return redirect(_person_url(person, "connections"))
    return render(
        request,
        f"{T}connection_form.html",
        {
            "person": person,
            "search_form": search_form,
            "query": query,
            "results": results,
            "asset": asset,
            "warnings": warnings,
            "form": form,
            "may_share": consent_given(person=person, purpose=ConsentPurpose.SHARE_WITH_GROUP),
            "details_not_shared": DETAILS_NOT_SHARED,
        },
    )


@casework_view
@require_POST
def connection_outcome(request: SignedInRequest, pk: int) -> HttpResponse:
    connection = connection_get_for(user=request.user, pk=pk)
    form = ConnectionOutcomeForm(request.POST)
    error, chosen = "", ""
    if not form.is_valid():
        error = _row_error(form, "Choose what happened")
    else:
        try:
            connection_outcome_set(
                connection=connection,
                outcome=form.cleaned_data["outcome"],
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict:
            connection = connection_get_for(user=request.user, pk=pk)
            chosen = form.cleaned_data["outcome"]
            error = _row_conflict(
                "follow-up", connection.get_outcome_display(), ConnectionOutcome(chosen).label
            )
    return _row_update(
        request,
        error=error,
        saved="Follow-up saved.",
        partial="connection_row",
        context={
            "connection": connection,
            "connection_outcomes": ConnectionOutcome.choices,
            "chosen": chosen,
        },
        person=connection.person,
        section="connections",
    )


# --- case notes ------------------------------------------------------------------------------


@casework_view
@require_POST
def note_create(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        try:
            case_note_add(person=person, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="text")
        else:
            messages.success(request, "Note added.")
            return redirect(_person_url(person, "timeline"))
    return _person_page(request, person, note_form=form)


# --- connecting from a directory listing ------------------------------------------------------

CONNECT_CHOICES = 20


@casework_view
@require_http_methods(["GET", "POST"])
def connect_to_group(request: SignedInRequest, asset_id: int) -> HttpResponse:
    """From a listing: choose one of the team's people, then the usual connection form. GET
    lists the user's own caseload; a search by name or NHS number is a POST, so it never
    appears in a URL. Only a listing that can be connected to (approved, running) is found."""
    asset = asset_active_get(pk=asset_id)
    if asset is None:
        raise Http404("No such group")
    searching = request.method == "POST"
    search_form = CaseloadSearchForm(request.POST if searching else None)
    if searching and search_form.is_valid():
        people = caseload_for(user=request.user, query=search_form.cleaned_data["q"])
    elif searching:
        people = caseload_for(user=request.user).none()
    else:
        people = caseload_for(user=request.user).filter(link_worker=request.user)
    return render(
        request,
        f"{T}connect_to_group.html",
        {
            "asset": asset,
            "search_form": search_form,
            "searching": searching,
            "people": list(people[:CONNECT_CHOICES]),
        },
        status=400 if searching and not search_form.is_valid() else 200,
    )


# --- a check-in: re-measuring without a whole conversation -----------------------------------


@casework_view
@require_http_methods(["GET", "POST"])
def check_in(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = CheckInForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check_in_record(
                person=person,
                by=request.user,
                on=data["on"],
                friends_count=data["friends_count"],
                swemwbs_items=data["swemwbs_items"],
                ons4=data["ons4"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Check-in saved.")
            return redirect(_person_url(person, "timeline"))
    return _measures_form_page(
        request,
        "check_in_form.html",
        person=person,
        form=form,
        status=400 if form.errors else 200,
    )


# --- contact attempts ------------------------------------------------------------------------


@casework_view
@require_POST
def contact_attempt_create(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = ContactAttemptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        now = timezone.localtime()
        day = data["attempted_on"]
        # Today's attempt is now; an earlier day's is kept at midday of that day.
        when = (
            now if day == now.date() else timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        )
        try:
            contact_attempt_record(
                person=person,
                referral=person.referrals.filter(status__in=OPEN_STATUSES).first(),
                method=data["method"],
                outcome=data["outcome"],
                attempted_at=when,
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="outcome")
        else:
            messages.success(request, "Contact attempt recorded.")
            return redirect(_person_url(person, "contact-attempts"))
    return _person_page(request, person, contact_form=form)


@casework_view
@require_POST
def referral_unable_to_contact(request: SignedInRequest, pk: int) -> HttpResponse:
    """Close the person's open referral as unable to contact (offered once the attempts
    allow it; the change is conditional on the status the page showed)."""
    referral = referral_for_case(user=request.user, pk=pk)
    shown = request.POST.get("from_status", "")
    try:
        referral_close_unable_to_contact(
            referral=referral, by=request.user, from_status=shown or None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Referral closed as unable to contact.")
    return redirect(_person_url(referral.person, "contact-attempts"))
