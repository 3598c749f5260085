"""Messages to people: sending one from the person's page (choose, preview, send), and a
team's own wording of each message.

Sending: link workers of the person's team and administrators (``person_for_page``). A
team's wording: that team's link workers and administrators. Everyone else: not found."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from socialrx.access import role_required
from socialrx.concurrency import EditConflict
from socialrx.http import SignedInRequest, form_add_service_errors
from socialrx.models import Role, Team

from ..forms.messages import MessageComposeForm, MessageTemplateForm
from ..messaging import (
    KIND_PLACEHOLDERS,
    PLACEHOLDERS,
    default_wording,
    fill,
    sms_length,
    wording_errors,
)
from ..models import MessageChannel, MessageKind, MessageStatus, MessageTemplate
from ..selectors.casework import person_for_page
from ..selectors.messages import (
    appointments_to_remind,
    channel_checks,
    channel_preferred,
    sample_values,
    team_for_templates,
    team_templates,
)
from ..services.messages import (
    message_preview,
    message_send,
    message_template_reset,
    message_template_save,
)

casework_view = role_required(Role.LINK_WORKER)
T = "referrals/messages/"
SENT_MESSAGES = {
    MessageStatus.QUEUED: "Message recorded: it is being sent.",
    MessageStatus.SENT: "Message sent.",
}


@casework_view
@require_http_methods(["GET", "POST"])
def message_compose(request: SignedInRequest, pk: int) -> HttpResponse:
    """GET: the form, with the kind (and appointment) the person's page linked with. POST
    "Preview": the message as it would go. POST "Send": record it and send it."""
    person = person_for_page(user=request.user, pk=pk)
    checks = channel_checks(person=person)
    appointments = appointments_to_remind(person=person)
    if request.method == "POST":
        form = MessageComposeForm(request.POST, checks=checks, appointments=appointments)
    else:
        initial: dict[str, Any] = {
            "channel": channel_preferred(person=person, checks=checks).channel
        }
        if request.GET.get("kind") in MessageKind.values:
            initial["kind"] = request.GET["kind"]
        if request.GET.get("appointment", "").isdigit():
            initial["appointment"] = int(request.GET["appointment"])
        form = MessageComposeForm(initial=initial, checks=checks, appointments=appointments)
    preview: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            appointment = (
                data["appointment"] if data["kind"] == MessageKind.APPOINTMENT_REMINDER else None
            )
            try:
                if request.POST.get("action") == "send":
                    message = message_send(
                        person=person,
                        kind=data["kind"],
                        channel=data["channel"],
                        appointment=appointment,
                        by=request.user,
                    )
                else:
                    subject, body = message_preview(
                        person=person,
                        kind=data["kind"],
                        channel=data["channel"],
                        appointment=appointment,
                    )
                    preview = {
                        "subject": subject,
                        "body": body,
                        "to": checks[data["channel"]].address,
                        "channel": MessageChannel(data["channel"]).label,
                        "sms": sms_length(body) if data["channel"] == MessageChannel.SMS else None,
                    }
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                if preview is None:
                    url = reverse("referrals:person", kwargs={"pk": person.pk}) + "#messages"
                    # Without a broker the message has been sent by now: say how it went.
                    message.refresh_from_db(fields=["status", "reason"])
                    if message.status in (MessageStatus.REFUSED, MessageStatus.FAILED):
                        messages.error(request, f"Not sent: {message.reason}.")
                    else:
                        messages.success(request, SENT_MESSAGES[MessageStatus(message.status)])
                    return redirect(url)
        if form.errors:
            status = 400
    return render(
        request,
        f"{T}compose.html",
        {
            "person": person,
            "form": form,
            "checks": checks.values(),
            "any_channel": any(c.ok for c in checks.values()),
            "preview": preview,
        },
        status=status,
    )


# --- a team's wording ------------------------------------------------------------------------


@casework_view
@require_GET
def message_templates(request: SignedInRequest) -> HttpResponse:
    """A link worker goes to their team's wording; an administrator chooses a team."""
    if not request.user.is_admin:
        if request.user.team_id is None:
            raise Http404("No team")
        return redirect("referrals:message_template_list", team_id=request.user.team_id)
    return render(request, f"{T}teams.html", {"teams": Team.objects.order_by("name")})


