"""Every row that belongs to one person, found from the model graph rather than a list: any
table with a foreign key to ``Person`` (directly, or to a row that belongs to them) is found,
so a table added later cannot be missed by the export or the erasure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

from privacy.models import MergeRecord, MergeState
from referrals.models import ClosedRouteEnquiry, Person
from socialrx.models import AuditLog


@dataclass(frozen=True)
class Relation:
    """A foreign key (or one-to-one) on ``model`` pointing at a row that belongs to the
    person."""

    model: type[models.Model]
    field: str
    one_to_one: bool


def person_relations(model: type[models.Model] = Person) -> list[Relation]:
    """Every foreign key pointing at ``model``, hidden ones (``related_name="+"``) included:
    ``_meta.related_objects`` leaves those out."""
    found = []
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        related_model = rel.related_model
        if related_model is None:
            continue
        found.append(
            Relation(
                model=related_model,  # type: ignore[arg-type]
                field=rel.field.name,  # type: ignore[union-attr]
                one_to_one=bool(rel.one_to_one),
            )
        )
    return found


def person_owned_models() -> list[type[models.Model]]:
    """Every model that can hold a row belonging to a person, found recursively from
    ``Person``, in the order they are reached."""
    seen: list[type[models.Model]] = []
    queue: list[type[models.Model]] = [Person]
    while queue:
        current = queue.pop(0)
        for relation in person_relations(current):
            if relation.model not in seen and relation.model is not Person:
                seen.append(relation.model)
                queue.append(relation.model)
    return seen


@dataclass
class PersonRows:
    """The ids of the rows belonging to a person, by model, in the order they were reached."""

    person: Person
    rows: dict[type[models.Model], set[int]] = field(default_factory=dict)

    def add(self, model: type[models.Model], ids: set[int]) -> set[int]:
        known = self.rows.setdefault(model, set())
        new = ids - known
        known.update(new)
        return new

    def items(self) -> Iterator[tuple[type[models.Model], set[int]]]:
        for model, ids in self.rows.items():
            if ids:
                yield model, ids

    def counts(self) -> dict[str, int]:
        return {model._meta.label_lower: len(ids) for model, ids in self.items()}


def person_rows(*, person: Person) -> PersonRows:
    """Walk outwards from ``person``: the rows pointing at them, the rows pointing at those,
    and so on, each row once."""
    found = PersonRows(person=person)
    frontier: list[tuple[type[models.Model], set[int]]] = [(Person, {person.pk})]
    while frontier:
        model, ids = frontier.pop(0)
        for relation in person_relations(model):
            if relation.model is Person:
                continue
            pks = set(
                relation.model._default_manager.filter(
                    **{f"{relation.field}__in": ids}
                ).values_list("pk", flat=True)
            )
            new = found.add(relation.model, pks)
            if new:
                frontier.append((relation.model, new))
    return found


def enquiries_for(*, person: Person) -> models.QuerySet[ClosedRouteEnquiry]:
    """Enquiries through a closed route hold what was typed, not a link to a record: they are
    theirs when the NHS number matches, or the name and date of birth do."""
    match = Q(pk__in=[])
    if person.nhs_number:
        match |= Q(data__nhs_number=person.nhs_number)
    if person.given_name and person.family_name and person.date_of_birth:
        match |= Q(
            data__given_name__iexact=person.given_name,
            data__family_name__iexact=person.family_name,
            data__date_of_birth=person.date_of_birth.isoformat(),
        )
    return ClosedRouteEnquiry.objects.filter(match)


def person_ids_in_history(*, person: Person) -> list[int]:
    """The person's id and the ids of records merged into theirs: audit entries keep the id
    they were written with."""
    merged = MergeRecord.objects.filter(kept=person).exclude(state=MergeState.UNDONE)
    return [person.pk, *merged.values_list("duplicate_person_id", flat=True)]


def audit_for(*, person: Person, user_ids: list[int] | None = None) -> models.QuerySet[AuditLog]:
    """Audit entries about the person's record (under any id it has had), and those written by
    their own volunteer account."""
    match = Q(person_id__in=person_ids_in_history(person=person))
    if user_ids:
        match |= Q(user_id__in=user_ids)
    return AuditLog.objects.filter(match).order_by("at", "id")
