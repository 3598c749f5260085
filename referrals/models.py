"""People, referrals from every route, conversations, goals, connections, notes, feedback."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from socialrx.models import Practice, Team
from socialrx.validators import (
    normalise_nhs_number,
    patient_key,
    validate_nhs_number,
    validate_postcode,
)


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Ethnicity(models.TextChoices):
    """ONS 2021 high-level groups."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    UNKNOWN = "unknown", "Not known"


class Person(models.Model):
    person_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_nhs_number],
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(
        max_length=10, choices=Ethnicity.choices, default=Ethnicity.UNKNOWN
    )
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    lsoa_code = models.CharField("LSOA code", max_length=12, blank=True)
    imd_decile = models.PositiveSmallIntegerField(
        "IMD decile",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        help_text="Registered GP practice.",
    )
    preferred_language = models.CharField(max_length=60, blank=True)
    communication_needs = models.TextField(
        blank=True,
        help_text="For example: interpreter, British Sign Language, large print, easy read.",
    )
    # HMAC of the NHS number (socialrx.validators.patient_key): links a person to GP
    # appointment extracts without those extracts holding NHS numbers.
    patient_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    # The team whose link workers may see this person: the team serving their practice, or the
    # default team for people without one. Stored so that scoping is one indexed filter.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
        help_text="The person's named, continuing link worker.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Optimistic concurrency: every edit says which version it was loaded with and is refused
    # if someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["team", "-last_activity_at"]),
            models.Index(fields=["family_name", "given_name", "date_of_birth"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="person_imd_decile_1_10",
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.nhs_number = normalise_nhs_number(self.nhs_number or "") or None
        self.patient_key = patient_key(self.nhs_number) if self.nhs_number else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "nhs_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "patient_key"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Source(models.TextChoices):
    GP = "gp", "GP"
    PRACTICE_STAFF = "practice_staff", "Other practice staff"
    SELF = "self", "Self-referral"
    COMMUNITY = "community", "Community (champion, group or VCSE organisation)"
    OTHER = "other", "Other service (mental health, housing, social care…)"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CONTACTED = "contacted", "Contacted"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"


OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.CONTACTED, ReferralStatus.ACTIVE)
ENDED_STATUSES = (
    ReferralStatus.CLOSED,
    ReferralStatus.DECLINED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.UNABLE_TO_CONTACT,
)


class Referral(models.Model):
    referral_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="referrals")
    received_on = models.DateField(db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices, db_index=True)
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referrer_email = models.EmailField(blank=True)
    # The practice that made the referral (practice staff see their practice's referrals).
    referring_practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_made"
    )
    # The user who made it (practice staff, a volunteer for community referrals, a link worker
    # recording another service's referral); empty for self-referrals and imports.
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
    )
    # Community referral on behalf of a named group in the directory.
    referring_asset = models.ForeignKey(
        "assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    consent_confirmed = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.RECEIVED,
        db_index=True,
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_outcome = models.TextField(blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_referrals",
    )
    # Set when the link worker's email is claimed, so a notice is sent once however often the
    # task runs.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every edit says which version it was loaded with and is refused
    # if someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["referring_practice", "-received_on"]),
            models.Index(fields=["person", "received_on"]),
        ]
        constraints = [
            # An ended referral has the date it ended; an open one has none.
            models.CheckConstraint(
                name="referral_closed_on_matches_status",
                condition=models.Q(status__in=ENDED_STATUSES, closed_on__isnull=False)
                | models.Q(status__in=OPEN_STATUSES, closed_on__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.get_source_display()}, {self.received_on})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]


