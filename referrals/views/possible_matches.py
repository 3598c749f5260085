"""The link worker settles a possible match on a referral: the same person (the referral moves
to their record, with the typed details the link worker chooses) or someone else (the
referral's own record stands). Link workers of the referral's team and administrators only;
anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from socialrx.access import role_required
from socialrx.audit import audit_record
from socialrx.http import SignedInRequest, form_add_service_errors
from socialrx.models import AuditLog, Role

from ..forms.casework import CONFIRM_MATCH, PossibleMatchForm
from ..selectors.casework import person_in_case_scope, referral_possible_match_for
from ..services.possible_matches import (
    COPYABLE_DETAILS,
    possible_match_confirm,
    possible_match_reject,
)


@role_required(Role.LINK_WORKER)
@require_http_methods(["GET", "POST"])
def possible_match(request: SignedInRequest, pk: int) -> HttpResponse:
    referral = referral_possible_match_for(user=request.user, pk=pk)
    match = referral.possible_match
    if match is None:  # the selector only finds referrals with one
        raise Http404("Not found")
    copyable = [
        (name, label)
        for name, label in COPYABLE_DETAILS.items()
        if getattr(referral, f"entered_{name}")
    ]
    form = PossibleMatchForm(request.POST or None, copyable=copyable)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == CONFIRM_MATCH:
                person = possible_match_confirm(
                    referral=referral, by=request.user, copy=form.cleaned_data["copy"]
                )
                message = f"Referral {referral.pk} is now on the matched person's record."
            else:
                person = possible_match_reject(referral=referral, by=request.user)
                message = f"Referral {referral.pk} stays on its own record: a different person."
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, message)
            if person_in_case_scope(user=request.user, person_id=person.pk):
                return redirect("referrals:person", pk=person.pk)
            return redirect("referrals:caseload")
    match_in_scope = person_in_case_scope(user=request.user, person_id=match.pk)
    audit_record(
        user=request.user,
        action=AuditLog.Action.VIEW,
        obj=referral,
        person_id=match.pk,
        detail="possible match",
    )
    return render(
        request,
        "referrals/casework/possible_match.html",
        {
            "referral": referral,
            "person": referral.person,
            "match": match,
            "match_area": (match.postcode or "").split(" ")[0],
            "match_in_scope": match_in_scope,
            "form": form,
        },
    )