def _rows(team: Team) -> list[dict[str, Any]]:
    own = team_templates(team=team)
    return [
        {
            "kind": kind,
            "kind_label": kind_label,
            "channel": channel,
            "channel_label": channel_label,
            "template": own.get((kind, channel)),
        }
        for kind, kind_label in MessageKind.choices
        for channel, channel_label in MessageChannel.choices
    ]


@casework_view
@require_GET
def message_template_list(request: SignedInRequest, team_id: int) -> HttpResponse:
    team = team_for_templates(user=request.user, team_id=team_id)
    return render(request, f"{T}templates.html", {"team": team, "rows": _rows(team)})


def _values(template: MessageTemplate | None, kind: str, channel: str) -> dict[str, str]:
    if template is None:
        wording = default_wording(kind, channel)
        return {"subject": wording.subject, "body": wording.body}
    return {"subject": template.subject, "body": template.body}


@casework_view
@require_http_methods(["GET", "POST"])
def message_template_edit(
    request: SignedInRequest, team_id: int, kind: str, channel: str
) -> HttpResponse:
    """The team's wording of one message on one channel: preview (filled in with made-up
    values), save, or go back to the default."""
    team = team_for_templates(user=request.user, team_id=team_id)
    if kind not in MessageKind.values or channel not in MessageChannel.values:
        raise Http404("No such message")
    template = MessageTemplate.objects.filter(team=team, kind=kind, channel=channel).first()
    list_url = reverse("referrals:message_template_list", kwargs={"team_id": team.pk})
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "reset":
        if message_template_reset(team=team, kind=kind, channel=channel):
            messages.success(request, "The default wording is used again.")
        else:
            messages.info(request, "The default wording was already in use.")
        return redirect(list_url)
    form = MessageTemplateForm(request.POST or None, channel=channel)
    if request.method == "GET":
        values = _values(template, kind, channel)
        form.initial.update(values)
        form.load(version=template.version if template else 0, values=values)
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            subject = data.get("subject", "")
            if action == "save":
                try:
                    message_template_save(
                        team=team,
                        kind=kind,
                        channel=channel,
                        subject=subject,
                        body=data["body"],
                        version=data["version"],
                        by=request.user,
                    )
                except EditConflict:
                    current = MessageTemplate.objects.filter(
                        team=team, kind=kind, channel=channel
                    ).first()
                    form.show_conflict(
                        version=current.version if current else 0,
                        values=_values(current, kind, channel),
                    )
                    status = 409
                except ValidationError as exc:
                    form_add_service_errors(form, exc)
                else:
                    messages.success(request, "Wording saved.")
                    return redirect(list_url)
            if not form.errors:
                errors = wording_errors(
                    kind=kind, channel=channel, subject=subject, body=data["body"]
                )
                for field, error in errors.items():
                    form.add_error(field if field in form.fields else None, error)
            if not form.errors:
                sample = sample_values(user=request.user)
                body = fill(data["body"], sample)
                preview = {
                    "subject": fill(subject, sample),
                    "body": body,
                    "sms": sms_length(body) if channel == MessageChannel.SMS else None,
                }
        if form.errors and status == 200:
            status = 400
    return render(
        request,
        f"{T}template_edit.html",
        {
            "team": team,
            "kind_label": MessageKind(kind).label,
            "channel_label": MessageChannel(channel).label,
            "is_sms": channel == MessageChannel.SMS,
            "template": template,
            "form": form,
            "preview": preview,
            "placeholders": [(name, PLACEHOLDERS[name]) for name in KIND_PLACEHOLDERS[kind]],
            "list_url": list_url,
        },
        status=status,
    )
