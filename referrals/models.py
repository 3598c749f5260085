"""People, referrals from every route, conversations, goals, connections, notes, feedback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from socialrx.audited import Audited
from socialrx.models import Practice, Team
from socialrx.validators import (
    normalise_nhs_number,
    patient_key,
    validate_nhs_number,
    validate_postcode,
)


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone"
    SMS = "sms", "Text message (SMS)"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    VISIT = "visit", "Visit"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Message left"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class SafeToLeaveMessage(models.TextChoices):
    UNKNOWN = "unknown", "Not known"
    YES = "yes", "Yes"
    NO = "no", "No"


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


class EthnicCategory(models.TextChoices):
    """The NHS Data Dictionary ethnic category (the 2001 census categories, England): the codes
    GP systems record and UK Core's ethnic category extension carries."""

    WHITE_BRITISH = "A", "White - British"
    WHITE_IRISH = "B", "White - Irish"
    WHITE_OTHER = "C", "White - any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed - White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed - White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed - White and Asian"
    MIXED_OTHER = "G", "Mixed - any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British - Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British - Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British - Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British - any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British - Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British - African"
    BLACK_OTHER = "P", "Black or Black British - any other Black background"
    CHINESE = "R", "Other ethnic groups - Chinese"
    OTHER = "S", "Other ethnic groups - any other ethnic group"
    NOT_STATED = "Z", "Not stated"


# The one mapping from an ethnic category to the five groups (and "not known") the outcome
# figures use. Chinese counts as Asian, as in the ONS 2021 high-level groups the figures
# follow; "not stated" is not known.
ETHNIC_CATEGORY_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "white"),
    **dict.fromkeys("DEFG", "mixed"),
    **dict.fromkeys("HJKLR", "asian"),
    **dict.fromkeys("MNP", "black"),
    "S": "other",
    "Z": "unknown",
}


def ethnicity_group_for(category: str) -> str | None:
    """The group of an ethnic category code; ``None`` for no category (the group recorded
    alone stands)."""
    return ETHNIC_CATEGORY_GROUPS.get(category) if category else None


