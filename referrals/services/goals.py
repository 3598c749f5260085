"""The person's goals, in their own words, and how they feel each is going."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from socialrx.audit import acting_user
from socialrx.concurrency import version_claim

from ..models import Goal, GoalStatus, Person
from ..selectors.casework import referral_open_for
from .activity import person_touch


@acting_user("by")
def goal_add(*, person: Person, description: str, by: Any) -> Goal:
    description = description.strip()
    if not description:
        raise ValidationError("Describe the goal in the person's words", code="goal_required")
    with transaction.atomic():
        goal = Goal.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            description=description[:500],
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        person_touch(person)
    return goal


@acting_user("by")
def goal_status_set(*, goal: Goal, status: str, by: Any, version: int | None = None) -> Goal:
    """Record how the person feels a goal is going. ``version`` is the one the row was shown
    with (default: ``goal``'s own): if someone else has changed the goal since, nothing is
    written and :class:`socialrx.concurrency.EditConflict` says so."""
    if status not in GoalStatus.values:
        raise ValidationError("Choose how the person feels it is going", code="goal_status")
    expected = goal.version if version is None else version
    if goal.status == status:
        return goal
    with transaction.atomic():
        version_claim(goal, expected=expected)
        goal.status = status
        goal.save(update_fields=["status", "updated_at"])
        person_touch(goal.person)
    return goal
