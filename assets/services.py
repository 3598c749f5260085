"""Writes for the directory: proposals, moderation, edits with history, "still running",
capacity and members, reminders, the signed confirmation link, gaps."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from socialrx.concurrency import version_bump, version_claim
from socialrx.models import User
from socialrx.ratelimit import rate_limited

from .models import (
    Asset,
    AssetChange,
    Capacity,
    Gap,
    GapStatus,
    ListingNotice,
    ListingReminder,
    ListingReport,
    ListingStatus,
    MemberCount,
    Session,
)

logger = logging.getLogger(__name__)

CONFIRM_SALT = "assets.listing-confirm"
# A reminder link stays usable for a month; after that the keeper signs in or waits for the next.
CONFIRM_LINK_MAX_AGE = dt.timedelta(days=30)
REMINDER_STAGES = (90, 60)

# Fields whose changes are recorded in a listing's history (everything a keeper can edit).
TRACKED_FIELDS = (
    "name",
    "kind",
    "category",
    "led_by",
    "organisation",
    "started_by",
    "started_on",
    "ended_on",
    "fills_gap",
    "description",
    "venue_name",
    "address",
    "postcode",
    "schedule_text",
    "is_free",
    "cost",
    "step_free",
    "hearing_loop",
    "accessible_toilet",
    "little_talking",
    "slowest_pace",
    "languages",
    "first_visit",
    "ask_for",
    "getting_there",
    "eligibility",
    "eligible_practice",
    "capacity",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "other_links",
    "member_count",
)


def _display(asset: Asset, name: str) -> str:
    value = getattr(asset, name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, models.Model):
        return str(value)
    field = asset._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(asset, f"get_{name}_display")())
    return str(value)


def asset_propose(
    *,
    asset: Asset,
    sessions: list[Session] | None = None,
    by: Any = None,
    proposer_email: str = "",
) -> Asset:
    """A new listing from a volunteer or the public: it waits for an administrator. A
    volunteer who proposes a group becomes one of its keepers."""
    with transaction.atomic():
        asset.listing_status = ListingStatus.PENDING
        asset.proposer_email = proposer_email
        if getattr(by, "is_authenticated", False):
            asset.proposed_by = by
            if by.is_volunteer and not asset.started_by_user_id:
                asset.started_by_user = by
        asset.save()
        for session in sessions or []:
            session.asset = asset
            session.save()
        if getattr(by, "is_authenticated", False) and by.is_volunteer:
            asset.maintainers.add(by)
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.PROPOSED,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
    return asset


def asset_approve(*, asset: Asset, by: User) -> Asset:
    with transaction.atomic():
        now = timezone.now()
        updated = Asset.objects.filter(pk=asset.pk, listing_status=ListingStatus.PENDING).update(
            listing_status=ListingStatus.APPROVED,
            last_confirmed_at=now,
            last_confirmed_by=by,
            updated_at=now,
        )
        if updated:
            AssetChange.objects.create(asset=asset, action=AssetChange.Action.APPROVED, by=by)
    asset.refresh_from_db()
    return asset


def asset_reject(*, asset: Asset, by: User) -> Asset:
    with transaction.atomic():
        updated = Asset.objects.filter(pk=asset.pk, listing_status=ListingStatus.PENDING).update(
            listing_status=ListingStatus.REJECTED, updated_at=timezone.now()
        )
        if updated:
            AssetChange.objects.create(asset=asset, action=AssetChange.Action.REJECTED, by=by)
    asset.refresh_from_db()
    return asset


CAPACITY_FIELDS = ("capacity", "member_count")


def capacity_snapshot(asset: Asset) -> dict[str, str]:
    return {name: _display(asset, name) for name in CAPACITY_FIELDS}


def asset_snapshot(asset: Asset) -> dict[str, str]:
    """What a listing's history compares: every tracked field as shown, then its sessions."""
    snapshot = {name: _display(asset, name) for name in TRACKED_FIELDS}
    snapshot["sessions"] = "; ".join(str(s) for s in asset.sessions.all())
    return snapshot


