"""Look-ups that importers share, each answered once per file or once per batch rather than
once per row."""

from __future__ import annotations

from typing import Any

from referrals.models import Person
from referrals.services.assignment import link_worker_for, team_for_practice
from socialrx.models import Practice, Team, User

from .importer import Importer, Row


class PracticeCodes:
    """ODS code -> practice id for every practice (a deployment has hundreds, not millions)."""

    def __init__(self) -> None:
        self.ids = dict(Practice.objects.values_list("ods_code", "id"))

    def check(self, importer: Importer, row: Row, column: str = "ods_code") -> int | None:
        code = row.values[column]
        practice_id = self.ids.get(code)
        if practice_id is None:
            importer.missing_ref(row, column, code, "practice", "practices.csv")
        return practice_id


class Assignment:
    """Team and named link worker through ``referrals.services.assignment``, remembered per
    practice and current link worker: the answer depends on nothing else, and asking once per
    person would be a query per row."""

    def __init__(self) -> None:
        self._teams: dict[int | None, Team | None] = {}
        self._workers: dict[tuple[Any, ...], User | None] = {}

    def team(self, practice: Practice | None) -> Team | None:
        key = practice.pk if practice is not None else None
        if key not in self._teams:
            self._teams[key] = team_for_practice(practice=practice)
        return self._teams[key]

    def link_worker(self, person: Person, team: Team | None) -> User | None:
        key = (team.pk if team else None, person.link_worker_id, person.practice_id)
        if key not in self._workers:
            self._workers[key] = link_worker_for(person=person, team=team)
        return self._workers[key]


def people_by_ref(refs: set[str], *, related: tuple[str, ...] = ()) -> dict[str, Person]:
    qs = Person.objects.filter(person_ref__in=refs)
    if related:
        qs = qs.select_related(*related)
    return {p.person_ref: p for p in qs if p.person_ref}


def person_id_of(obj: Any) -> int | None:
    """The person a case record belongs to, for its audit entry."""
    return obj.person_id
