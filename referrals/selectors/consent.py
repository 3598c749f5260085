"""A person's consent, read: the current answer per purpose (the latest row) and the history.
Every rule that depends on consent asks here, so "current" means the same thing everywhere."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from ..models import Consent, ConsentPurpose, Person


def consent_latest(purpose: str) -> Subquery:
    """The person's (``OuterRef("pk")``) current answer for ``purpose``: True, False, or None
    when never asked. For annotations and filters on people."""
    return Subquery(
        Consent.objects.filter(person=OuterRef("pk"), purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values("given")[:1]
    )


def consent_current(*, person: Person) -> dict[str, Consent | None]:
    """The latest row per purpose (None when the purpose was never asked), in purpose order."""
    current: dict[str, Consent | None] = dict.fromkeys(ConsentPurpose.values)
    for row in person.consents.select_related("recorded_by").order_by("recorded_at", "id"):
        current[row.purpose] = row
    return current


def consent_given(*, person: Person, purpose: str) -> bool:
    """True only when the latest answer for ``purpose`` is yes: not asked is not given."""
    latest = (
        Consent.objects.filter(person=person, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values_list("given", flat=True)
        .first()
    )
    return bool(latest)


def consent_history(*, person: Person) -> QuerySet[Consent]:
    """Every answer ever recorded, newest first, with who recorded it."""
    return person.consents.select_related("recorded_by").order_by("-recorded_at", "-id")


def people_declined_figures() -> QuerySet[Person]:
    """People whose current answer for de-identified figures is no. Not asked is not a
    refusal: they are counted (docs/metrics.md, "Consent")."""
    declined = Consent.objects.filter(
        person=OuterRef("pk"), purpose=ConsentPurpose.DEIDENTIFIED_FIGURES
    ).order_by("-recorded_at", "-id")
    return Person.objects.annotate(
        _figures=Subquery(declined.values("given")[:1]),
        _asked=Exists(declined),
    ).filter(_asked=True, _figures=False)
