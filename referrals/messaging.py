"""The wording of messages to people: the default wording of each kind on each channel, the
placeholders a team's wording may use, filling them in, and how long a text message is.

Placeholders are written ((like_this)). Filling them in is a plain substitution of fixed names
with plain text: the wording is never run as a template, so a team's wording cannot reach
anything but the values listed here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .models import MessageChannel, MessageKind

PLACEHOLDER = re.compile(r"\(\(\s*([^()]*?)\s*\)\)")

# Every placeholder, with what it becomes.
PLACEHOLDERS: dict[str, str] = {
    "first_name": "The person's first name",
    "link_worker": "Their link worker's name",
    "team_phone": "The team's phone number",
    "appointment_date": "The appointment's day, like Tuesday 8 December",
    "appointment_time": "The appointment's time, like 10:30",
    "appointment_place": "Where: the place, or by phone, or by video call",
    "plan": "Their goals and the groups agreed, one a line",
}
_COMMON = ("first_name", "link_worker", "team_phone")
KIND_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    MessageKind.APPOINTMENT_REMINDER: (
        *_COMMON,
        "appointment_date",
        "appointment_time",
        "appointment_place",
    ),
    MessageKind.TRIED_TO_REACH: _COMMON,
    MessageKind.PLAN_AGREED: (*_COMMON, "plan"),
}

# GOV.UK Notify's longest text message: 918 characters (6 parts).
SMS_MAX_CHARACTERS = 918

_SMS = MessageChannel.SMS
_EMAIL = MessageChannel.EMAIL
_LETTER = MessageChannel.LETTER
_REMINDER = MessageKind.APPOINTMENT_REMINDER
_TRIED = MessageKind.TRIED_TO_REACH
_PLAN = MessageKind.PLAN_AGREED

_SIGN_OFF = "((link_worker))\nLink worker"

# (kind, channel) -> (subject, body). Texts have no subject.
DEFAULT_WORDING: dict[tuple[str, str], tuple[str, str]] = {
    (_REMINDER, _SMS): (
        "",
        "Hello ((first_name)), a reminder of your appointment with ((link_worker)) on "
        "((appointment_date)) at ((appointment_time)), ((appointment_place)). To change it, "
        "call ((team_phone)).",
    ),
    (_REMINDER, _EMAIL): (
        "Your appointment on ((appointment_date))",
        "Dear ((first_name)),\n\nThis is a reminder of your appointment with ((link_worker)) "
        "on ((appointment_date)) at ((appointment_time)), ((appointment_place)).\n\nIf you "
        "cannot come, or would like to change it, please call us on ((team_phone)).\n\n"
        f"Best wishes,\n{_SIGN_OFF}",
    ),
    (_REMINDER, _LETTER): (
        "Your appointment on ((appointment_date))",
        "Dear ((first_name)),\n\nThis is a reminder of your appointment with ((link_worker)) "
        "on ((appointment_date)) at ((appointment_time)), ((appointment_place)).\n\nIf you "
        "cannot come, or would like to change it, please call us on ((team_phone)).\n\n"
        f"Yours sincerely,\n{_SIGN_OFF}",
    ),
    (_TRIED, _SMS): (
        "",
        "Hello ((first_name)), ((link_worker)), your link worker, tried to reach you. Please "
        "call us on ((team_phone)) when it suits you.",
    ),
    (_TRIED, _EMAIL): (
        "We tried to reach you",
        "Dear ((first_name)),\n\n((link_worker)), your link worker, tried to reach you. Please "
        "call us on ((team_phone)) when it suits you, or reply to this email.\n\n"
        f"Best wishes,\n{_SIGN_OFF}",
    ),
    (_TRIED, _LETTER): (
        "We tried to reach you",
        "Dear ((first_name)),\n\n((link_worker)), your link worker, tried to reach you. Please "
        "call us on ((team_phone)) when it suits you.\n\n"
        f"Yours sincerely,\n{_SIGN_OFF}",
    ),
    (_PLAN, _SMS): (
        "",
        "Hello ((first_name)), the plan you agreed with ((link_worker)):\n((plan))\n"
        "Questions? Call ((team_phone)).",
    ),
    (_PLAN, _EMAIL): (
        "The plan we agreed",
        "Dear ((first_name)),\n\nHere is the plan you agreed with ((link_worker)):\n\n"
        "((plan))\n\nIf you have any questions, please call us on ((team_phone)).\n\n"
        f"Best wishes,\n{_SIGN_OFF}",
    ),
    (_PLAN, _LETTER): (
        "The plan we agreed",
        "Dear ((first_name)),\n\nHere is the plan you agreed with ((link_worker)):\n\n"
        "((plan))\n\nIf you have any questions, please call us on ((team_phone)).\n\n"
        f"Yours sincerely,\n{_SIGN_OFF}",
    ),
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    # True when it is the team's own wording, False for the default.
    custom: bool = False


def default_wording(kind: str, channel: str) -> Wording:
    subject, body = DEFAULT_WORDING[(kind, channel)]
    return Wording(subject=subject, body=body)


def placeholders_used(text: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(text)]


def wording_errors(*, kind: str, channel: str, subject: str, body: str) -> dict[str, str]:
    """What is wrong with a wording, by field: placeholders it may not use, an empty body, a
    text message too long even before its placeholders are filled in."""
    allowed = KIND_PLACEHOLDERS[kind]
    errors: dict[str, str] = {}
    listed = ", ".join(f"(({name}))" for name in allowed)
    for field, text in (("subject", subject), ("body", body)):
        unknown = [name for name in placeholders_used(text) if name not in allowed]
        if unknown:
            errors[field] = (
                f"(({unknown[0]})) is not a placeholder this message can use: use {listed}"
            )
    if not body.strip():
        errors.setdefault("body", "Enter the message")
    elif channel == MessageChannel.SMS and len(body) > SMS_MAX_CHARACTERS:
        errors.setdefault(
            "body", f"A text message can be at most {SMS_MAX_CHARACTERS} characters long"
        )
    if channel != MessageChannel.SMS and not subject.strip():
        errors.setdefault(
            "subject",
            "Enter the subject" if channel == MessageChannel.EMAIL else "Enter the heading",
        )
    return errors


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each placeholder by its value, as plain text; one pass, so a value that looks
    like a placeholder stays as it is."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(value, text)


# --- text message length ---------------------------------------------------------------------

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€")


@dataclass(frozen=True)
class SmsLength:
    characters: int
    parts: int
    unicode: bool


def sms_length(text: str) -> SmsLength:
    """How many characters a text message counts and how many parts it is sent as: 160
    characters in one part, 153 a part beyond that; 70 and 67 when it holds a character
    outside the GSM alphabet (an emoji, a curly quote)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        count = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, part = 160, 153
        unicode = False
    else:
        count = len(text)
        single, part = 70, 67
        unicode = True
    parts = 1 if count <= single else -(-count // part)
    return SmsLength(characters=count, parts=parts, unicode=unicode)