class ClosedRouteEnquiry(models.Model):
    """An enquiry that arrived through a route this deployment has switched off. Kept for an
    administrator to act on, never dropped."""

    route = models.CharField(max_length=20, choices=Source.choices)
    received_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(help_text="What was submitted, as entered.")
    handled = models.BooleanField(default=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handled", "-received_at"]
        verbose_name_plural = "closed-route enquiries"


class LifeArea(models.TextChoices):
    HEALTH = "health", "Health and wellbeing"
    RELATIONSHIPS = "relationships", "Friends, family and relationships"
    LONELINESS = "loneliness", "Loneliness and isolation"
    MONEY = "money", "Money and debt"
    HOUSING = "housing", "Housing"
    WORK = "work", "Work, learning and volunteering"
    ACTIVITY = "activity", "Being active"
    CARING = "caring", "Caring for someone"
    MENTAL_HEALTH = "mental_health", "Mental health"
    FOOD = "food", "Food"
    FAITH = "faith", "Faith, culture and belonging"


class Conversation(models.Model):
    """A "what matters to you" conversation. Free text first; the rest is optional."""

    conversation_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="conversations")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    held_on = models.DateField(db_index=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what_matters = models.TextField("What matters to you?", blank=True)
    good_life = models.TextField("What does a good life look like for you?", blank=True)
    love_doing = models.TextField("What do you love doing?", blank=True)
    could_offer = models.TextField("What could you offer others?", blank=True)
    life_areas = models.JSONField(default=list, blank=True, help_text="LifeArea codes discussed.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["person", "held_on"])]


class FriendsObservation(models.Model):
    """The number of friends the person could call on, on a date (the ``friends`` metric,
    docs/metrics.md)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="friends_observations"
    )
    conversation = models.OneToOneField(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="friends_observation",
    )
    observed_on = models.DateField()
    friends_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["observed_on", "id"]
        indexes = [models.Index(fields=["person", "observed_on"])]


class SwemwbsResponse(models.Model):
    """SWEMWBS: seven items scored 1–5; raw 7–35 and its Rasch-converted metric score."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="swemwbs_responses")
    conversation = models.OneToOneField(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="swemwbs"
    )
    completed_on = models.DateField()
    items = models.JSONField(help_text="The seven item scores, 1–5, in questionnaire order.")
    raw_score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(7), MaxValueValidator(35)]
    )
    metric_score = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["completed_on", "id"]
        indexes = [models.Index(fields=["person", "completed_on"])]


class Ons4Response(models.Model):
    """ONS4 personal wellbeing, each answer 0–10."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ons4_responses")
    conversation = models.OneToOneField(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="ons4"
    )
    completed_on = models.DateField()
    life_satisfaction = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    worthwhile = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    happiness = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    anxiety = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])

    class Meta:
        ordering = ["completed_on", "id"]


class GoalStatus(models.TextChoices):
    """Chosen by the person, in their words."""

    NOT_STARTED = "not_started", "Not started yet"
    WORKING_ON_IT = "working_on_it", "Working on it"
    GETTING_THERE = "getting_there", "Getting there"
    ACHIEVED = "achieved", "Done it"
    CHANGED_MIND = "changed_mind", "Changed my mind"


class Goal(models.Model):
    """A life-plan goal, agreed with the person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="goals")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )
    description = models.CharField(max_length=500)
    status = models.CharField(
        max_length=20, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every edit says which version it was loaded with and is refused
    # if someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["created_at", "id"]


class ConnectionKind(models.TextChoices):
    SIGNPOST = "signpost", "Signpost (information or leaflet)"
    SUPPORTED = "supported", "Supported (contacted the group with them)"
    ACCOMPANIED = "accompanied", "Accompanied (went with them)"


class ConnectionOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    ATTENDED = "attended", "Attended"
    CONTINUING = "continuing", "Continuing"
    MEMBER = "member", "Became a member"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


class Connection(models.Model):
    connection_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="connections")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="connections"
    )
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="connections")
    made_on = models.DateField(db_index=True)
    kind = models.CharField(max_length=20, choices=ConnectionKind.choices)
    outcome = models.CharField(
        max_length=20, choices=ConnectionOutcome.choices, default=ConnectionOutcome.PENDING
    )
    outcome_updated_on = models.DateField(null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic concurrency: every edit says which version it was loaded with and is refused
    # if someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-made_on", "-id"]


class ConnectionOutcomeChange(models.Model):
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="outcome_changes"
    )
    outcome = models.CharField(max_length=20, choices=ConnectionOutcome.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class CaseNote(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    text = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class Feedback(models.Model):
    """The message back to the GP and referrer (PRSB Social Prescribing Information Standard)."""

    class Snomed(models.TextChoices):
        REFERRED = "871731000000106", "871731000000106 Referral to social prescribing service"
        DECLINED = "871711000000103", "871711000000103 Social prescribing declined"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="feedback")
    snomed_code = models.CharField("SNOMED CT code", max_length=20, choices=Snomed.choices)
    needs_and_concerns = models.TextField()
    support_offered = models.TextField(help_text="Support offered and activities referred to.")
    outcomes = models.TextField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
