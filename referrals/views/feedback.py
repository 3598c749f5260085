"""Feedback to the referrer: the form (prefilled from the case) and the letter it makes.
Reached from a person's record, so only by those who may open it (as the other casework
pages)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from socialrx.http import SignedInRequest, form_add_service_errors

from ..forms.casework import FeedbackForm
from ..selectors.casework import feedback_get_for, referral_for_case
from ..services.feedback import feedback_send, feedback_snomed_for, feedback_support_prefill
from .casework import T, casework_view


@casework_view
@require_http_methods(["GET", "POST"])
def feedback_create(request: SignedInRequest, pk: int) -> HttpResponse:
    referral = referral_for_case(user=request.user, pk=pk)
    form = FeedbackForm(
        request.POST or None,
        initial={
            "snomed_code": feedback_snomed_for(referral=referral),
            "support_offered": feedback_support_prefill(person=referral.person),
            "needs_and_concerns": referral.reason,
            "outcomes": referral.closure_outcome,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            feedback = feedback_send(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Feedback saved."
                + (
                    " The referrer has been emailed that it is ready."
                    if referral.referrer_email
                    else ""
                ),
            )
            return redirect("referrals:feedback_letter", pk=feedback.pk)
    return render(
        request,
        f"{T}feedback_form.html",
        {"referral": referral, "person": referral.person, "form": form},
    )


@casework_view
@require_GET
def feedback_letter(request: SignedInRequest, pk: int) -> HttpResponse:
    feedback = feedback_get_for(user=request.user, pk=pk)
    person = feedback.referral.person
    return render(
        request,
        f"{T}feedback_letter.html",
        {"feedback": feedback, "referral": feedback.referral, "person": person},
    )
