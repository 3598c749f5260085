"""Where messages to people go. With ``NOTIFY_API_KEY`` set, through GOV.UK Notify's own
Python client, one Notify template per channel (its content is ((subject)) and ((body)); a
letter's address comes in ``address_line_1`` onwards). Without it, emails go through Django's
email backend and texts and letters are only written to the log, by id, channel and kind:
never a name, number, address or what the message said."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from ..models import Message, MessageChannel

logger = logging.getLogger(__name__)


class MessageSendError(Exception):
    """The message could not be sent; the text says why, in words safe to keep and show."""


class MessageBackend(Protocol):
    name: str

    def send(self, message: Message) -> str:
        """Send ``message``; return the provider's id for it (may be empty)."""
        ...


def notify_client(api_key: str) -> Any:
    """GOV.UK Notify's client (a function, so that tests can put a fake in its place)."""
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(api_key)


def _template_id(channel: str) -> str:
    ids: dict[str, str] = {
        MessageChannel.SMS: settings.NOTIFY_TEMPLATE_ID_SMS,
        MessageChannel.EMAIL: settings.NOTIFY_TEMPLATE_ID_EMAIL,
        MessageChannel.LETTER: settings.NOTIFY_TEMPLATE_ID_LETTER,
    }
    return ids[channel]


class NotifyBackend:
    name = "notify"

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def send(self, message: Message) -> str:
        from notifications_python_client.errors import APIError

        template_id = _template_id(message.channel)
        if not template_id:
            raise MessageSendError(
                f"No GOV.UK Notify template is set for {message.get_channel_display().lower()}s"
            )
        personalisation: dict[str, Any] = {"subject": message.subject, "body": message.body}
        # A reference Notify keeps and shows: the message's id, nothing about the person.
        reference = f"socialrx-message-{message.pk}"
        client = notify_client(self.api_key)
        try:
            if message.channel == MessageChannel.SMS:
                response = client.send_sms_notification(
                    phone_number=message.to_address,
                    template_id=template_id,
                    personalisation=personalisation,
                    reference=reference,
                )
            elif message.channel == MessageChannel.EMAIL:
                response = client.send_email_notification(
                    email_address=message.to_address,
                    template_id=template_id,
                    personalisation=personalisation,
                    reference=reference,
                )
            else:
                lines = message.to_address.splitlines()
                for number, line in enumerate(lines, start=1):
                    personalisation[f"address_line_{number}"] = line
                response = client.send_letter_notification(
                    template_id=template_id, personalisation=personalisation, reference=reference
                )
        except APIError as exc:
            # Notify's answer can quote what was sent: keep only its status.
            raise MessageSendError(
                f"GOV.UK Notify did not accept it (status {exc.status_code})"
            ) from None
        except OSError:
            raise MessageSendError("GOV.UK Notify could not be reached") from None
        return str(response.get("id", "")) if isinstance(response, dict) else ""


class LocalBackend:
    """No Notify key: emails by the email backend; texts and letters to the log only."""

    name = "local"

    def send(self, message: Message) -> str:
        if message.channel == MessageChannel.EMAIL:
            try:
                EmailMessage(
                    subject=message.subject,
                    body=message.body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[message.to_address],
                ).send()
            except OSError:
                raise MessageSendError("The email server could not be reached") from None
            return ""
        logger.info(
            "Message %s (%s, %s): no GOV.UK Notify key is set, so it was written to the log "
            "and not sent",
            message.pk,
            message.channel,
            message.kind,
        )
        return ""


def message_backend() -> MessageBackend:
    if settings.NOTIFY_API_KEY:
        return NotifyBackend(settings.NOTIFY_API_KEY)
    return LocalBackend()
