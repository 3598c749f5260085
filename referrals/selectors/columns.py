"""What a page reads of the rows it joins. Django compiles every joined column into the query
on each request and reads each into a model: a page that shows a group's name needs one of its
forty-odd columns (docs/performance.md, "Page server time")."""

from __future__ import annotations

from django.db.models import Model


def unshown(relation: str, model: type[Model], shown: tuple[str, ...]) -> list[str]:
    """For ``QuerySet.defer``: the columns of the ``model`` row joined through ``relation`` that
    are not in ``shown`` (its key is always read). A deferred column is still read if used, in a
    query of its own: the pages' query-count tests would show it."""
    return [
        f"{relation}__{field.attname}"
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in shown
    ]
