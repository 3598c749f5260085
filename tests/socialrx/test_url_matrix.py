"""Every URL x every role: who may use each page and endpoint, checked from the URL conf itself.

The patterns are walked from ``get_resolver()`` (the Django admin at ``/django-admin/`` is
left out: it is Django's own, for support staff, behind its own ``is_staff`` check). Each is
called by each persona with GET and POST, plainly and as htmx (``HX-Request``); API endpoints
with token authentication. URL arguments come from objects made once per role (``KWARGS``).

``ALLOWED`` says, per URL name, which roles may use it *for those objects* (a person of team
A, a referral from practice A, a listing the volunteer keeps...). Then:

- no response is a server error (500), for anyone;
- a role not allowed gets "sign in" (302 to the login page), 401, 403, 404 or 405: never a
  page (200) and never a redirect elsewhere;
- an allowed role's plain GET is not refused (no 401/403/404) unless the view takes POST only.

A new URL pattern fails ``test_every_url_pattern_is_declared`` until it has an entry in
``ALLOWED`` (and, if it takes arguments, in ``KWARGS``), so no page escapes the matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from assets import oruk
from assets.models import AssetChange, ListingReport, ListingStatus
from outcomes.models import Run
from privacy.services.merge import person_merge
from referrals.models import ClosedRouteEnquiry, Feedback, PossibleMatchOn, Source
from socialrx.api_clients import api_token_issue as api_client_token_issue
from tests.assets.factories import AssetFactory, GapFactory
from tests.champions.factories import EventFactory, HoursLogFactory
from tests.funding.factories import AwardFactory, PostFactory
from tests.outcomes.factories_dashboard import demo_snapshots
from tests.referrals.factories import (
    ConnectionFactory,
    ConversationFactory,
    GoalFactory,
    PersonFactory,
    ReferralFactory,
    TaskFactory,
)
from tests.socialrx.factories import LinkWorkerFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "volunteer",
    "practice_staff",
    "other_practice_staff",
    "link_worker",
    "other_link_worker",
    "commissioner",
    "admin_user",
]

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
ADMIN = frozenset({"admin_user"})
LINK_WORKERS = frozenset({"link_worker", "other_link_worker", "admin_user"})
TEAM_A = frozenset({"link_worker", "admin_user"})  # the fixture's person is team A's
PRACTICE_STAFF = frozenset({"practice_staff", "other_practice_staff"})
COMMISSIONING = frozenset({"commissioner", "admin_user"})

# Who may use each URL, by name, for the objects in ``World``.
ALLOWED: dict[str, frozenset[str]] = {
    # core and accounts
    "home": ALL,
    "healthz": ALL,
    "readyz": ALL,
    "login": ALL,
    "logout": ALL,
    "password_reset": ALL,
    "password_reset_done": ALL,
    "password_reset_confirm": ALL,
    "password_reset_complete": ALL,
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "mfa_verify": SIGNED_IN,
    "mfa_setup": SIGNED_IN,
    # administration
    "socialrx:admin_home": ADMIN,
    "socialrx:user_list": ADMIN,
    "socialrx:user_create": ADMIN,
    "socialrx:user_edit": ADMIN,
    "socialrx:user_deactivate": ADMIN,
    "socialrx:user_reactivate": ADMIN,
    "socialrx:user_password_reset": ADMIN,
    "socialrx:user_unlock": ADMIN,
    "socialrx:user_mfa_reset": ADMIN,
    "socialrx:team_list": ADMIN,
    "socialrx:team_create": ADMIN,
    "socialrx:team_edit": ADMIN,
    "socialrx:practice_list": ADMIN,
    "socialrx:practice_create": ADMIN,
    "socialrx:practice_edit": ADMIN,
    "socialrx:pcn_list": ADMIN,
    "socialrx:pcn_create": ADMIN,
    "socialrx:pcn_edit": ADMIN,
    "outcomes_imports:imports": ADMIN,
    "outcomes_imports:run": ADMIN,
    "outcomes_imports:openreferral": ADMIN,
    "outcomes_imports:formats": ADMIN,
    "outcomes_imports:template_csv": ADMIN,
    # referrals: intake
    "referrals:practice_referral_create": PRACTICE_STAFF,
    "referrals:practice_referrals": PRACTICE_STAFF | ADMIN,
    "referrals:practice_referral_detail": frozenset({"practice_staff", "admin_user"}),
    "referrals:referral_confirmation": frozenset({"practice_staff", "link_worker", "admin_user"}),
    "referrals:self_referral": ALL,
    "referrals:self_referral_done": ALL,
    "referrals:enquiry_received": ALL,
    "referrals:community_referral_create": frozenset({"volunteer", "admin_user"}),
    "referrals:other_referral_create": LINK_WORKERS,
    "referrals:closed_route_enquiries": ADMIN,
    "referrals:closed_route_enquiry_handled": ADMIN,
    # referrals: casework (team A's person)
    "referrals:caseload": LINK_WORKERS,
    "referrals:person": TEAM_A,
    "referrals:person_edit": TEAM_A,
    "referrals:person_link_worker": TEAM_A,
    "referrals:conversation_create": TEAM_A,
    "referrals:goal_create": TEAM_A,
    "referrals:conversation_detail": TEAM_A,
    "referrals:conversation_edit": TEAM_A,
    "referrals:person_plan": TEAM_A,
    "referrals:connection_create": TEAM_A,
    "referrals:check_in": TEAM_A,
    "referrals:connect_to_group": LINK_WORKERS,
    "referrals:note_create": TEAM_A,
    "referrals:contact_attempt_create": TEAM_A,
    "referrals:referral_unable_to_contact": TEAM_A,
    "referrals:referral_status_change": TEAM_A,
    "referrals:referral_close": TEAM_A,
    "referrals:feedback_create": TEAM_A,
    "referrals:feedback_letter": TEAM_A,
    "referrals:goal_status": TEAM_A,
    "referrals:connection_outcome": TEAM_A,
    "referrals:my_day": LINK_WORKERS,
    "referrals:task_create": TEAM_A,
    "referrals:appointment_create": TEAM_A,
    "referrals:message_compose": TEAM_A,
    "referrals:message_templates": LINK_WORKERS,
    "referrals:message_template_list": TEAM_A,
    "referrals:message_template_edit": TEAM_A,
    "referrals:calendar_ics": LINK_WORKERS,
    "referrals:task_done": TEAM_A,
    "referrals:task_snooze": TEAM_A,
    "referrals:task_reassign": TEAM_A,
    # the directory
    "assets:public_directory": ALL,
    "assets:directory": ALL,
    "assets:print": ALL,
    "assets:suggest": ALL,
    "assets:suggest_done": ALL,
    "assets:detail": ALL,
    "assets:leaflet": ALL,
    "assets:confirm_link": ALL,
    "referrals:group_answer": ALL,
    "assets:my_listings": frozenset({"volunteer", "admin_user"}),
    "assets:edit": frozenset({"volunteer", "admin_user"}),
    "assets:confirm": frozenset({"volunteer", "admin_user"}),
    "assets:capacity": frozenset({"volunteer", "admin_user"}),
    "assets:history": frozenset({"volunteer", "admin_user"}),
    "assets:moderation": ADMIN,
    "assets:moderation_decide": ADMIN,
    "assets:change_reviewed": ADMIN,
    "assets:report": frozenset({"link_worker", "other_link_worker"}),
    "assets:report_dealt_with": ADMIN,
    "assets:gaps": LINK_WORKERS,
    "assets:gap_new": LINK_WORKERS,
    "assets:gap_status": LINK_WORKERS,
    "assets:gaps_summary": LINK_WORKERS | {"commissioner"},
    # volunteers
    "champions:home": LINK_WORKERS | {"volunteer"},
    "champions:profile": frozenset({"volunteer"}),
    "champions:training": frozenset({"volunteer"}),
    "champions:hours": frozenset({"volunteer"}),
    "champions:hours_delete": frozenset({"volunteer"}),
    "champions:events": frozenset({"volunteer"}),
    "champions:event_delete": frozenset({"volunteer"}),
    "champions:groups": frozenset({"volunteer"}),
    "champions:referrals": frozenset({"volunteer"}),
    "champions:certificate": frozenset({"volunteer"}),
    "champions:list": LINK_WORKERS,
    "champions:create": ADMIN,
    "champions:detail": LINK_WORKERS,
    "champions:edit": ADMIN,
    "champions:training_add": ADMIN,
    "champions:hours_add_for": ADMIN,
    "champions:login_create": ADMIN,
    "champions:champion_certificate": LINK_WORKERS,
    "champions:invite": TEAM_A,
    # outcomes
    "outcomes:overview": COMMISSIONING,
    "outcomes:metric": COMMISSIONING,
    "outcomes:metric_csv": COMMISSIONING,
    "outcomes:metric_trend": COMMISSIONING,
    "outcomes:metric_compare": COMMISSIONING,
    "outcomes:board_pack": COMMISSIONING,
    "outcomes:report": COMMISSIONING,
    "outcomes:metric_recompute": ADMIN,
    "outcomes:run_status": ADMIN,
    "outcomes:overview_compute": COMMISSIONING,
    "outcomes:metric_compute": COMMISSIONING,
    "outcomes:compute_status": COMMISSIONING,
    # the API
    "api_referral_create": PRACTICE_STAFF | ADMIN,
    "api_referral_detail": frozenset({"practice_staff", "link_worker", "admin_user"}),
    # API clients' own (tests/socialrx/test_api_clients.py): no person's token or session.
    "api_webhook_list": frozenset(),
    "api_webhook_detail": frozenset(),
    "api_webhook_deliveries": frozenset(),
    "socialrx:api_client_list": ADMIN,
    "socialrx:api_client_create": ADMIN,
    "socialrx:api_client_detail": ADMIN,
    "socialrx:api_client_revoke": ADMIN,
    "socialrx:api_token_issue": ADMIN,
    "socialrx:api_token_revoke": ADMIN,
    "socialrx:webhook_delivery_list": ADMIN,
    "api_directory": ALL,
    "api_directory_openreferral": ALL,
    "fhir_metadata": ALL,
    "fhir_service_request_create": PRACTICE_STAFF | ADMIN,
    "fhir_service_request": frozenset({"practice_staff", "admin_user"}),
    "fhir_task": frozenset({"practice_staff", "admin_user"}),
    # Anyone signed in may search; each finds only the Tasks of their own referrals.
    "fhir_task_search": SIGNED_IN,
    "fhir_bundle": frozenset({"practice_staff", "admin_user"}),
    "fhir_patient_questionnaire_responses": TEAM_A,
    "fhir_patient_observations": TEAM_A,
    "fhir_patient": TEAM_A,
    "fhir_unknown": frozenset(),
    "oruk_root": ALL,
    "oruk_services": ALL,
    "oruk_service": ALL,
    "oruk_service_at_locations": ALL,
    "oruk_service_at_location": ALL,
    "oruk_taxonomies": ALL,
    "oruk_taxonomy": ALL,
    "oruk_taxonomy_terms": ALL,
    "oruk_taxonomy_term": ALL,
    "metric-list": COMMISSIONING,
    "metric-detail": COMMISSIONING,
    "privacy:home": ADMIN,
    "privacy:person": ADMIN,
    "privacy:export": ADMIN,
    "privacy:export_json": ADMIN,
    "privacy:erase": ADMIN,
    "privacy:merge": ADMIN,
    "privacy:merge_detail": ADMIN,
    "privacy:merge_undo": ADMIN,
    "privacy:merge_confirm": ADMIN,
    "privacy:retention": ADMIN,
    "referrals:person_consent": TEAM_A,
    "referrals:possible_match": TEAM_A,
    "schema": ALL,
    "api-docs": ALL,
    # funding: commissioners without a funding body of their own may read, not record
    "funding:dashboard": COMMISSIONING,
    "funding:dashboard_csv": COMMISSIONING,
    "funding:awards": COMMISSIONING,
    "funding:award_create": ADMIN,
    "funding:award_edit": ADMIN,
    "funding:post_create": ADMIN,
    "funding:post_edit": ADMIN,
    "funding:keeper": frozenset({"volunteer", "admin_user"}),
    "funding:keeper_places": frozenset({"volunteer"}),
    "funding:listing_capacity": LINK_WORKERS | {"volunteer"},
    "funding-awards": COMMISSIONING | {"volunteer"},
    "funding-capacity": COMMISSIONING | {"volunteer"},
    "funding-summary": COMMISSIONING,
}


@dataclass
class World:
    person: Any
    referral: Any
    goal: Any
    connection: Any
    feedback: Any
    enquiry: Any
    kept_asset: Any
    pending_asset: Any
    change: Any
    report: Any
    gap: Any
    champion: Any
    hours: Any
    event: Any
    import_run: Any
    metric_run: Any
    target_user: Any
    team: Any
    practice: Any
    pcn: Any
    merge: Any
    possible: Any
    task: Any
    conversation: Any
    award: Any
    post: Any
    webhook: Any
    api_token: Any


# URL arguments, per URL name, from the world's objects.
KWARGS: dict[str, Callable[[World], dict[str, Any]]] = {
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "not-a-token"},
    "socialrx:user_edit": lambda w: {"pk": w.target_user.pk},
    "socialrx:user_deactivate": lambda w: {"pk": w.target_user.pk},
    "socialrx:user_reactivate": lambda w: {"pk": w.target_user.pk},
    "socialrx:user_password_reset": lambda w: {"pk": w.target_user.pk},
    "socialrx:user_unlock": lambda w: {"pk": w.target_user.pk},
    "socialrx:user_mfa_reset": lambda w: {"pk": w.target_user.pk},
    "socialrx:team_edit": lambda w: {"pk": w.team.pk},
    "socialrx:practice_edit": lambda w: {"pk": w.practice.pk},
    "socialrx:pcn_edit": lambda w: {"pk": w.pcn.pk},
    "outcomes_imports:run": lambda w: {"pk": w.import_run.pk},
    "outcomes_imports:template_csv": lambda w: {"kind": "people"},
    "referrals:practice_referral_detail": lambda w: {"pk": w.referral.pk},
    "referrals:referral_confirmation": lambda w: {"pk": w.referral.pk},
    "referrals:closed_route_enquiry_handled": lambda w: {"pk": w.enquiry.pk},
    "referrals:person": lambda w: {"pk": w.person.pk},
    "referrals:person_edit": lambda w: {"pk": w.person.pk},
    "referrals:person_link_worker": lambda w: {"pk": w.person.pk},
    "referrals:conversation_create": lambda w: {"pk": w.person.pk},
    "referrals:goal_create": lambda w: {"pk": w.person.pk},
    "referrals:conversation_detail": lambda w: {"pk": w.conversation.pk},
    "referrals:conversation_edit": lambda w: {"pk": w.conversation.pk},
    "referrals:person_plan": lambda w: {"pk": w.person.pk},
    "referrals:connection_create": lambda w: {"pk": w.person.pk},
    "referrals:check_in": lambda w: {"pk": w.person.pk},
    "referrals:connect_to_group": lambda w: {"asset_id": w.kept_asset.pk},
    "referrals:note_create": lambda w: {"pk": w.person.pk},
    "referrals:contact_attempt_create": lambda w: {"pk": w.person.pk},
    "referrals:referral_unable_to_contact": lambda w: {"pk": w.referral.pk},
    "referrals:referral_status_change": lambda w: {"pk": w.referral.pk},
    "referrals:referral_close": lambda w: {"pk": w.referral.pk},
    "referrals:feedback_create": lambda w: {"pk": w.referral.pk},
    "referrals:feedback_letter": lambda w: {"pk": w.feedback.pk},
    "referrals:goal_status": lambda w: {"pk": w.goal.pk},
    "referrals:connection_outcome": lambda w: {"pk": w.connection.pk},
    "referrals:task_create": lambda w: {"pk": w.person.pk},
    "referrals:appointment_create": lambda w: {"pk": w.person.pk},
    "referrals:message_compose": lambda w: {"pk": w.person.pk},
    "referrals:message_template_list": lambda w: {"team_id": w.team.pk},
    "referrals:message_template_edit": lambda w: {
        "team_id": w.team.pk,
        "kind": "appointment_reminder",
        "channel": "sms",
    },
    "referrals:task_done": lambda w: {"pk": w.task.pk},
    "referrals:task_snooze": lambda w: {"pk": w.task.pk},
    "referrals:task_reassign": lambda w: {"pk": w.task.pk},
    "assets:detail": lambda w: {"pk": w.kept_asset.pk},
    "oruk_service": lambda w: {"id": str(w.kept_asset.oruk_id)},
    "oruk_service_at_location": lambda w: {"id": str(w.kept_asset.oruk_sal_id)},
    "oruk_taxonomy": lambda w: {"id": oruk.TAXONOMIES["category"].id},
    "oruk_taxonomy_term": lambda w: {"id": oruk.local_term("category", "food").id},
    "assets:leaflet": lambda w: {"pk": w.kept_asset.pk},
    "assets:confirm_link": lambda w: {"token": "not-a-token"},
    "referrals:group_answer": lambda w: {"token": "not-a-token"},
    "assets:edit": lambda w: {"pk": w.kept_asset.pk},
    "assets:confirm": lambda w: {"pk": w.kept_asset.pk},
    "assets:capacity": lambda w: {"pk": w.kept_asset.pk},
    "assets:history": lambda w: {"pk": w.kept_asset.pk},
    "assets:moderation_decide": lambda w: {"pk": w.pending_asset.pk, "decision": "approve"},
    "assets:change_reviewed": lambda w: {"pk": w.change.pk},
    "assets:report": lambda w: {"pk": w.kept_asset.pk},
    "assets:report_dealt_with": lambda w: {"pk": w.report.pk},
    "assets:gap_status": lambda w: {"pk": w.gap.pk},
    "champions:hours_delete": lambda w: {"pk": w.hours.pk},
    "champions:event_delete": lambda w: {"pk": w.event.pk},
    "champions:detail": lambda w: {"pk": w.champion.pk},
    "champions:edit": lambda w: {"pk": w.champion.pk},
    "champions:training_add": lambda w: {"pk": w.champion.pk},
    "champions:hours_add_for": lambda w: {"pk": w.champion.pk},
    "champions:login_create": lambda w: {"pk": w.champion.pk},
    "champions:champion_certificate": lambda w: {"pk": w.champion.pk},
    "champions:invite": lambda w: {"person_id": w.person.pk},
    "outcomes:metric": lambda w: {"metric": "friends"},
    "outcomes:metric_csv": lambda w: {"metric": "friends"},
    "outcomes:metric_trend": lambda w: {"metric": "friends"},
    "outcomes:metric_compare": lambda w: {"metric": "friends"},
    "outcomes:metric_recompute": lambda w: {"metric": "friends"},
    "outcomes:run_status": lambda w: {"pk": w.metric_run.pk},
    "outcomes:metric_compute": lambda w: {"metric": "friends"},
    "outcomes:compute_status": lambda w: {"pk": w.metric_run.pk},
    "api_referral_detail": lambda w: {"pk": w.referral.pk},
    "fhir_service_request": lambda w: {"pk": w.referral.pk},
    "fhir_task": lambda w: {"pk": w.referral.pk},
    "fhir_bundle": lambda w: {"pk": w.feedback.pk},
    "fhir_patient_questionnaire_responses": lambda w: {"pk": w.person.pk},
    "fhir_patient_observations": lambda w: {"pk": w.person.pk},
    "fhir_patient": lambda w: {"pk": w.person.pk},
    "api_webhook_detail": lambda w: {"pk": w.webhook.pk},
    "api_webhook_deliveries": lambda w: {"pk": w.webhook.pk},
    "socialrx:api_client_detail": lambda w: {"pk": w.webhook.client_id},
    "socialrx:api_client_revoke": lambda w: {"pk": w.webhook.client_id},
    "socialrx:api_token_issue": lambda w: {"pk": w.webhook.client_id},
    "socialrx:api_token_revoke": lambda w: {"pk": w.api_token.pk},
    "metric-detail": lambda w: {"metric": "friends"},
    "privacy:person": lambda w: {"pk": w.person.pk},
    "privacy:export": lambda w: {"pk": w.person.pk},
    "privacy:export_json": lambda w: {"pk": w.person.pk},
    "privacy:erase": lambda w: {"pk": w.person.pk},
    "privacy:merge": lambda w: {"pk": w.person.pk},
    "privacy:merge_detail": lambda w: {"pk": w.merge.pk},
    "privacy:merge_undo": lambda w: {"pk": w.merge.pk},
    "privacy:merge_confirm": lambda w: {"pk": w.merge.pk},
    "referrals:person_consent": lambda w: {"pk": w.person.pk},
    "referrals:possible_match": lambda w: {"pk": w.possible.pk},
    "funding:dashboard_csv": lambda w: {"table": "organisations"},
    "funding:award_edit": lambda w: {"pk": w.award.pk},
    "funding:post_edit": lambda w: {"pk": w.post.pk},
    "funding:keeper_places": lambda w: {"pk": w.kept_asset.pk},
    "funding:listing_capacity": lambda w: {"pk": w.kept_asset.pk},
}


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    kwargs: tuple[str, ...]
    methods: frozenset[str] | None  # None: the view does not restrict methods itself


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("django-admin/"):
                continue
            inner = entry.namespace or ""
            ns = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            yield from _walk(entry, route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield Pattern(
                name=name,
                route=route,
                kwargs=tuple(entry.pattern.regex.groupindex),
                methods=None,
            )


PATTERNS = sorted(_walk(get_resolver()), key=lambda p: p.name)


def test_every_url_pattern_is_declared():
    """A new URL needs an ALLOWED entry and, if it takes arguments, a KWARGS entry."""
    undeclared = [p.name for p in PATTERNS if p.name not in ALLOWED]
    unfilled = [p.name for p in PATTERNS if p.kwargs and p.name not in KWARGS]
    stale = sorted(set(ALLOWED) - {p.name for p in PATTERNS})
    assert not undeclared, f"URL patterns with no ALLOWED entry: {undeclared}"
    assert not unfilled, f"URL patterns whose arguments KWARGS cannot fill: {unfilled}"
    assert not stale, f"ALLOWED names no URL pattern has: {stale}"
    assert len(PATTERNS) > 90  # the walk found the whole URL conf


def test_kwargs_fill_exactly_the_pattern_arguments(world):
    for pattern in PATTERNS:
        given = KWARGS[pattern.name](world) if pattern.kwargs else {}
        assert set(given) == set(pattern.kwargs), pattern.name
        reverse(pattern.name, kwargs=given)


@pytest.fixture
def world(
    link_worker,
    other_link_worker,
    practice_staff,
    other_practice_staff,
    volunteer,
    commissioner,
    admin_user,
    practice_a,
    team_a,
    pcn,
) -> World:
    person = PersonFactory(practice=practice_a, link_worker=link_worker)
    referral = ReferralFactory(
        person=person, source=Source.GP, referred_by=practice_staff, link_worker=link_worker
    )
    kept = AssetFactory(listing_status=ListingStatus.APPROVED)
    kept.maintainers.add(volunteer)
    pending = AssetFactory(listing_status=ListingStatus.PENDING)
    champion = volunteer.champion
    webhook = WebhookSubscriptionFactory()
    demo_snapshots(practices=("A00001",), pcns=("U00001",))  # figures for the outcome pages
    return World(
        person=person,
        referral=referral,
        goal=GoalFactory(person=person, referral=referral, created_by=link_worker),
        connection=ConnectionFactory(
            person=person, referral=referral, asset=kept, made_by=link_worker
        ),
        feedback=Feedback.objects.create(
            referral=referral,
            snomed_code=Feedback.Snomed.REFERRED,
            needs_and_concerns="Lonely since moving.",
            support_offered="Walking group.",
            sent_by=link_worker,
        ),
        enquiry=ClosedRouteEnquiry.objects.create(route="community", data={"x": "y"}),
        kept_asset=kept,
        pending_asset=pending,
        change=AssetChange.objects.create(
            asset=kept, action=AssetChange.Action.EDITED, by=volunteer, needs_review=True
        ),
        report=ListingReport.objects.create(asset=kept, kind="wrong", note="Moved to Tuesdays"),
        gap=GapFactory(logged_by=link_worker),
        champion=champion,
        hours=HoursLogFactory(champion=champion),
        event=EventFactory(champion=champion),
        import_run=Run.objects.create(kind="people", created_by=admin_user),
        metric_run=Run.objects.create(kind="metric:friends", created_by=admin_user),
        target_user=LinkWorkerFactory(username="lw_target", team=team_a),
        team=team_a,
        practice=practice_a,
        pcn=pcn,
        merge=person_merge(
            kept=PersonFactory(practice=practice_a, link_worker=link_worker),
            duplicate=PersonFactory(practice=practice_a, link_worker=link_worker),
            by=admin_user,
        ),
        possible=ReferralFactory(
            person=PersonFactory(practice=practice_a, link_worker=link_worker),
            link_worker=link_worker,
            source=Source.SELF,
            possible_match=person,
            possible_match_on=PossibleMatchOn.NAME_DOB_POSTCODE,
        ),
        task=TaskFactory(person=person, referral=referral),
        conversation=ConversationFactory(person=person, referral=referral),
        award=AwardFactory(funds=[kept]),
        post=PostFactory(),
        webhook=webhook,
        api_token=api_client_token_issue(client=webhook.client, by=admin_user).token,
    )


REFUSED = {401, 403, 404, 405}


def _call(client: Client, method: str, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """One request whose effects are rolled back, so that every call sees the same world.
    Returns the status (500 for an exception) and where a redirect goes."""
    cache.clear()  # rate limits and cached look-ups start empty for every call
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, headers=headers)
            transaction.set_rollback(True)
    except Exception as exc:  # any exception is the server error being looked for
        return 500, f"{type(exc).__name__}: {exc}"
    return response.status_code, response.get("Location", "")


def _problem(allowed: bool, method: str, variant: str, status: int, location: str) -> str | None:
    if status >= 500:
        return f"server error {location}"
    if not allowed:
        if status in REFUSED:
            return None
        if status == 302 and location.startswith(resolve_url(settings.LOGIN_URL)):
            return None
        return f"not allowed but got {status} {location}"
    if method == "get" and variant in {"plain", "token"} and status in {401, 403, 404}:
        return f"allowed but refused with {status}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_url_role_matrix(request, role, world):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    session = Client()
    if user is not None:
        session.force_login(user)
    cookie = session.cookies.get(settings.SESSION_COOKIE_NAME)
    token = Token.objects.create(user=user).key if user is not None else None

    problems: list[str] = []
    calls = 0
    for pattern in PATTERNS:
        kwargs = KWARGS[pattern.name](world) if pattern.kwargs else {}
        url = reverse(pattern.name, kwargs=kwargs)
        allowed = role in ALLOWED[pattern.name]
        if pattern.route.startswith("api/v1/"):
            variants = {"token": {"Authorization": f"Token {token}"} if token else {}}
        else:
            variants = {"plain": {}, "htmx": {"HX-Request": "true"}}
        for variant, headers in variants.items():
            for method in ("get", "post"):
                client = Client()
                if cookie is not None and variant != "token":
                    client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: cookie.value})
                status, location = _call(client, method, url, headers)
                calls += 1
                problem = _problem(allowed, method, variant, status, location)
                if problem:
                    problems.append(f"{method.upper()} {variant} {pattern.name} {url}: {problem}")
    api_patterns = sum(p.route.startswith("api/v1/") for p in PATTERNS)
    assert calls == 4 * len(PATTERNS) - 2 * api_patterns
    assert not problems, f"{role}: {len(problems)} problems\n" + "\n".join(problems)
