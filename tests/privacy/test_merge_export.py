"""Merging keeps both histories and can be undone exactly until confirmed; the subject access
export holds every section and is audited."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from champions.models import Champion
from privacy.models import MergeRecord, MergeState
from privacy.services.export import subject_access_export
from privacy.services.merge import merge_confirm, merge_undo, person_merge
from privacy.services.records import person_owned_models
from referrals.models import Person, Referral
from socialrx.models import AuditLog
from tests.privacy.factories import SENDER_IDENTIFIER
from tests.referrals.factories import (
    ConversationFactory,
    GoalFactory,
    PersonFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db


def _owners() -> dict[tuple[str, int, str], int | None]:
    """Every (table, row, foreign key to Person) and the person it points at; the merge
    records themselves left out."""
    out = {}
    for model in [*person_owned_models(), Person]:
        if model is MergeRecord:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Person:
                for pk, value in model._default_manager.values_list("pk", field.attname):
                    out[(model._meta.label_lower, pk, field.name)] = value
    return out


@pytest.fixture
def pair(record):
    duplicate = PersonFactory(given_name="Zeb", family_name="Quennell")
    ReferralFactory(person=duplicate)
    ConversationFactory(person=duplicate)
    GoalFactory(person=duplicate)
    return record.person, duplicate


def test_merge_moves_every_row_and_undo_restores_each_to_its_person(pair, admin_user):
    kept, duplicate = pair
    before = _owners()

    merge = person_merge(kept=kept, duplicate=duplicate, by=admin_user)

    assert merge.state == MergeState.PENDING
    assert merge.rows_moved == 3
    assert not Referral.objects.filter(person=duplicate).exists()
    assert Referral.objects.filter(person=kept).count() == 2
    assert AuditLog.objects.filter(action=AuditLog.Action.MERGE, person_id=duplicate.pk).exists()

    merge_undo(record=merge, by=admin_user)

    assert _owners() == before
    merge.refresh_from_db()
    assert merge.state == MergeState.UNDONE
    assert (
        AuditLog.objects.filter(action=AuditLog.Action.MERGE, detail__contains="undone").count()
        == 2
    )


def test_rows_added_after_a_merge_stay_on_the_kept_record_when_undone(pair, admin_user):
    kept, duplicate = pair
    merge = person_merge(kept=kept, duplicate=duplicate, by=admin_user)
    later = ReferralFactory(person=kept)
    merge_undo(record=merge, by=admin_user)
    later.refresh_from_db()
    assert later.person_id == kept.pk


def test_confirm_removes_the_duplicate_and_keeps_its_history(pair, admin_user, link_worker):
    kept, duplicate = pair
    AuditLog.objects.create(
        user=link_worker,
        action=AuditLog.Action.VIEW,
        object_type="referrals.person",
        object_id=str(duplicate.pk),
        person_id=duplicate.pk,
    )
    merge = person_merge(kept=kept, duplicate=duplicate, by=admin_user)
    merge_confirm(record=merge, by=admin_user)

    merge.refresh_from_db()
    assert merge.state == MergeState.CONFIRMED
    assert merge.duplicate is None and merge.duplicate_person_id == duplicate.pk
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert Referral.objects.filter(person=kept).count() == 2
    # The kept record's export carries the duplicate's audit entries too.
    export = subject_access_export(person=kept, by=admin_user, fmt="json").as_json()
    (audit,) = [s for s in export["sections"] if s["key"] == "socialrx.auditlog"]
    assert any(row["Record"] == f"referrals.person {duplicate.pk}" for row in audit["rows"])
    with pytest.raises(ValidationError):
        merge_undo(record=merge, by=admin_user)


def test_merge_refuses_what_cannot_be_merged_and_changes_nothing(pair, admin_user):
    kept, duplicate = pair
    counts = {m: m._default_manager.count() for m in apps.get_models()}
    owners = _owners()
    with pytest.raises(ValidationError):
        person_merge(kept=kept, duplicate=kept, by=admin_user)
    assert _owners() == owners
    # Both have a volunteer record: only one can be kept.
    Champion.objects.create(person=duplicate, given_name="Zeb", role="health_champion")
    counts = {m: m._default_manager.count() for m in apps.get_models()}
    owners = _owners()
    with pytest.raises(ValidationError, match="Both records have a champion"):
        person_merge(kept=kept, duplicate=duplicate, by=admin_user)
    assert {m: m._default_manager.count() for m in apps.get_models()} == counts
    assert _owners() == owners


def test_a_record_in_a_pending_merge_is_not_merged_again(pair, admin_user):
    kept, duplicate = pair
    person_merge(kept=kept, duplicate=duplicate, by=admin_user)
    third = PersonFactory()
    with pytest.raises(ValidationError, match="pending"):
        person_merge(kept=third, duplicate=kept, by=admin_user)
    assert MergeRecord.objects.filter(state=MergeState.PENDING).count() == 1


def test_export_holds_every_section_of_the_record_and_is_audited(record, admin_user):
    person = record.person
    export = subject_access_export(person=person, by=admin_user, fmt="json").as_json()

    keys = {s["key"] for s in export["sections"]}
    for model in person_owned_models():
        assert model._meta.label_lower in keys
    assert {"referrals.closedrouteenquiry", "socialrx.auditlog"} <= keys
    assert export["person"]["Given name"] == "Zebedee"
    assert "Patient key" not in export["person"]
    (invitations,) = [s for s in export["sections"] if s["key"] == "champions.volunteerinvitation"]
    assert "Token" not in invitations["rows"][0]
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.person_id == person.pk and "json" in entry.detail
    # The referring practice's identifier of each referral is part of the referral's row.
    (referrals,) = [s for s in export["sections"] if s["key"] == "referrals.referral"]
    assert SENDER_IDENTIFIER in {r.get("Sender identifier value") for r in referrals["rows"]}


def test_erasing_a_merged_record_clears_the_duplicates_audit_values_too(pair, admin_user):
    from privacy.services.erasure import person_erase

    kept, duplicate = pair
    AuditLog.objects.create(
        action=AuditLog.Action.UPDATE,
        object_type="referrals.person",
        object_id=str(duplicate.pk),
        person_id=duplicate.pk,
        changes={"family_name": ["Q", "Quennell"]},
    )
    merge_confirm(record=person_merge(kept=kept, duplicate=duplicate, by=admin_user), by=admin_user)
    person_erase(person=kept, by=admin_user, reason_category="subject_request", reason="By letter")
    assert not AuditLog.objects.filter(person_id=duplicate.pk, changes__isnull=False).exists()
    assert AuditLog.objects.filter(person_id=duplicate.pk).exists()
    assert not MergeRecord.objects.exists()
