"""Erasure removes the person and everything that names them, everywhere, and leaves a record
of the erasure that names no one."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from outcomes.models import MetricSnapshot
from privacy.models import ErasureReason, ErasureRecord, MergeRecord, MergeState
from privacy.services.erasure import person_erase
from privacy.services.merge import person_merge
from privacy.services.records import person_owned_models, person_rows
from referrals.models import ClosedRouteEnquiry, Person, Referral
from socialrx.models import AuditLog, User
from tests.privacy.factories import SENDER_IDENTIFIER
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _rows_mentioning(text: str) -> list[str]:
    """Every row of every model whose text (char, text or JSON fields) contains ``text``."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                hits = model._default_manager.filter(**{f"{field.name}__icontains": text})
            elif isinstance(field, models.JSONField):
                hits = model._default_manager.annotate(
                    _as_text=Cast(field.name, models.TextField())
                ).filter(_as_text__icontains=text)
            else:
                continue
            if hits.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def _erase(person, admin_user, **kwargs):
    return person_erase(
        person=person,
        by=admin_user,
        reason_category=kwargs.pop("reason_category", ErasureReason.SUBJECT_REQUEST),
        reason=kwargs.pop("reason", "Request received by email, identity checked"),
    )


def test_every_table_that_can_hold_a_person_has_a_row_in_the_test_record(record):
    """Found from the model graph (every foreign key to Person, and to their rows, hidden
    relations included): a new table fails here until the test record gains a row in it, so the
    erasure test below cannot miss it."""
    found = person_rows(person=record.person)
    owned = person_owned_models()
    assert owned, "the graph walk found no tables"
    missing = [m._meta.label for m in owned if not found.rows.get(m)]
    assert missing == []


def test_erasure_leaves_no_row_anywhere_holding_the_name_or_nhs_number(record, admin_user):
    person_id = record.person.pk
    assert _rows_mentioning("Quennell"), "the test record should be findable before erasure"
    owned = person_owned_models()
    before = {m: set(ids) for m, ids in person_rows(person=record.person).items()}

    _erase(record.person, admin_user)

    for name in record.names:
        assert _rows_mentioning(name) == [], name
    # The practice's identifier of the referral goes with the referral.
    assert _rows_mentioning(SENDER_IDENTIFIER) == []
    assert not Person.objects.filter(pk=person_id).exists()
    for model in owned:
        assert not model._default_manager.filter(pk__in=before.get(model, set())).exists(), model
    # Person's own foreign keys (directly) point at nothing now.
    for model in owned:
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Person:
                assert not model._default_manager.filter(**{field.attname: person_id}).exists()


def test_erasure_keeps_a_record_without_personal_data_and_clears_audit_values(record, admin_user):
    person_id = record.person.pk
    other = PersonFactory(given_name="Una", family_name="Affected")
    ReferralFactory(person=other)
    snapshot = MetricSnapshot.objects.create(
        metric="demand",
        start=timezone.localdate(),
        end=timezone.localdate(),
        level="all",
        dimension="all",
        group="all",
        values={"count": 12},
        computed_at=timezone.now(),
    )
    audit_before = AuditLog.objects.filter(person_id=person_id).count()
    last_entry = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    erasure = _erase(record.person, admin_user)

    erasure.refresh_from_db()
    assert erasure.reference.startswith("ER-")
    assert erasure.erased_by == admin_user
    assert erasure.erased_by_username == admin_user.username
    assert erasure.reason_category == ErasureReason.SUBJECT_REQUEST
    assert erasure.row_counts["referrals.person"] == 1
    assert erasure.row_counts["referrals.referral"] == 1
    assert erasure.row_counts["champions.champion"] == 1
    assert erasure.row_counts["referrals.closedrouteenquiry"] == 1
    # The audit trail keeps each entry, without values, and gains the erasure and one
    # delete entry per row removed (saying what went, not what it held).
    kept = AuditLog.objects.filter(person_id=person_id)
    deletes = kept.filter(action=AuditLog.Action.DELETE, pk__gt=last_entry)
    assert deletes.filter(object_type="referrals.person").count() == 1
    assert kept.count() == audit_before + 1 + deletes.count()
    assert not kept.filter(changes__isnull=False).exists()
    erase_entry = kept.get(action=AuditLog.Action.ERASE)
    assert erase_entry.object_id == str(erasure.pk)
    assert erasure.reference in erase_entry.detail
    # The admin history keeps the entry, not the name.
    assert LogEntry.objects.get(object_id=str(person_id)).object_repr == "[erased]"
    # The volunteer account stays (its hours are aggregates) but names no one and cannot sign in.
    account = User.objects.get(username__startswith="erased-")
    assert not account.is_active and not account.has_usable_password()
    assert (account.first_name, account.last_name, account.email) == ("", "", "")
    # Aggregates and other people are untouched.
    assert MetricSnapshot.objects.filter(pk=snapshot.pk).exists()
    assert Referral.objects.filter(person=other).count() == 1


@pytest.mark.parametrize(
    ("category", "reason", "field"),
    [
        ("subject_request", "", "reason"),
        ("nonsense", "Asked by letter", "reason_category"),
        ("subject_request", "Zebedee asked by letter", "reason"),
        ("other", "Mr quennell phoned", "reason"),
        ("subject_request", "NHS 943 476 5919 asked", "reason"),
        ("subject_request", "Letter from zebedee.quennell@example.org", "reason"),
        ("subject_request", "Born 04/03/1958, asked by letter", "reason"),
        ("subject_request", "Phoned from 07700900123", "reason"),
    ],
)
def test_erasure_refuses_bad_input_and_changes_nothing(record, admin_user, category, reason, field):
    counts = {m: m._default_manager.count() for m in apps.get_models()}
    with pytest.raises(ValidationError) as exc:
        _erase(record.person, admin_user, reason_category=category, reason=reason)
    assert field in exc.value.message_dict
    assert {m: m._default_manager.count() for m in apps.get_models()} == counts
    assert AuditLog.objects.filter(changes__isnull=False).exists()


def test_a_record_in_a_pending_merge_is_not_erased(record, admin_user):
    duplicate = PersonFactory()
    person_merge(kept=record.person, duplicate=duplicate, by=admin_user)
    with pytest.raises(ValidationError):
        _erase(duplicate, admin_user)
    assert Person.objects.filter(pk=duplicate.pk).exists()
    assert ErasureRecord.objects.count() == 0


def test_erasing_the_kept_record_of_a_merge_removes_the_merge_record(record, admin_user):
    assert MergeRecord.objects.filter(kept=record.person, state=MergeState.UNDONE).exists()
    _erase(record.person, admin_user)
    assert MergeRecord.objects.count() == 0
    assert ClosedRouteEnquiry.objects.count() == 0


def test_erasure_on_postgresql_passes_the_append_only_audit_trigger(
    postgres_required, record, admin_user
):
    """The trigger lets erasure clear ``changes`` and nothing else; entries without values are
    left alone (an update from NULL to NULL would be refused)."""
    person_id = record.person.pk
    AuditLog.objects.create(
        action=AuditLog.Action.VIEW,
        object_type="referrals.person",
        object_id=str(person_id),
        person_id=person_id,
    )
    _erase(record.person, admin_user)
    assert not AuditLog.objects.filter(person_id=person_id, changes__isnull=False).exists()
    assert AuditLog.objects.filter(person_id=person_id, action=AuditLog.Action.VIEW).exists()
