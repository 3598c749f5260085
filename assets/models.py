"""The community asset directory. The directory knows no one's case: nothing here imports
``referrals`` (the one pointer the other way, "started by a person who was referred", is a
string reference that the directory never reads)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone

from socialrx.validators import validate_postcode


class Category(models.TextChoices):
    ADVICE_MONEY = "advice_money", "Advice and money"
    READING = "reading", "Reading"
    GREEN_NATURE = "green_nature", "Green and nature"
    ARTS_CREATIVITY = "arts_creativity", "Arts and creativity"
    MUSIC_SINGING = "music_singing", "Music and singing"
    PHYSICAL_ACTIVITY = "physical_activity", "Physical activity"
    VOLUNTEERING_COMMUNITY = "volunteering_community", "Volunteering and community groups"
    LEARNING = "learning", "Learning"
    HERITAGE_MUSEUMS = "heritage_museums", "Heritage and museums"
    PEER_SUPPORT = "peer_support", "Peer support"
    BEFRIENDING = "befriending", "Befriending"
    FOOD = "food", "Food"
    FAITH_CULTURE = "faith_culture", "Faith and culture"
    DIGITAL_SKILLS = "digital_skills", "Digital skills"
    CARERS_SUPPORT = "carers_support", "Carers' support"


class LedBy(models.TextChoices):
    CITIZEN = "citizen", "Local people or volunteers, with no paid staff (citizen-led)"
    VCSE = "vcse", "A charity, community group or social enterprise"
    STATUTORY = "statutory", "The council, the NHS or another public service"
    COMMERCIAL = "commercial", "A business"


class OrganisationKind(models.TextChoices):
    VCSE = "vcse", "Voluntary, community or social enterprise"
    CHARITY = "charity", "Charity"
    COMMUNITY_GROUP = "community_group", "Community group"
    FAITH_GROUP = "faith_group", "Faith group"
    STATUTORY = "statutory", "Statutory body"
    BUSINESS = "business", "Business"


class AssetKind(models.TextChoices):
    ACTIVITY = "activity", "Activity"
    GROUP = "group", "Group"
    SERVICE = "service", "Service"
    PLACE = "place", "Place"
    CONNECTOR = "connector", "Someone who helps people find groups and services"


class StartedBy(models.TextChoices):
    VOLUNTEER = "volunteer", "A volunteer"
    REFERRED_PERSON = "referred_person", "A person who was referred"
    LINK_WORKER = "link_worker", "A link worker"
    ORGANISATION = "organisation", "An organisation"


class Eligibility(models.TextChoices):
    # There is deliberately no "referred people only": a group open to referred people is open
    # to their neighbours too.
    ANYONE_LOCAL = "anyone_local", "Anyone local"
    PRACTICE_PATIENTS = "practice_patients", "Only a practice's registered patients"


class Capacity(models.TextChoices):
    OPEN = "open", "Open: welcomes new people"
    LIMITED = "limited", "Limited: a few places"
    FULL = "full", "Full"
    PAUSED = "paused", "Paused"


class ListingStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GapStatus(models.TextChoices):
    OPEN = "open", "Open"
    BEING_WORKED_ON = "being_worked_on", "Being worked on"
    FILLED = "filled", "Filled"


class Gap(models.Model):
    """An unmet need a link worker found: what, where, how many people. It knows no one's case
    (no person link), so commissioners may see it in aggregate."""

    what = models.CharField("What is missing", max_length=300)
    category = models.CharField(max_length=30, choices=Category.choices, blank=True)
    area = models.CharField("Where", max_length=120)
    people_count = models.PositiveIntegerField("How many people", default=1)
    status = models.CharField(
        max_length=20, choices=GapStatus.choices, default=GapStatus.OPEN, db_index=True
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-logged_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="gap_people_positive", condition=models.Q(people_count__gte=1)
            )
        ]

    def __str__(self) -> str:
        return self.what


class OrukSource(models.Model):
    """An Open Referral UK v3 feed the directory imports listings from (docs/api.md)."""

    name = models.CharField(max_length=200, unique=True)
    url = models.URLField(blank=True, help_text="The feed's base address, when read over the web.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    asset_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The listing's public identifiers in Open Referral UK (its service, and its service at
    # its location): UUIDs, as ORUK asks, stable for the life of the listing.
    oruk_id = models.UUIDField("Open Referral service id", default=uuid.uuid4, unique=True)
    oruk_sal_id = models.UUIDField(
        "Open Referral service-at-location id", default=uuid.uuid4, unique=True
    )
    # Where an imported listing came from: the feed, the feed's own id for it, when the feed
    # last changed it, and the values the last import wrote (to tell a local edit from the
    # feed's: a field a keeper changed since is never overwritten, the difference is flagged).
    feed = models.ForeignKey(
        OrukSource, null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    feed_ref = models.CharField("The feed's id for it", max_length=100, blank=True)
    # A service the feed offers at several places is one listing per place (a link worker
    # searches by postcode): the feed's id for the place (its service_at_location), empty for
    # a service with none.
    feed_place_ref = models.CharField("The feed's id for its place", max_length=100, blank=True)
    # Set when a whole-feed import no longer finds it: the listing is kept, flagged for review.
    feed_left_at = models.DateTimeField("No longer in its feed since", null=True, blank=True)
    feed_modified_at = models.DateTimeField(null=True, blank=True)
    feed_seen_at = models.DateTimeField(null=True, blank=True)
    feed_values = models.JSONField(default=dict, blank=True, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices, default=AssetKind.GROUP)
    category = models.CharField(max_length=30, choices=Category.choices, db_index=True)
    led_by = models.CharField(max_length=20, choices=LedBy.choices, db_index=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # Who started it. When that was a person who was referred, champions records which one
    # (``champions.GroupStartedByPerson``): the directory knows no one's case.
    started_by = models.CharField(max_length=20, choices=StartedBy.choices, blank=True)
    started_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fills_gap = models.ForeignKey(
        Gap, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    venue_name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    # The postcode as the core look-up keys it (upper case, no spaces). Generated by the
    # database, so every write path (forms, imports' bulk_create, raw SQL) keeps it true.
    postcode_key = models.GeneratedField(
        expression=Upper(Replace("postcode", Value(" "), Value(""))),
        output_field=models.CharField(max_length=10),
        db_persist=True,
        db_index=True,
    )
    # Where the listing is: a join to the postcode look-up (no database constraint, as the
    # look-up is imported separately and may not hold every postcode).
    location = models.ForeignObject(
        "socialrx.Postcode",
        on_delete=models.DO_NOTHING,
        from_fields=["postcode_key"],
        to_fields=["postcode"],
        null=True,
        related_name="+",
    )
    description = models.TextField(blank=True)
    schedule_text = models.CharField("Schedule in words", max_length=300, blank=True)
    is_free = models.BooleanField(default=True)
    cost = models.CharField(max_length=200, blank=True)
    # Yes, no, or not known (None): a box left unticked never said "no".
    step_free = models.BooleanField("Step-free access", null=True, blank=True, default=None)
    hearing_loop = models.BooleanField("Hearing loop", null=True, blank=True, default=None)
    accessible_toilet = models.BooleanField(
        "Accessible toilet", null=True, blank=True, default=None
    )
    little_talking = models.BooleanField("Little talking needed", default=False)
    slowest_pace = models.BooleanField("Goes at the pace of the slowest", default=False)
    languages = models.CharField(max_length=200, blank=True, default="English")
    # What someone going for the first time needs to know: the public, plain-English details
    # that make it easier to walk through the door.
    first_visit = models.CharField("What to expect on a first visit", max_length=500, blank=True)
    ask_for = models.CharField("Who to ask for", max_length=120, blank=True)
    getting_there = models.CharField("How to get there", max_length=500, blank=True)
    eligibility = models.CharField(
        "Who may come",
        max_length=20,
        choices=Eligibility.choices,
        default=Eligibility.ANYONE_LOCAL,
    )
    eligible_practice = models.ForeignKey(
        "socialrx.Practice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    capacity = models.CharField(
        max_length=10, choices=Capacity.choices, default=Capacity.OPEN, db_index=True
    )
    # The group's public contact, which its keepers choose to publish (never a volunteer's own
    # details unless they enter them here).
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    other_links = models.TextField(blank=True, help_text="One web address a line.")
    member_count = models.PositiveIntegerField(null=True, blank=True)
    listing_status = models.CharField(
        max_length=10, choices=ListingStatus.choices, default=ListingStatus.APPROVED, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposer_email = models.EmailField(blank=True)
    last_confirmed_at = models.DateTimeField(null=True, blank=True)
    last_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Filled by a database trigger on PostgreSQL (migration 0003); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    # Volunteers (users) who keep this listing true.
    maintainers = models.ManyToManyField(
        "socialrx.User", blank=True, related_name="maintained_assets"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: an edit says which version it was loaded with and is refused if
    # someone else has saved since (socialrx.concurrency).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        # The directory lists in name order: the index lets PostgreSQL read the first page
        # in order instead of sorting every listing.
        indexes = [
            models.Index(fields=["name"], name="asset_name_idx"),
            # Every public list counts its matches (the directory's pages, the API's
            # total_items): with every column the public filter reads, PostgreSQL counts
            # from the index alone instead of reading each listing (docs/performance.md).
            models.Index(
                fields=["listing_status", "ended_on", "last_confirmed_at", "created_at"],
                name="asset_public_count_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="asset_ends_after_start",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gt=models.F("started_on")),
            ),
            models.UniqueConstraint(
                fields=["feed", "feed_ref", "feed_place_ref"],
                condition=models.Q(feed__isnull=False),
                name="asset_once_per_feed_place",
            ),
            models.CheckConstraint(
                name="asset_practice_only_names_practice",
                condition=~models.Q(eligibility="practice_patients")
                | models.Q(eligible_practice__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_citizen_led(self) -> bool:
        return self.led_by == LedBy.CITIZEN

    @property
    def confirmed_basis(self) -> dt.datetime:
        """When the listing was last known true: its last confirmation, else its creation."""
        return self.last_confirmed_at or self.created_at

    def is_stale(self, *, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        basis = self.confirmed_basis
        if basis is None:
            return True
        return basis < now - dt.timedelta(days=settings.LISTING_STALE_DAYS)

    @property
    def stale(self) -> bool:
        return self.is_stale()

    @property
    def hidden_unconfirmed(self) -> bool:
        """Unconfirmed so long that the public no longer sees it (assets.freshness)."""
        basis = self.confirmed_basis
        return basis is not None and basis < timezone.now() - dt.timedelta(
            days=settings.LISTING_HIDE_DAYS
        )

    def has_ended(self, *, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.ended_on and self.ended_on <= today)

    @property
    def ended(self) -> bool:
        return self.has_ended()

    @property
    def accessibility_labels(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.step_free, "Step-free access"),
                (self.hearing_loop, "Hearing loop"),
                (self.accessible_toilet, "Accessible toilet"),
                (self.little_talking, "Little talking needed"),
                (self.slowest_pace, "Goes at the pace of the slowest"),
            )
            if flag
        ]

    @property
    def access_facts(self) -> list[tuple[str, str]]:
        """The building's access, each as "Yes", "No" or "Not known": a reader must be able
        to tell "no" from "nobody has said"."""
        shown = {True: "Yes", False: "No", None: "Not known"}
        return [
            (label, shown[value])
            for label, value in (
                ("Step-free access", self.step_free),
                ("Hearing loop", self.hearing_loop),
                ("Accessible toilet", self.accessible_toilet),
            )
        ]

    def connection_warnings(self, *, today: dt.date | None = None) -> list[str]:
        """What a link worker must be told before connecting someone to this asset: it has
        ended or not started, is full or paused, or its listing is not confirmed recently."""
        today = today or timezone.localdate()
        warnings = []
        if self.ended_on and self.ended_on <= today:
            warnings.append(f"{self.name} ended on {self.ended_on:%-d %B %Y}.")
        elif self.started_on and self.started_on > today:
            warnings.append(f"{self.name} does not start until {self.started_on:%-d %B %Y}.")
        if self.capacity == Capacity.FULL:
            warnings.append(f"{self.name} is full: it is not taking new people at the moment.")
        elif self.capacity == Capacity.PAUSED:
            warnings.append(f"{self.name} is paused: it is not meeting at the moment.")
        if self.feed_left_at is not None:
            warnings.append(
                f"{self.name} is no longer in the directory it was imported from: "
                "check it is still running."
            )
        if self.listing_status != ListingStatus.APPROVED:
            warnings.append(f"{self.name} has not been approved for the directory yet.")
        if self.is_stale():
            basis = self.confirmed_basis
            when = f" since {timezone.localtime(basis):%-d %B %Y}" if basis else ""
            warnings.append(
                f"{self.name}'s listing has not been confirmed recently{when}: "
                "check it is still running."
            )
        return warnings

    def is_active_on(self, day: dt.date) -> bool:
        """docs/metrics.md: started_on empty or <= d, and ended_on empty or > d."""
        return (self.started_on is None or self.started_on <= day) and (
            self.ended_on is None or self.ended_on > day
        )


class Session(models.Model):
    """A weekly session: day and time."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="sessions")
    weekday = models.PositiveSmallIntegerField("Day", choices=Weekday.choices)
    starts_at = models.TimeField("Starts at")
    ends_at = models.TimeField("Ends at", null=True, blank=True)

    class Meta:
        ordering = ["weekday", "starts_at"]
        indexes = [models.Index(fields=["weekday", "asset"])]
        constraints = [
            models.CheckConstraint(
                name="session_ends_after_start",
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
            )
        ]

    def __str__(self) -> str:
        end = f"–{self.ends_at:%H:%M}" if self.ends_at else ""
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}{end}"


