"""Volunteers: champions, connectors, group leaders; their training, hours and events, and the
invitations that turn a referred person into a volunteer."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models

from socialrx.audited import Audited
from socialrx.models import Practice


class ChampionRole(models.TextChoices):
    HEALTH_CHAMPION = "health_champion", "Health champion"
    COMMUNITY_CONNECTOR = "community_connector", "Community connector"
    GROUP_LEADER = "group_leader", "Group leader"


class Champion(Audited, models.Model):
    champion_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="champion",
    )
    # A person who was referred and became a volunteer.
    person = models.OneToOneField(
        "referrals.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="champion",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=30, choices=ChampionRole.choices)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(
        default=True, help_text="Untick when someone stops volunteering or takes a break."
    )
    # Home base: the practice they volunteer from, or a community organisation by name.
    home_practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="champions",
        verbose_name="home practice",
    )
    home_organisation = models.CharField(
        "home organisation",
        max_length=200,
        blank=True,
        help_text="The community organisation they volunteer with, if not a practice.",
    )
    # The volunteer's own contact details. Shown to link workers; published on listings only
    # when the matching consent flag is ticked by the volunteer.
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    publish_name = models.BooleanField("Show my name on the groups I keep", default=False)
    publish_phone = models.BooleanField("Show my phone number on the groups I keep", default=False)
    publish_email = models.BooleanField("Show my email address on the groups I keep", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["given_name", "family_name"]
        constraints = [
            models.CheckConstraint(
                name="champion_ends_after_start",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def home_base(self) -> str:
        if self.home_practice_id:
            return self.home_practice.name  # type: ignore[union-attr]
        return self.home_organisation


# Hours in one entry: more than a day in a single log is a typing mistake.
_HOURS_IN_DAY = Decimal("24")


class TrainingRecord(Audited, models.Model):
    audit_person = "champion.person_id"

    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(max_length=200)
    completed_on = models.DateField("date completed")
    hours = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("0"))
    qualification = models.CharField(
        max_length=200, blank=True, help_text="For example: Level 2 Award, RSPH Health Champion."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="training_hours_not_negative", condition=models.Q(hours__gte=0)
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on})"


class DatedActivity(Audited, models.Model):
    """What hours entries and events share: the day, the group it was for, when it was logged.
    Each subclass declares ``champion`` with its own reverse name."""

    audit_person = "champion.person_id"

    on = models.DateField("date")
    asset = models.ForeignKey(
        "assets.Asset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="group",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-on", "-id"]


class HoursLog(DatedActivity):
    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="hours_logs")
    hours = models.DecimalField(max_digits=4, decimal_places=1)
    activity = models.CharField(max_length=200)

    class Meta(DatedActivity.Meta):
        indexes = [models.Index(fields=["champion", "on"])]
        constraints = [
            models.CheckConstraint(
                name="hours_log_positive_within_day",
                condition=models.Q(hours__gt=0, hours__lte=_HOURS_IN_DAY),
            )
        ]

    def __str__(self) -> str:
        return f"{self.hours}h on {self.on}: {self.activity}"


class EventKind(models.TextChoices):
    GROUP_SESSION = "group_session", "Group session"
    COMMUNITY_EVENT = "community_event", "Community event"
    OUTREACH = "outreach", "Outreach (talking to people about social prescribing)"
    CELEBRATION = "celebration", "Celebration"
    MEETING = "meeting", "Meeting"
    OTHER = "other", "Other"


class Event(DatedActivity):
    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    title = models.CharField(max_length=200)
    hours = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("0"))

    class Meta(DatedActivity.Meta):
        indexes = [models.Index(fields=["champion", "on"])]
        constraints = [
            models.CheckConstraint(
                name="event_hours_within_day",
                condition=models.Q(hours__gte=0, hours__lte=_HOURS_IN_DAY),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.on})"


# Shown to the link worker, who reads it to the person; stored on the invitation as shown.
CONSENT_WORDING = (
    "We would like to add you to our volunteers as a {role}. We will keep your name, your "
    "contact details, the training you do and the hours you give, and link them to the record "
    "we already hold about you so that we can support you. Link workers and administrators can "
    "see your volunteer record; your case stays private. You can stop at any time, and ask us "
    "to remove your volunteer record. Do you agree?"
)


class InvitationState(models.TextChoices):
    PENDING = "pending", "Invited, thinking about it"
    ACCEPTED = "accepted", "Agreed"
    DECLINED = "declined", "Said no"


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class VolunteerInvitation(Audited, models.Model):
    """A link worker asking a person on their caseload to volunteer, and what the person said.
    When they agree, the wording they agreed to, who recorded it and when are kept."""

    person = models.ForeignKey(
        "referrals.Person", on_delete=models.CASCADE, related_name="volunteer_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=30, choices=ChampionRole.choices)
    # Unguessable reference for the invitation, so no sequential id needs to leave the system.
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    consent_wording = models.TextField(blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    champion = models.OneToOneField(
        Champion, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An accepted invitation always carries the consent that was given.
            models.CheckConstraint(
                name="invitation_accepted_has_consent",
                condition=~models.Q(state="accepted")
                | (models.Q(consent_recorded_at__isnull=False) & ~models.Q(consent_wording="")),
            )
        ]

    def __str__(self) -> str:
        return f"Volunteer invitation {self.pk} ({self.get_state_display()})"


class GroupStartedByPerson(Audited, models.Model):
    """A group in the directory that a person who was referred started. The link lives here,
    not on the listing, so that the directory never refers to anyone's case."""

    asset = models.OneToOneField(
        "assets.Asset", on_delete=models.CASCADE, related_name="started_by_referred"
    )
    person = models.ForeignKey("referrals.Person", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "group started by a person who was referred"
        verbose_name_plural = "groups started by people who were referred"

    def __str__(self) -> str:
        return f"Group {self.asset_id} started by person {self.person_id}"
