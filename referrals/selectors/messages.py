"""Messages to people, read: whether each channel can reach the person (and why not), the
wording a team uses, the values its placeholders take, and the messages sent."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from socialrx.models import Role, Team

from ..messaging import Wording, default_wording
from ..models import (
    Appointment,
    AppointmentMode,
    ConnectionOutcome,
    ConsentPurpose,
    GoalStatus,
    Message,
    MessageChannel,
    MessageTemplate,
    Person,
)
from .consent import consent_current

_CHANNEL_PURPOSE: dict[str, str] = {
    MessageChannel.SMS: ConsentPurpose.SMS,
    MessageChannel.EMAIL: ConsentPurpose.EMAIL,
    MessageChannel.LETTER: ConsentPurpose.LETTER,
}
_CHANNEL_WORDS: dict[str, str] = {
    MessageChannel.SMS: "text messages",
    MessageChannel.EMAIL: "emails",
    MessageChannel.LETTER: "letters",
}
NO_CONTACT = "They have not agreed to be contacted by a link worker"
CONTACT_NOT_ASKED = "They have not been asked whether a link worker may contact them"


@dataclass(frozen=True)
class ChannelCheck:
    """Whether a message can go to the person by ``channel``: ``address`` is where it would
    go; otherwise ``reason`` says why not, and ``no_consent`` whether the reason is consent
    (rather than a missing number or address)."""

    channel: str
    address: str
    reason: str = ""
    no_consent: bool = False

    @property
    def ok(self) -> bool:
        return not self.reason

    @property
    def label(self) -> str:
        return MessageChannel(self.channel).label


def _mobile(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits if len(digits) == 11 and digits.startswith("07") else ""


def letter_address(person: Person) -> str:
    """Name, address lines and postcode, one a line, as a letter is addressed; empty without
    an address or a postcode. At most 7 lines (GOV.UK Notify's limit): extra lines are
    joined onto the last address line."""
    lines = [line.strip() for line in (person.address or "").splitlines() if line.strip()]
    if not lines or not person.postcode:
        return ""
    if len(lines) > 5:
        lines = [*lines[:4], ", ".join(lines[4:])]
    return "\n".join([person.full_name, *lines, person.postcode.upper()])


def channel_checks(
    *, person: Person, consents: dict[str, Any] | None = None
) -> dict[str, ChannelCheck]:
    """Each channel, in order (text, email, letter), checked against the person's consent
    (to contact, and to that channel: not asked is not given) and their details."""
    if consents is None:
        consents = consent_current(person=person)
    contact = consents.get(ConsentPurpose.CONTACT)
    checks: dict[str, ChannelCheck] = {}
    for channel in MessageChannel.values:
        addresses: dict[str, str] = {
            MessageChannel.SMS: _mobile(person.phone),
            MessageChannel.EMAIL: person.email,
            MessageChannel.LETTER: letter_address(person),
        }
        address = addresses[channel]
        words = _CHANNEL_WORDS[channel]
        answer = consents.get(_CHANNEL_PURPOSE[channel])
        reason, no_consent = "", True
        if contact is None:
            reason = CONTACT_NOT_ASKED
        elif not contact.given:
            reason = NO_CONTACT
        elif answer is None:
            reason = f"They have not been asked whether they agree to {words}"
        elif not answer.given:
            reason = f"They have not agreed to {words}"
        else:
            no_consent = False
            if not address:
                missing: dict[str, str] = {
                    MessageChannel.SMS: "No mobile number is recorded",
                    MessageChannel.EMAIL: "No email address is recorded",
                    MessageChannel.LETTER: "No postal address with a postcode is recorded",
                }
                reason = missing[channel]
        checks[channel] = ChannelCheck(
            channel=channel,
            address=address if not reason else "",
            reason=reason,
            no_consent=bool(reason) and no_consent,
        )
    return checks


def channel_preferred(*, person: Person, checks: dict[str, ChannelCheck]) -> ChannelCheck:
    """The channel an automatic message goes by: the person's preferred way to be contacted
    when it is a message channel that can reach them, else the first that can (text, email,
    letter); when none can, the preferred one (or text), to record why not."""
    preferred = person.preferred_channel if person.preferred_channel in checks else ""
    if preferred and checks[preferred].ok:
        return checks[preferred]
    usable = [check for check in checks.values() if check.ok]
    if usable:
        return usable[0]
    return checks[preferred or MessageChannel.SMS]


# --- wording and its values ------------------------------------------------------------------


def template_wording(*, team_id: int | None, kind: str, channel: str) -> Wording:
    """The team's own wording of ``kind`` on ``channel``, else the default."""
    row = (
        MessageTemplate.objects.filter(team_id=team_id, kind=kind, channel=channel).first()
        if team_id
        else None
    )
    if row is None:
        return default_wording(kind, channel)
    return Wording(subject=row.subject, body=row.body, custom=True)


def team_templates(*, team: Team) -> dict[tuple[str, str], MessageTemplate]:
    return {(t.kind, t.channel): t for t in team.message_templates.select_related("updated_by")}


def team_phone(*, person: Person) -> str:
    team = person.team
    return (team.phone if team else "") or settings.SERVICE_PHONE


def plan_text(*, person: Person) -> str:
    """The goals still being worked on (or done) and the groups agreed, one a line."""
    goals = [
        g.description
        for g in person.goals.exclude(status=GoalStatus.CHANGED_MIND).order_by("created_at", "id")
    ]
    groups = list(
        person.connections.exclude(outcome=ConnectionOutcome.DID_NOT_ATTEND)
        .order_by("made_on", "id")
        .values_list("asset__name", flat=True)
        .distinct()
    )
    lines = []
    if goals:
        lines.append("Your goals:")
        lines += [f"- {goal}" for goal in goals]
    if groups:
        lines.append("Groups and activities:")
        lines += [f"- {name}" for name in groups]
    return "\n".join(lines)


def _place(appointment: Appointment) -> str:
    if appointment.mode == AppointmentMode.PHONE:
        return "by phone (we will call you)"
    if appointment.mode == AppointmentMode.VIDEO:
        return "by video call"
    return f"at {appointment.place}" if appointment.place else "in person"


def appointment_values(appointment: Appointment) -> dict[str, str]:
    starts = timezone.localtime(appointment.starts_at)
    return {
        "appointment_date": f"{starts:%A} {starts.day} {starts:%B}",
        "appointment_time": f"{starts:%H:%M}",
        "appointment_place": _place(appointment),
    }


def _name(user: Any) -> str:
    if user is None:
        return "your link worker"
    return user.get_full_name() or user.username


def placeholder_values(
    *, person: Person, appointment: Appointment | None = None, with_plan: bool = False
) -> dict[str, str]:
    values = {
        "first_name": person.given_name,
        "link_worker": _name(
            appointment.link_worker
            if appointment and appointment.link_worker
            else person.link_worker
        ),
        "team_phone": team_phone(person=person),
    }
    if appointment is not None:
        values.update(appointment_values(appointment))
    if with_plan:
        values["plan"] = plan_text(person=person)
    return values


def sample_values(*, user: Any) -> dict[str, str]:
    """What a preview of a team's wording is filled with: nobody's record."""
    return {
        "first_name": "Sam",
        "link_worker": _name(user),
        "team_phone": "0161 496 0000",
        "appointment_date": "Tuesday 8 December",
        "appointment_time": "10:30",
        "appointment_place": "at Riverside Community Centre",
        "plan": "Your goals:\n- Get out of the house twice a week\nGroups and activities:\n"
        "- Canal walking group",
    }


# --- the messages ----------------------------------------------------------------------------


def messages_for_person(*, person: Person) -> QuerySet[Message]:
    """The messages on the person's page, newest first, with who sent them."""
    return person.messages.select_related("sent_by").order_by("-created_at", "-id")


def appointments_to_remind(*, person: Person, now: dt.datetime | None = None) -> list[Appointment]:
    return list(
        person.appointments.filter(starts_at__gt=now or timezone.now()).select_related(
            "link_worker"
        )
    )


def team_for_templates(*, user: Any, team_id: int) -> Team:
    """The team whose wording ``user`` may change: their own team's link workers, and
    administrators for every team. Anyone else: not found."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team")
    if getattr(user, "is_admin", False):
        return team
    if getattr(user, "role", None) == Role.LINK_WORKER and user.team_id == team.pk:
        return team
    raise Http404("No such team")