class MemberCount(models.Model):
    """Member count over time: one figure per asset per day (the latest that day wins)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="member_counts")
    counted_on = models.DateField()
    count = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-counted_on"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "counted_on"], name="member_count_once_a_day")
        ]


class AssetChange(models.Model):
    """Every change to a listing: who, when, what (field: [before, after])."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        CONFIRMED = "confirmed", "Confirmed still running"
        CAPACITY = "capacity", "Capacity or members updated"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        REPORTED = "reported", "Reported by a link worker"
        RESOLVED = "resolved", "Report dealt with"
        IMPORTED = "imported", "Updated from an Open Referral feed"
        CONFLICT = "conflict", "Feed differs from a local edit (local edit kept)"
        LEFT_FEED = "left_feed", "No longer in its Open Referral feed (listing kept)"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    via_email_link = models.BooleanField(default=False)
    # Edits to approved listings go live at once; an administrator can mark them reviewed.
    needs_review = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["at"], name="asset_change_to_review", condition=models.Q(needs_review=True)
            )
        ]


class ListingReminder(models.Model):
    """A reminder sent to a listing's keepers. The unique key (asset, stage, basis) is the
    claim: a job that runs twice inserts once, so sends once."""

    class Stage(models.IntegerChoices):
        DAYS_60 = 60, "60 days"
        DAYS_90 = 90, "90 days"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="reminders")
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    # The confirmation time the reminder is about: a new confirmation starts a new cycle.
    basis = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "stage", "basis"], name="listing_reminder_once"
            )
        ]


class ListingNotice(models.Model):
    """An in-app notice to a listing's keeper (shown on "Your listings")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listing_notices"
    )
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ListingReport(models.Model):
    """A link worker's report that a listing has stopped or its details are wrong. It goes to
    the listing's keepers (a notice and an email) and to the moderators, who mark it dealt
    with. About a listing, never a person: the note asks for no one's details."""

    class Kind(models.TextChoices):
        STOPPED = "stopped", "It has stopped"
        WRONG = "wrong", "Some details are wrong"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.CharField(max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    dealt_with_at = models.DateTimeField(null=True, blank=True)
    dealt_with_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(
                fields=["reported_at"],
                name="listing_report_open",
                condition=models.Q(dealt_with_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset}: {self.get_kind_display()}"