class Person(Audited, models.Model):
    audit_person = "pk"
    # Derived from the NHS number, and bookkeeping touched by every change to the case.
    audit_exclude = ("patient_key", "last_activity_at")

    person_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        null=True,
        blank=True,
        validators=[validate_nhs_number],
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    # The group the figures use: set from ``ethnic_category`` when that is recorded; records
    # made before categories were kept (or imported with a group only) have the group alone.
    ethnicity = models.CharField(
        max_length=10, choices=Ethnicity.choices, default=Ethnicity.UNKNOWN
    )
    ethnic_category = models.CharField(
        "Ethnic category", max_length=1, choices=EthnicCategory.choices, blank=True
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
    # How the person wants to be contacted; contact attempts respect these.
    best_time_to_contact = models.CharField(
        max_length=200, blank=True, help_text="For example: weekday mornings, not after 6pm."
    )
    safe_to_leave_message = models.CharField(
        "Safe to leave a message",
        max_length=10,
        choices=SafeToLeaveMessage.choices,
        default=SafeToLeaveMessage.UNKNOWN,
    )
    preferred_channel = models.CharField(
        "Preferred way to be contacted",
        max_length=10,
        blank=True,
        choices=ContactMethod.choices,
    )
    needs_interpreter = models.BooleanField("Needs an interpreter", default=False)
    interpreter_language = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(
        "Postal address",
        blank=True,
        help_text="The lines above the postcode, one a line (house and street, town). Letters "
        "are sent here.",
    )
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
            # The caseload's default order (newest activity, then newest record): its first
            # page is read from this index, testing only as many people as the page needs.
            models.Index(
                fields=["team", "-last_activity_at", "-id"], name="person_team_activity_idx"
            ),
            models.Index(fields=["family_name", "given_name", "date_of_birth"]),
        ]
        constraints = [
            # One person, one record: the database refuses a second record with the same NHS
            # number even when two intakes race past the service's check.
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=models.Q(nhs_number__isnull=False) & ~models.Q(nhs_number=""),
                name="person_nhs_number_unique",
                violation_error_message="A person with this NHS number is already recorded",
            ),
            models.CheckConstraint(
                name="person_imd_decile_1_10",
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.nhs_number = normalise_nhs_number(self.nhs_number or "") or None
        self.patient_key = patient_key(self.nhs_number) if self.nhs_number else ""
        group = ethnicity_group_for(self.ethnic_category)
        if group is not None:
            self.ethnicity = group
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "nhs_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "patient_key"}
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "ethnic_category" in update_fields:
            kwargs["update_fields"] = {*update_fields, "ethnicity"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class ConsentPurpose(models.TextChoices):
    """What a person may agree to, each on its own (docs/security.md, "Consent")."""

    CONTACT = "contact", "Contact by the link worker"
    SHARE_WITH_GROUP = (
        "share_with_group",
        "Share my name and contact details with a group's organisers or volunteers when I am "
        "connected",
    )
    DEIDENTIFIED_FIGURES = "deidentified_figures", "Use my information in de-identified figures"
    # One per way a message can reach them (docs/casework.md, "Messages to people"): each is
    # needed, as well as contact, before a message goes that way.
    SMS = "sms", "Text messages to my mobile"
    EMAIL = "email", "Emails"
    LETTER = "letter", "Letters to my address"


class ConsentSource(models.TextChoices):
    REFERRAL_FORM = "referral_form", "Referral form"
    SELF_REFERRAL = "self_referral", "Self-referral"
    CONVERSATION = "conversation", "Conversation with the link worker"
    IMPORT = "import", "Import or earlier record"


class Consent(models.Model):
    """One answer to one purpose, as recorded. Rows are never changed: a change of mind is a
    new row, and the person's current answer for a purpose is the latest row (by
    ``recorded_at``, then id). No row means not asked."""

    person = models.ForeignKey("Person", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    given = models.BooleanField()
    # Empty for a self-referral (the person themselves) and for records carried over from
    # before consent was kept per purpose; ``source`` says which.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    # The referral the answer came with, when it came with one.
    referral = models.ForeignKey(
        "Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="consents"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["person", "purpose", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.given else 'no'} ({self.source})"


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
    # A referral of someone whose case was already open: it is added to that case (see
    # ``Referral.joined_case``) rather than opening a second one, so it ends on arrival.
    JOINED_CASE = "joined_case", "Added to an open case"


OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.CONTACTED, ReferralStatus.ACTIVE)
ENDED_STATUSES = (
    ReferralStatus.CLOSED,
    ReferralStatus.DECLINED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.UNABLE_TO_CONTACT,
    ReferralStatus.JOINED_CASE,
)


class EndReason(models.TextChoices):
    """Why a referral ended without (or before) support: the coded reason the referrer is
    given in the message back (wording after the PRSB Social Prescribing Standard's message
    back to the referrer)."""

    NOT_APPROPRIATE = "not_appropriate", "Referral not appropriate for social prescribing"
    DECLINED_BY_PERSON = "declined_by_person", "Declined by the person"
    ALREADY_SUPPORTED = "already_supported", "Already supported by another service"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact the person"
    OTHER = "other", "Other reason (see the message)"


class CloseReason(models.TextChoices):
    """How a case that was worked on ended: the coded outcome chosen when it is closed, and
    given to the referrer in the message back. Plain words, as the person would say them."""

    GOALS_MET = "goals_met", "Goals met: things are better for them"
    CONNECTED = "connected", "Connected to support in their community"
    PERSON_STOPPED = "person_stopped", "They chose to stop"
    NO_CONTACT = "no_contact", "We lost touch and could not reach them again"
    MOVED_AWAY = "moved_away", "They moved away from the area"
    OTHER_SERVICE = "other_service", "Another service now meets their needs"
    DIED = "died", "They died"
    OTHER = "other", "Another reason (see the message)"


class PossibleMatchOn(models.TextChoices):
    NHS_NUMBER = "nhs_number", "same NHS number"
    NAME_DOB_POSTCODE = "name_dob_postcode", "same name, date of birth and postcode"


class Referral(Audited, models.Model):
    # Bookkeeping: when the link worker was emailed; the hashed submission key.
    audit_exclude = ("notified_at", "submission_key")

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
    # The person's details as the referrer typed them. Kept on the referral so that the
    # referrer is shown what they sent (never the record it was matched to), and so that a
    # possible match can be confirmed without the typed details having touched anyone's record.
    entered_given_name = models.CharField(max_length=100, blank=True)
    entered_family_name = models.CharField(max_length=100, blank=True)
    entered_date_of_birth = models.DateField(null=True, blank=True)
    entered_nhs_number = models.CharField(max_length=10, blank=True)
    entered_postcode = models.CharField(max_length=10, blank=True)
    entered_phone = models.CharField(max_length=30, blank=True)
    entered_email = models.EmailField(blank=True)
    entered_communication_needs = models.TextField(blank=True)
    # An existing person this referral may be for, found on a route that may not attach it
    # (the public form; practice staff matching someone outside their practice). A link worker
    # confirms (the referral moves to that person) or rejects it (the referral's own record
    # stands as a different person).
    possible_match = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    possible_match_on = models.CharField(max_length=20, choices=PossibleMatchOn.choices, blank=True)
    # Hash of the form's one-time token (or the API's Idempotency-Key) with who sent it: the
    # same submission sent twice makes one referral, even when both arrive at once.
    submission_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # The referrer's own identifier of the referral (FHIR ``ServiceRequest.identifier``):
    # one referral per identifier per referring practice, whoever at the practice sends it,
    # and given back on every read of the ServiceRequest and its Task.
    sender_identifier_system = models.CharField(max_length=150, blank=True, editable=False)
    sender_identifier_value = models.CharField(max_length=150, blank=True, editable=False)
    status = models.CharField(
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.RECEIVED,
        db_index=True,
    )
    # One open case per person: a referral of someone whose case is open is added to that
    # case (this points at the open referral; the status is ``joined_case``).
    joined_case = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="joined_referrals"
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_outcome = models.TextField(blank=True)
    # The coded reason a referral was declined or ended without support.
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    # The coded outcome of a case closed after support (status ``closed``).
    close_reason = models.CharField(
        "How the case ended", max_length=30, choices=CloseReason.choices, blank=True
    )
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
    # Set on every save, status change and feedback: what the API's modified_after reads.
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every edit says which version it was loaded with and is refused
    # if someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["referring_practice", "-received_on"]),
            # A person's latest referral (the caseload works it out for every person of the
            # team): read from the index alone, in order, with what the caseload shows of it
            # (PostgreSQL; other databases leave out the included columns).
            models.Index(
                fields=["person", "-received_on", "-id"],
                include=["status", "closed_on"],
                name="referral_person_latest_idx",
            ),
            # The API's list of a practice's referrals changed since a time.
            models.Index(fields=["referring_practice", "updated_at", "id"]),
        ]
        constraints = [
            # An ended referral has the date it ended; an open one has none.
            models.CheckConstraint(
                name="referral_closed_on_matches_status",
                condition=models.Q(status__in=ENDED_STATUSES, closed_on__isnull=False)
                | models.Q(status__in=OPEN_STATUSES, closed_on__isnull=True),
            ),
            # The same identifier sent twice by one practice, even at the same instant, makes
            # one referral; another practice's identifier with the same value is its own.
            models.UniqueConstraint(
                fields=[
                    "referring_practice",
                    "sender_identifier_system",
                    "sender_identifier_value",
                ],
                name="referral_sender_identifier_unique_per_practice",
                condition=~models.Q(sender_identifier_value=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.get_source_display()}, {self.received_on})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def person_at_referring_practice(self) -> bool:
        """Whether the person is registered at the practice that referred (or no practice
        referred). Otherwise the referring practice is shown nothing of the person's record or
        of the team that now holds their case."""
        return self.referring_practice_id is None or (
            self.person.practice_id == self.referring_practice_id
        )

    @property
    def as_referred(self) -> dict[str, Any]:
        """The person as the referrer typed them. Referrals recorded before typed details were
        kept (or imported) fall back to the person's record, but only where the person is
        registered at the practice that referred."""
        if self.entered_given_name or not self.person_at_referring_practice:
            return {
                "full_name": f"{self.entered_given_name} {self.entered_family_name}".strip(),
                "date_of_birth": self.entered_date_of_birth,
                "nhs_number": self.entered_nhs_number,
                "postcode": self.entered_postcode,
            }
        person = self.person
        return {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
            "nhs_number": person.nhs_number or "",
            "postcode": person.postcode,
        }


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


class ClosedRouteEnquiry(Audited, models.Model):
    """An enquiry that arrived through a route this deployment has switched off. Kept for an
    administrator to act on, never dropped."""

    # What was submitted names someone but is linked to no person record.
    audit_person = None

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


class Conversation(Audited, models.Model):
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
    # Optimistic concurrency: a correction says which version it was loaded with and is
    # refused if someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["person", "held_on"])]

    @property
    def life_area_labels(self) -> list[str]:
        """The life areas ticked, in words, in the list's order (unknown codes left out)."""
        chosen = set(self.life_areas or ())
        return [label for value, label in LifeArea.choices if value in chosen]


# What a correction can change, in the order shown, with the words a reader sees.
CONVERSATION_ANSWER_LABELS: dict[str, str] = {
    "held_on": "Date of the conversation",
    "what_matters": "What matters to you?",
    "good_life": "What does a good life look like for you?",
    "love_doing": "What do you love doing?",
    "could_offer": "What could you offer others?",
    "life_areas": "Life areas talked about",
    "notes": "Other notes",
    "friends_count": "Friends they could call on",
    "swemwbs": "SWEMWBS answers",
    "ons4": "ONS4 answers",
}


class ConversationRevision(Audited, models.Model):
    """One correction of a conversation: who, when, why, and each changed answer as it was
    and as it became (in words). Rows are never changed; the conversation's history is the
    list of its revisions, oldest first."""

    audit_person = "conversation.person_id"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="revisions"
    )
    # The conversation's version this correction replaced.
    replaced_version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    # {"field": [before, after]} for the answers that changed, as people read them.
    changes = models.JSONField()
    # Every answer of the version replaced, as people read it: the previous version, kept.
    previous = models.JSONField()

    class Meta:
        ordering = ["changed_at", "id"]

    def change_rows(self) -> list[tuple[str, str, str]]:
        """(what, before, after) for each change, with the question or measure in words."""
        return [
            (CONVERSATION_ANSWER_LABELS.get(name, name), before or "(empty)", after or "(empty)")
            for name, (before, after) in self.changes.items()
        ]


class FriendsObservation(Audited, models.Model):
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


class SwemwbsResponse(Audited, models.Model):
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


class Ons4Response(Audited, models.Model):
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


class Goal(Audited, models.Model):
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
    # Set on every save, status change and feedback: what the API's modified_after reads.
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


class Connection(Audited, models.Model):
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
    # Whether the person had agreed, when connected, to their name and contact details being
    # shared with the group's organisers and volunteers. Empty for connections made before
    # consent was kept per purpose.
    details_shared = models.BooleanField(null=True, blank=True)
    # Whether the group was funded for social-prescribing referrals on the day the connection
    # was made, kept as it was then (see referrals.hooks; empty: not yet worked out).
    funded_at_connection = models.BooleanField(null=True, blank=True, editable=False)
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


class GroupAnswerChoice(models.TextChoices):
    """What a group's keeper can answer, with one click, about a person connected to it."""

    CAME = "came", "They came"
    NOT_COME = "not_come", "They haven't come"
    FULL = "full", "We can't take them: we are full"
    NOT_SUITABLE = "not_suitable", "We can't take them: it is not suitable for them"
    TOO_COMPLEX = "too_complex", "We can't take them: their needs are more than we can support"


class GroupAnswer(Audited, models.Model):
    """A group's answer about a connection, given by one of its keepers through the emailed
    link (no sign-in). Kept beside the link worker's own follow-up (``Connection.outcome``):
    the link worker sees it on the person page and decides the outcome; only "they came" on a
    connection still pending also records the outcome as attended. Rows are never changed: a
    later answer is a new row, and the latest one is shown."""

    audit_person = "connection.person_id"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="group_answers"
    )
    answer = models.CharField(max_length=20, choices=GroupAnswerChoice.choices)
    # The keeper the link was sent to (empty once their account is deleted).
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class CaseNote(Audited, models.Model):
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


class Feedback(Audited, models.Model):
    """The message back to the GP and referrer (PRSB Social Prescribing Information Standard)."""

    audit_person = "referral.person_id"

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


class TaskKind(models.TextChoices):
    CONNECTION_FOLLOW_UP = "connection_follow_up", "Connection follow-up: did they go?"
    GOAL_REVIEW = "goal_review", "Goal review"
    REMEASURE = "remeasure", "Re-measure wellbeing"
    CONTACT_RETRY = "contact_retry", "Try contacting them again"
    OTHER = "other", "Other"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Task(Audited, models.Model):
    """Something a link worker needs to do for a person, on or by a day. Made by the events
    that imply it (a connection needs a follow-up, a first conversation a re-measure) or by
    hand; shown on the link worker's "My day"."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tasks")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    # The connection a follow-up is about: recording its outcome closes the task.
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    due_on = models.DateField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    status = models.CharField(
        max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN, db_index=True
    )
    snoozed_until = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assigned_to", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                name="task_done_has_done_at",
                condition=(models.Q(status="done") & models.Q(done_at__isnull=False))
                | (~models.Q(status="done") & models.Q(done_at__isnull=True)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    def shown_due_on(self) -> dt.date:
        """The day it comes back onto the list: snoozing moves it, not its due date."""
        if self.snoozed_until and self.snoozed_until > self.due_on:
            return self.snoozed_until
        return self.due_on


class AppointmentKind(models.TextChoices):
    CONVERSATION = "conversation", "Conversation"
    FOLLOW_UP = "follow_up", "Follow-up"


class AppointmentMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone call"
    VIDEO = "video", "Video call"


class Appointment(Audited, models.Model):
    """A conversation or follow-up booked with a person, at a time, in person, by phone or by
    video."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="appointments")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField(db_index=True)
    mode = models.CharField(max_length=20, choices=AppointmentMode.choices)
    # Where, for a meeting in person (a venue; the calendar export leaves it out).
    place = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["link_worker", "starts_at"])]