def asset_edit(
    *,
    asset: Asset,
    before: dict[str, str],
    form: Any,
    formset: Any,
    by: User,
    version: int | None = None,
) -> AssetChange | None:
    """Save a keeper's edit (a valid listing form and sessions formset bound to ``asset``) and
    record what changed. ``before`` is :func:`asset_snapshot` taken before the form was bound,
    since validating a model form already changes the instance. Edits to approved listings go
    live at once; those by anyone but an administrator wait for review. ``version`` is the one
    the form was loaded with (default: ``asset``'s own): if someone else has saved since,
    nothing is written and :class:`socialrx.concurrency.EditConflict` says so."""
    expected = asset.version if version is None else version
    with transaction.atomic():
        version_claim(asset, expected=expected)
        form.save(commit=False)
        formset.save()
        # Whoever has just gone through the listing and saved it has confirmed it is true.
        _stamp_confirmed(asset, by)
        asset.save()
        after = asset_snapshot(asset)
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if not changes:
            AssetChange.objects.create(asset=asset, action=AssetChange.Action.CONFIRMED, by=by)
            return None
        return AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.EDITED,
            by=by,
            changes=changes,
            needs_review=asset.listing_status == ListingStatus.APPROVED and not by.is_admin,
        )


def _stamp_confirmed(asset: Asset, by: Any) -> None:
    asset.last_confirmed_at = timezone.now()
    asset.last_confirmed_by = by if getattr(by, "is_authenticated", False) else None


def asset_confirm(*, asset: Asset, by: Any = None, via_email_link: bool = False) -> Asset:
    """ "Still running": stamp the listing confirmed now (which also starts a new reminder
    cycle, as reminders are keyed by the confirmation they are about)."""
    now = timezone.now()
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(
            last_confirmed_at=now, last_confirmed_by=user, updated_at=now
        )
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.CONFIRMED,
            by=user,
            via_email_link=via_email_link,
        )
    asset.last_confirmed_at = now
    asset.last_confirmed_by = user
    return asset


def asset_capacity_update(
    *,
    asset: Asset,
    capacity: str,
    member_count: int | None,
    by: User,
    via_email_link: bool = False,
    version: int | None = None,
) -> Asset:
    """Update capacity and the member count; the count is kept over time (one a day). A keeper
    who updates them has confirmed the listing is still running. ``version`` is the one the
    form was loaded with; without it (the emailed "full for now" link) the answer stands
    whatever was saved before, and still moves the version on."""
    before = {
        "capacity": _display(asset, "capacity"),
        "member_count": _display(asset, "member_count"),
    }
    with transaction.atomic():
        if version is None:
            version_bump(asset)
        else:
            version_claim(asset, expected=version)
        asset.capacity = capacity
        if member_count is not None:
            asset.member_count = member_count
            MemberCount.objects.update_or_create(
                asset=asset,
                counted_on=timezone.localdate(),
                defaults={"count": member_count, "recorded_by": by},
            )
        _stamp_confirmed(asset, by)
        asset.save(
            update_fields=[
                "capacity",
                "member_count",
                "last_confirmed_at",
                "last_confirmed_by",
                "updated_at",
            ]
        )
        after = {
            "capacity": _display(asset, "capacity"),
            "member_count": _display(asset, "member_count"),
        }
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.CAPACITY if changes else AssetChange.Action.CONFIRMED,
            by=by,
            changes=changes,
            via_email_link=via_email_link,
        )
    return asset


def asset_mark_stopped(*, asset: Asset, by: User, via_email_link: bool = False) -> Asset:
    """ "It has stopped": the listing ends today and leaves the directory. Administrators
    review it like any other keeper's edit."""
    today = timezone.localdate()
    # The database requires the end to be after the start (a group that never began).
    ended = today if not asset.started_on or asset.started_on < today else asset.started_on
    if asset.started_on and ended <= asset.started_on:
        ended = asset.started_on + dt.timedelta(days=1)
    before = _display(asset, "ended_on")
    with transaction.atomic():
        version_bump(asset)
        asset.ended_on = ended
        _stamp_confirmed(asset, by)
        asset.save(
            update_fields=["ended_on", "last_confirmed_at", "last_confirmed_by", "updated_at"]
        )
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.EDITED,
            by=by,
            changes={"ended_on": [before, _display(asset, "ended_on")]},
            via_email_link=via_email_link,
            needs_review=asset.listing_status == ListingStatus.APPROVED and not by.is_admin,
        )
    return asset


