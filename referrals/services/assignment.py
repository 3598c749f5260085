"""Which team and which named link worker a person's case belongs to. Used by every route of
referral and by the imports, so that the rule lives in one place.

The rule (a named, continuing link worker; no queue dealing people to whoever is free; see
docs/architecture.md): the team is the one serving the person's registered practice, or the
team named by ``DEFAULT_TEAM_CODE`` for people without one (the longest-standing team if that
is unset). The link worker is the person's existing link worker while they are still an active
member of that team; otherwise the practice's named link worker; otherwise the team's
longest-standing active link worker (lowest id), so the choice is stable and never depends on
who is least busy.
"""

from __future__ import annotations

from django.conf import settings

from socialrx.models import Practice, Role, Team, User

from ..models import Person


def team_for_practice(*, practice: Practice | None) -> Team | None:
    if practice is not None and practice.team_id:
        return practice.team
    if settings.DEFAULT_TEAM_CODE:
        team = Team.objects.filter(code=settings.DEFAULT_TEAM_CODE).first()
        if team is not None:
            return team
    # Never leave a person with no team (no link worker could see them): without a usable
    # setting, the longest-standing team takes them; the system check warns about it.
    return Team.objects.order_by("id").first()


def link_worker_for(*, person: Person, team: Team | None) -> User | None:
    if team is None:
        return None
    current = person.link_worker
    if current is not None and current.is_active and current.team_id == team.pk:
        return current
    practice = person.practice
    named = practice.named_link_worker if practice is not None else None
    if named is not None and named.is_active and named.team_id == team.pk:
        return named
    return (
        User.objects.filter(team=team, role=Role.LINK_WORKER, is_active=True).order_by("id").first()
    )
