"""The page a group's keeper reaches from the emailed one-click answers. No sign-in: the signed
link is the key. GET shows the choice and changes nothing (mail scanners open links); POST
records it. The page shows only the person's first name, the group, and the link worker's name
and contact."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..models import GroupAnswerChoice
from ..services.group_answers import (
    GroupAnswerLinkInvalid,
    group_answer_record,
    group_answer_target,
)

TEMPLATE = "referrals/group_answer.html"


@require_http_methods(["GET", "POST"])
def group_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        connection, _keeper = group_answer_target(token=token)
    except signing.SignatureExpired:
        return render(request, TEMPLATE, {"state": "expired"}, status=410)
    except GroupAnswerLinkInvalid:
        return render(request, TEMPLATE, {"state": "invalid"}, status=400)
    source = request.POST if request.method == "POST" else request.GET
    answer = source.get("answer", "")
    context = {
        "first_name": connection.person.given_name,
        "group_name": connection.asset.name,
        "worker": connection.made_by,
        "choices": GroupAnswerChoice.choices,
        "answer": answer if answer in GroupAnswerChoice.values else "",
    }
    if request.method == "POST":
        if answer not in GroupAnswerChoice.values:
            return render(
                request,
                TEMPLATE,
                {**context, "state": "ask", "error": "Choose what happened"},
                status=400,
            )
        try:
            row = group_answer_record(token=token, answer=answer, by=None)
        except signing.SignatureExpired:
            return render(request, TEMPLATE, {"state": "expired"}, status=410)
        except GroupAnswerLinkInvalid:
            return render(request, TEMPLATE, {"state": "invalid"}, status=400)
        return render(
            request, TEMPLATE, {**context, "state": "done", "label": row.get_answer_display()}
        )
    return render(request, TEMPLATE, {**context, "state": "ask"})