def change_mark_reviewed(*, change: AssetChange, by: User) -> AssetChange:
    AssetChange.objects.filter(pk=change.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=by
    )
    change.refresh_from_db()
    return change


# --- the signed "still running" link -------------------------------------------------------


def confirm_token_make(*, asset: Asset, user: User) -> str:
    """A signed, timestamped token holding two ids (listing and keeper): no personal data."""
    return signing.dumps({"a": asset.pk, "u": user.pk}, salt=CONFIRM_SALT, compress=False)


def confirm_token_read(*, token: str) -> tuple[int, int]:
    """(asset id, user id). Raises ``signing.SignatureExpired`` or ``signing.BadSignature``."""
    data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_LINK_MAX_AGE)
    if not isinstance(data, dict) or not {"a", "u"} <= data.keys():
        raise signing.BadSignature("Malformed token")
    return int(data["a"]), int(data["u"])


# The answers a reminder email offers, each a link to a page with one button.
RUNNING, STOPPED, FULL = "running", "stopped", "full"
ANSWERS = (RUNNING, STOPPED, FULL)


def confirm_url(*, asset: Asset, user: User, answer: str = RUNNING) -> str:
    path = reverse("assets:confirm_link", args=[confirm_token_make(asset=asset, user=user)])
    query = "" if answer == RUNNING else f"?answer={answer}"
    return settings.SITE_URL.rstrip("/") + path + query


def asset_confirm_by_token(*, token: str, answer: str = RUNNING) -> Asset:
    """Record a keeper's answer from an emailed link: still running, stopped, or full for now.
    The keeper must still keep the listing."""
    asset_id, user_id = confirm_token_read(token=token)
    asset = Asset.objects.filter(pk=asset_id, maintainers__pk=user_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if asset is None or user is None:
        raise signing.BadSignature("No such keeper")
    if answer == STOPPED:
        return asset_mark_stopped(asset=asset, by=user, via_email_link=True)
    if answer == FULL:
        return asset_capacity_update(
            asset=asset, capacity=Capacity.FULL, member_count=None, by=user, via_email_link=True
        )
    return asset_confirm(asset=asset, by=user, via_email_link=True)


# --- reminders ------------------------------------------------------------------------------


def listing_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the keepers of listings not confirmed for 60 and 90 days, once each. The claim is
    the unique (asset, stage, basis) row: a second run, or a parallel one, inserts nothing and
    sends nothing. Returns the number of reminders sent."""
    now = now or timezone.now()
    earliest = now - dt.timedelta(days=min(REMINDER_STAGES))
    candidates = (
        Asset.objects.filter(listing_status=ListingStatus.APPROVED, maintainers__isnull=False)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=timezone.localdate(now)))
        .annotate(basis=Coalesce("last_confirmed_at", "created_at"))
        .filter(basis__lte=earliest)
        .distinct()
        .defer("search_vector")
        .prefetch_related("maintainers")
    )
    sent = 0
    for asset in candidates:
        age = now - asset.basis
        due = [stage for stage in REMINDER_STAGES if age >= dt.timedelta(days=stage)]
        # Claim every stage that is due, send only the latest: a listing already 120 days old
        # gets the 90-day reminder and never a late 60-day one.
        claimed = [s for s in due if _reminder_claim(asset=asset, stage=s, basis=asset.basis)]
        if not claimed or max(claimed) != max(due):
            continue
        sent += _reminder_deliver(asset=asset, stage=max(due), basis=asset.basis, now=now)
    return sent


def _reminder_claim(*, asset: Asset, stage: int, basis: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            ListingReminder.objects.create(asset=asset, stage=stage, basis=basis)
    except IntegrityError:
        return False
    return True


def _reminder_deliver(*, asset: Asset, stage: int, basis: dt.datetime, now: dt.datetime) -> int:
    keepers = [u for u in asset.maintainers.all() if u.is_active]
    stale_note = (
        'It now shows as "not confirmed recently" in the directory.'
        if stage >= settings.LISTING_STALE_DAYS
        else f'After {settings.LISTING_STALE_DAYS} days it will show as "not confirmed recently".'
    )
    message = f"The listing for {asset.name} has not been confirmed for {stage} days. {stale_note}"
    for user in keepers:
        ListingNotice.objects.create(user=user, asset=asset, message=message, created_at=now)
        if user.email:
            try:
                send_mail(
                    subject=f"Is {asset.name} still running?",
                    message=(
                        f"Hello,\n\n{message}\n\nPlease tell us with one click:\n\n"
                        "It is still running as listed:\n"
                        f"{confirm_url(asset=asset, user=user)}\n\n"
                        "It has stopped:\n"
                        f"{confirm_url(asset=asset, user=user, answer=STOPPED)}\n\n"
                        "It is full for now:\n"
                        f"{confirm_url(asset=asset, user=user, answer=FULL)}\n\n"
                        "If something else has changed (times, venue), sign in to update "
                        "the listing.\n"
                    ),
                    from_email=None,
                    recipient_list=[user.email],
                )
            except Exception:  # one bad address must not stop the others
                logger.exception("Listing reminder mail failed for asset %s", asset.pk)
    ListingReminder.objects.filter(asset=asset, stage=stage, basis=basis).update(
        recipients=len(keepers)
    )
    return 1


def notices_mark_read(*, user: User) -> int:
    return ListingNotice.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- reports from link workers ----------------------------------------------------------------


def listing_report(*, asset: Asset, kind: str, note: str, by: User) -> ListingReport:
    """A link worker says a listing has stopped or is wrong. Its keepers get a notice and an
    email; moderators see it on the moderation page until one marks it dealt with. The
    listing's history records it. Nothing on the listing changes until someone checks."""
    if kind not in ListingReport.Kind.values:
        raise ValueError("Unknown report kind")
    with transaction.atomic():
        report = ListingReport.objects.create(asset=asset, kind=kind, note=note, reported_by=by)
        label = report.get_kind_display()
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.REPORTED,
            by=by,
            changes={"report": ["", f"{label}: {note}" if note else label]},
        )
        keepers = [u for u in asset.maintainers.all() if u.is_active]
        message = f"A link worker reported {asset.name}: {label.lower()}."
        if note:
            message = f"{message} {note}"
        for user in keepers:
            ListingNotice.objects.create(user=user, asset=asset, message=message[:300])
    for user in keepers:
        if not user.email:
            continue
        try:
            send_mail(
                subject=f"Is the listing for {asset.name} right?",
                message=(
                    f"Hello,\n\n{message}\n\nPlease sign in and check the listing: update it, "
                    "or confirm it is still running.\n\n"
                    f"{settings.SITE_URL.rstrip('/')}{reverse('assets:my_listings')}\n"
                ),
                from_email=None,
                recipient_list=[user.email],
            )
        except Exception:  # one bad address must not stop the others
            logger.exception("Listing report mail failed for asset %s", asset.pk)
    return report