class ContactAttempt(Audited, models.Model):
    """One try at reaching the person (a call, a text, a letter, an email, a visit) and how it
    went. Repeated unsuccessful tries are what lets a link worker close a referral as unable
    to contact."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_attempts")
    referral = models.ForeignKey(
        Referral,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_attempts",
    )
    method = models.CharField(max_length=10, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    attempted_at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["person", "-attempted_at"])]

    @property
    def reached(self) -> bool:
        return self.outcome == ContactOutcome.REACHED


class MessageChannel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class MessageKind(models.TextChoices):
    APPOINTMENT_REMINDER = "appointment_reminder", "Appointment reminder"
    TRIED_TO_REACH = "tried_to_reach", "We tried to reach you"
    PLAN_AGREED = "plan_agreed", "The plan agreed"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Not sent: no consent"


class MessageTemplate(models.Model):
    """A team's own wording of one kind of message on one channel. Without one, the default
    wording in ``referrals.services.messages`` is used. Placeholders are written ((like_this))
    and filled with plain text, never run as a template."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(max_length=30, choices=MessageKind.choices)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    # Emails and letters have a subject (a letter's heading); a text message has none.
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: two people of a team may edit the same wording at once.
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["team", "kind", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "channel"], name="message_template_one_per_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.get_kind_display()} ({self.get_channel_display()})"


class Message(Audited, models.Model):
    """One message to the person (a text, an email, a letter): what it said, where it went,
    and what became of it. A message refused for want of consent is kept too, as refused."""

    # Bookkeeping of the delivery: when the sending job took it on.
    audit_exclude = ("claimed_at",)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="messages")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The appointment a reminder is about.
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    kind = models.CharField(max_length=30, choices=MessageKind.choices)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    # The mobile number, email address or postal address (lines and postcode) it went to.
    to_address = models.TextField(blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # Why it was not sent, or why it failed, in words (never the provider's raw answer).
    reason = models.CharField(max_length=300, blank=True)
    # The provider's id for it (GOV.UK Notify's notification id).
    provider_id = models.CharField(max_length=100, blank=True)
    # Who sent it; empty for the automatic reminder the day before an appointment.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"])]
        constraints = [
            # The day-before reminder goes once per appointment, however often the job runs.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(automatic=True),
                name="message_one_automatic_reminder_per_appointment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display().lower()}"