def report_mark_dealt_with(*, report: ListingReport, by: User) -> ListingReport:
    """A moderator has dealt with a report (once: a second click changes nothing)."""
    with transaction.atomic():
        updated = ListingReport.objects.filter(pk=report.pk, dealt_with_at__isnull=True).update(
            dealt_with_at=timezone.now(), dealt_with_by=by
        )
        if updated:
            AssetChange.objects.create(
                asset=report.asset,
                action=AssetChange.Action.RESOLVED,
                by=by,
                changes={"report": [report.get_kind_display(), ""]},
            )
    report.refresh_from_db()
    return report


# --- suggestions from the public ----------------------------------------------------------

# Suggestions one client address may send an hour without signing in (the form is public).
SUGGESTION_RATE_LIMIT = 5


def suggestion_rate_limited(*, client_address: str) -> bool:
    """Count one public suggestion from this address; True once past the hourly limit."""
    return rate_limited(scope="suggest-group", key=client_address, limit=SUGGESTION_RATE_LIMIT)


# --- gaps -----------------------------------------------------------------------------------


def gap_log(*, gap: Gap, by: User) -> Gap:
    gap.logged_by = by
    gap.full_clean()
    gap.save()
    return gap


def gap_status_set(*, gap: Gap, status: str, by: User) -> Gap:
    if status not in GapStatus.values:
        raise ValueError("Unknown gap status")
    gap.status = status
    gap.save(update_fields=["status", "updated_at"])
    return gap
